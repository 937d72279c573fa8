"""The backup, check and report jobs on the nights Europe/Rome changes its clocks.

Scheduled by the runtime's trigger (``cron.py``) from the default ``[jobs]``
schedules, on the real 2026 switch dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from ferrero_daemon.config import parse_settings
from ferrero_daemon.cron import build_triggers
from tests.configs import BASE_SETTINGS

ROME = ZoneInfo("Europe/Rome")
SPRING_2026 = date(2026, 3, 29)  # 02:00 CET → 03:00 CEST: 02:00–02:59 does not exist
FALL_2026 = date(2026, 10, 25)  # 03:00 CEST → 02:00 CET: 02:00–02:59 happens twice
OPS_JOBS = ("backup_daily", "backup_weekly", "backup_check", "daily_report")


def triggers() -> dict[str, CronTrigger]:
    return dict(build_triggers(parse_settings(BASE_SETTINGS)))


def fires(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    out: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire < end:
        out.append(fire)
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=1))
    return out


def the_night(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=ROME)
    return start, start + timedelta(hours=24)


@pytest.mark.parametrize("day", [SPRING_2026, FALL_2026], ids=["spring", "fall"])
@pytest.mark.parametrize("job", OPS_JOBS)
def test_each_job_runs_exactly_once_on_a_switch_day(job: str, day: date) -> None:
    got = fires(triggers()[job], *the_night(day))
    assert len(got) == 1, [f.isoformat() for f in got]  # 29 March and 25 October are Sundays


def test_the_spring_forward_backups_run_right_after_the_gap() -> None:
    start, end = the_night(SPRING_2026)
    (daily,) = fires(triggers()["backup_daily"], start, end)
    (weekly,) = fires(triggers()["backup_weekly"], start, end)
    # Both land on 03:00 CEST: the backup lock makes the weekly wait for the daily.
    assert daily.astimezone(UTC) == weekly.astimezone(UTC) == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_the_fall_back_daily_runs_at_the_first_0200() -> None:
    (fire,) = fires(triggers()["backup_daily"], *the_night(FALL_2026))
    assert fire.astimezone(UTC) == datetime(2026, 10, 25, 0, tzinfo=UTC)  # 02:00 CEST


def test_a_year_of_daily_backups_fires_once_per_day_and_weekly_ones_on_sundays() -> None:
    start, end = datetime(2026, 1, 1, tzinfo=ROME), datetime(2027, 1, 1, tzinfo=ROME)
    days = [f.astimezone(ROME).date() for f in fires(triggers()["backup_daily"], start, end)]
    assert len(days) == len(set(days)) == 365
    weekly = fires(triggers()["backup_weekly"], start, end)
    assert len(weekly) == 52
    assert {f.astimezone(ROME).strftime("%a %H:%M") for f in weekly} == {"Sun 03:00"}
