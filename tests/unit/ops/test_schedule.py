"""The 02:00 and 03:00 jobs on the nights Europe/Rome changes its clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from ferrero_daemon.ops.schedule import cron_weekdays, make_trigger

ROME = ZoneInfo("Europe/Rome")
SPRING_2026 = date(2026, 3, 29)  # 02:00 CET → 03:00 CEST: 02:00–02:59 does not exist
FALL_2026 = date(2026, 10, 25)  # 03:00 CEST → 02:00 CET: 02:00–02:59 happens twice


def fires(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    out: list[datetime] = []
    previous, now = None, start
    while (fire := trigger.get_next_fire_time(previous, now)) is not None and fire < end:
        out.append(fire)
        previous, now = fire, fire
    return out


def night(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=ROME) - timedelta(hours=12)
    return start, start + timedelta(hours=36)


@pytest.mark.parametrize("day", [SPRING_2026, FALL_2026])
def test_the_daily_backup_runs_once_on_a_switch_night(day: date) -> None:
    start, end = night(day)
    got = fires(make_trigger("0 2 * * *", ROME), start, end)
    assert [f.astimezone(ROME).date() for f in got] == [day]


def test_the_spring_forward_daily_runs_at_the_first_instant_after_the_gap() -> None:
    (fire,) = fires(make_trigger("0 2 * * *", ROME), *night(SPRING_2026))
    assert fire.astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST


def test_the_fall_back_daily_runs_at_the_first_0200() -> None:
    (fire,) = fires(make_trigger("0 2 * * *", ROME), *night(FALL_2026))
    assert fire.astimezone(UTC) == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00 CEST


@pytest.mark.parametrize("day", [SPRING_2026, FALL_2026])
def test_the_weekly_backup_runs_once_on_the_switch_sunday(day: date) -> None:
    start, end = night(day)
    got = fires(make_trigger("0 3 * * 0", ROME), start, end)
    assert len(got) == 1
    local = got[0].astimezone(ROME)
    assert (local.date(), local.hour, local.strftime("%a")) == (day, 3, "Sun")


def test_the_plain_cron_trigger_has_both_traps() -> None:
    """Why make_trigger exists: APScheduler 3.11 alone fires twice and on Monday."""
    start, end = night(FALL_2026)
    assert len(fires(CronTrigger.from_crontab("0 2 * * *", timezone=ROME), start, end)) == 2
    weekly = CronTrigger.from_crontab("0 3 * * 0", timezone=ROME)
    fire = weekly.get_next_fire_time(None, datetime(2026, 10, 23, tzinfo=ROME))
    assert fire.astimezone(ROME).strftime("%a") == "Mon"


def test_a_year_of_dailies_fires_once_per_day() -> None:
    start = datetime(2026, 1, 1, tzinfo=ROME)
    end = datetime(2027, 1, 1, tzinfo=ROME)
    got = fires(make_trigger("0 2 * * *", ROME), start, end)
    days = [f.astimezone(ROME).date() for f in got]
    assert len(days) == len(set(days)) == 365


def test_polls_keep_running_through_the_repeated_hour() -> None:
    start = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00 CEST
    got = fires(make_trigger("*/5 * * * *", ROME), start, start + timedelta(hours=2))
    assert len(got) == 24  # two real hours of five-minute polls, none skipped


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("0", "sun"),
        ("7", "sun"),
        ("1-5", "mon-fri"),
        ("0,6", "sun,sat"),
        ("*", "*"),
        ("*/2", "*/2"),
    ],
)
def test_cron_weekday_numbers_become_names(field: str, names: str) -> None:
    assert cron_weekdays(field) == names
