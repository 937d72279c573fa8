from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ferrero_daemon.config import parse_settings
from ferrero_daemon.cron import (
    LocalCronTrigger,
    day_of_week,
)
from ferrero_daemon.domain.fire_times import fire_at_or_before
from ferrero_daemon.errors import ConfigError
from tests.configs import BASE_SETTINGS, deep_merge

ROME = ZoneInfo("Europe/Rome")


def fires(trigger: LocalCronTrigger, start: datetime, until: datetime) -> list[datetime]:
    out: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire < until:
        out.append(fire)
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=1))
    return out


def test_crontab_sunday_is_sunday_not_monday() -> None:
    weekly = LocalCronTrigger("0 3 * * 0", ROME)
    fire = weekly.get_next_fire_time(None, datetime(2026, 12, 1, tzinfo=ROME))
    assert fire.strftime("%A %H:%M") == "Sunday 03:00"
    assert day_of_week("7") == "sun"
    assert day_of_week("1-5") == "mon,tue,wed,thu,fri"
    assert day_of_week("*/2") == "sun,tue,thu,sat"
    assert day_of_week("0-6") == "*"


def test_a_daily_job_at_two_runs_once_on_both_daylight_saving_nights() -> None:
    nightly = LocalCronTrigger("0 2 * * *", ROME)
    autumn = fires(
        nightly, datetime(2026, 10, 24, 12, tzinfo=ROME), datetime(2026, 10, 26, 12, tzinfo=ROME)
    )
    spring = fires(
        nightly, datetime(2026, 3, 28, 12, tzinfo=ROME), datetime(2026, 3, 30, 12, tzinfo=ROME)
    )
    assert [f.date().isoformat() for f in autumn] == ["2026-10-25", "2026-10-26"]
    assert [f.date().isoformat() for f in spring] == ["2026-03-29", "2026-03-30"]


def test_a_poll_keeps_running_through_the_repeated_hour() -> None:
    poll = LocalCronTrigger("*/30 * * * *", ROME)
    repeated = fires(
        poll, datetime(2026, 10, 25, 2, tzinfo=ROME), datetime(2026, 10, 25, 3, tzinfo=ROME)
    )
    assert len(repeated) == 4  # 02:00, 02:30 summer time, then 02:00, 02:30 winter time


def test_the_last_fire_time_is_the_last_due_time() -> None:
    nightly = LocalCronTrigger("0 2 * * *", ROME)
    now = datetime(2026, 12, 1, 10, tzinfo=ROME)
    assert fire_at_or_before(nightly, now) == datetime(2026, 12, 1, 2, tzinfo=ROME)
    assert fire_at_or_before(nightly, datetime(2026, 12, 1, 1, tzinfo=ROME)) == datetime(
        2026, 11, 30, 2, tzinfo=ROME
    )


def test_every_bad_schedule_is_named_by_its_key() -> None:
    # `config` (parse_settings) already refuses them, with the scheduler's own parser.
    bad = {
        "jobs": {
            "a1_a2": {"schedule": "99 * * * *"},
            "backup_weekly": {"schedule": "0 3 * * 9"},
        }
    }
    with pytest.raises(ConfigError) as caught:
        parse_settings(deep_merge(BASE_SETTINGS, bad))
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "jobs.a1_a2.schedule",
        "jobs.backup_weekly.schedule",
    ]
