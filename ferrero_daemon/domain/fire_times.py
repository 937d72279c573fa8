"""When a schedule fires: the first time at or after a moment, the last at or before one.

One set of rules for every reader of a schedule: the start-up catch-up (was a job due
while the daemon was down?) and the report periods (where does a period end?). Times
come back in UTC: Python compares two times of one zone by their wall clock, which
would make the two 02:30 of the night clocks go back equal. The trigger is
``ferrero_daemon.cron.LocalCronTrigger``; the domain sees only the method it needs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

# How far back the last fire time is looked for, widening: a poll fires within the day,
# a weekly job within 8 days, a monthly one within 32, a yearly one within 367.
_LOOKBACK = (timedelta(days=1), timedelta(days=8), timedelta(days=32), timedelta(days=367))
TICK = timedelta(microseconds=1)


class Schedule(Protocol):
    """APScheduler's trigger interface, as far as fire times need it."""

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None: ...


def fire_at_or_after(schedule: Schedule, moment: datetime) -> datetime | None:
    """The first fire time at or after ``moment``, in UTC."""
    fire = schedule.get_next_fire_time(None, moment)
    return None if fire is None else fire.astimezone(UTC)


def fire_after(schedule: Schedule, moment: datetime) -> datetime | None:
    """The first fire time strictly after ``moment``."""
    return fire_at_or_after(schedule, moment.astimezone(UTC) + TICK)


def fire_at_or_before(schedule: Schedule, moment: datetime) -> datetime | None:
    """The last fire time at or before ``moment`` (None when none in the past year)."""
    moment = moment.astimezone(UTC)
    for lookback in _LOOKBACK:
        fire = fire_at_or_after(schedule, moment - lookback)
        if fire is None or fire > moment:
            continue
        while (following := fire_after(schedule, fire)) is not None and following <= moment:
            fire = following
        return fire
    return None
