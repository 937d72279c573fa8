"""The cron trigger the runtime must use: local wall-clock times, each fired once.

APScheduler 3.11's ``CronTrigger`` has two traps for our schedules (ref/daemon-runtime.md
§1.4, checked in tests/unit/ops/test_schedule.py):

- ``from_crontab`` numbers weekdays Monday=0, so ``0 3 * * 0`` fires on *Monday*.
  We translate cron's numbers (0 or 7 = Sunday) to names.
- On the fall-back night a fixed time in the repeated hour (02:00 in Europe/Rome)
  fires twice, once per UTC offset. We skip the second occurrence, as Vixie cron
  does: an expression with a fixed hour names a wall-clock time, and each wall-clock
  time fires once. Expressions whose hour is a wildcard (``*/5 * * * *``) keep firing
  through the repeated hour: they are intervals, not appointments.

The spring-forward night needs nothing: a time in the skipped hour (02:00–02:59)
fires once, at the first instant after the gap (03:00 local for 02:00).
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any

from apscheduler.triggers.cron import CronTrigger

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DOW_NUMBER = re.compile(r"\d+")


def cron_weekdays(field: str) -> str:
    """Cron's day-of-week numbers (0-7, Sunday = 0 or 7) as APScheduler's names."""
    if field in ("*", "?"):
        return "*"

    def name(match: re.Match[str]) -> str:
        number = int(match[0])
        if number > 7:
            raise ValueError(f"day of week {number} is not in 0-7")
        return _DOW_NAMES[number]

    # Only the numbers of a range or list are days; a step (*/2, 1-5/2) stays a number.
    parts = []
    for item in field.split(","):
        days, sep, step = item.partition("/")
        parts.append(_DOW_NUMBER.sub(name, days) + sep + step)
    return ",".join(parts)


class WallClockCronTrigger(CronTrigger):  # type: ignore[misc]
    """A ``CronTrigger`` that fires each wall-clock time of a fixed-hour schedule once."""

    def __init__(self, *, fixed_hour: bool, **fields: Any) -> None:
        super().__init__(**fields)
        self.fixed_hour = fixed_hour

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        fire: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        while fire is not None and self.fixed_hour and _repeated(fire):
            fire = super().get_next_fire_time(fire, fire)
        return fire

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = super().__getstate__()
        state["fixed_hour"] = self.fixed_hour
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.fixed_hour = state.pop("fixed_hour", True)
        super().__setstate__(state)


def _repeated(fire: datetime) -> bool:
    """True for the second occurrence of an ambiguous local time (``fold=1``)."""
    local = fire.astimezone(fire.tzinfo)
    if not local.fold:
        return False
    return local.replace(fold=0).utcoffset() != local.utcoffset()


def make_trigger(cron: str, zone: tzinfo) -> CronTrigger:
    """The trigger for a 5-field cron expression in ``zone`` (e.g. ``0 2 * * *``)."""
    minute, hour, day, month, weekday = cron.split()
    return WallClockCronTrigger(
        fixed_hour=not hour.startswith("*"),
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=cron_weekdays(weekday),
        timezone=zone,
    )
