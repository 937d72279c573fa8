"""Crontab lines as the scheduler reads them: one parser for ``config`` and the runtime.

A schedule is a 5-field crontab line. Each field is handed to APScheduler 3's own
``CronTrigger``, so ``ferrero-daemon config`` refuses exactly what the scheduler would
refuse at start (``61 * * * *``, ``0 3 * * 8``), each by its key path. One translation
happens first: crontab counts Sunday as 0 (and 7), APScheduler 3 counts Monday as 0,
so the day-of-week field is turned into day names (``0 3 * * 0`` runs on Sundays).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
FIELDS = ("minute", "hour", "day", "month", "day_of_week")


def _day(token: str) -> int:
    if token.isdigit():
        value = int(token)
        if value > 7:
            raise ValueError(f"day of week {value} is out of range 0-7 (0 and 7 are Sunday)")
        return value
    name = token[:3].lower()
    if name not in DAYS:
        raise ValueError(f"unknown day of week {token!r}")
    return DAYS.index(name)


def _expand(token: str) -> set[int]:
    value, _, step_text = token.partition("/")
    if step_text and not step_text.isdigit():
        raise ValueError(f"day-of-week step {step_text!r} is not a number")
    step = int(step_text) if step_text else 1
    if step < 1:
        raise ValueError("day-of-week step must be 1 or more")
    if value == "*":
        low, high = 0, 6
    elif "-" in value:
        first, last = value.split("-", 1)
        low, high = _day(first), _day(last)
    else:
        low = _day(value)
        high = 6 if step_text else low
    if high < low:
        raise ValueError(f"day-of-week range {value!r} runs backwards")
    return {day % 7 for day in range(low, high + 1, step)}


def day_of_week(field: str) -> str:
    """A crontab day-of-week field as APScheduler 3 understands it (names, not numbers)."""
    days: set[int] = set()
    for token in field.split(","):
        days |= _expand(token)
    if len(days) == 7:
        return "*"
    return ",".join(DAYS[d] for d in sorted(days))


def trigger_fields(schedule: str) -> dict[str, str]:
    """The keyword arguments of ``CronTrigger`` for a crontab line."""
    parts = schedule.split()
    if len(parts) != len(FIELDS):
        raise ValueError("expected a 5-field cron expression such as '*/5 * * * *'")
    fields = dict(zip(FIELDS, parts, strict=True))
    fields["day_of_week"] = day_of_week(fields["day_of_week"])
    return fields


def cron_trigger(schedule: str, zone: tzinfo) -> Any:
    """APScheduler's ``CronTrigger`` for a crontab line; ``ValueError`` names what is wrong."""
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger(**trigger_fields(schedule), timezone=zone)


def validate(schedule: str, zone: tzinfo) -> str:
    """The schedule unchanged when the scheduler accepts it; ``ValueError`` otherwise."""
    cron_trigger(schedule, zone)
    return schedule
