"""Which stretch of time a report covers: pure rules over the report job's fire times.

A report covers the period since the previous report, half-open ``[start, end)``: an
event at exactly the report time belongs to the next report. Periods end at the
report job's scheduled times (``[jobs.daily_report] schedule``, in the configured
zone), so with the default ``0 19 * * *`` a period is the 24 hours ending at 19:00, or
23 or 25 hours on the nights clocks change. Consecutive periods touch, so every
moment is in exactly one of them.

The fire times are ``fire_times.py``'s, from a trigger
(``ferrero_daemon.cron.LocalCronTrigger``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from ferrero_daemon.domain.fire_times import (
    TICK,
    Schedule,
    fire_after,
    fire_at_or_before,
)

# A catch-up after a long downtime sends at most this many mails; the oldest of them
# then reaches back to the previous report, so no moment is left out.
MAX_CATCH_UP = 31


@dataclass(frozen=True)
class Period:
    """``[start, end)``, held in UTC: Python compares two times of one zone by their wall
    clock, which would make the two 02:30 of the night clocks go back equal."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.start >= self.end:
            raise ValueError(f"a report period must end after it starts: {self.start}..{self.end}")

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment.astimezone(UTC) < self.end

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


def _period_to(schedule: Schedule, end: datetime) -> Period:
    start = fire_at_or_before(schedule, end - TICK)
    if start is None:
        raise ValueError(f"the report schedule fired only once in the year before {end}")
    return Period(start, end)


def period_ending(schedule: Schedule, end: datetime) -> Period:
    """The default period of the report sent at ``end``: since the fire before it."""
    return _period_to(schedule, end)


def period_in_progress(schedule: Schedule, now: datetime) -> Period:
    """The period the next report will cover; what ``report`` shows by default."""
    end = fire_after(schedule, now)
    if end is None:
        raise ValueError("the report schedule never fires again")
    return _period_to(schedule, end)


def local_day(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The local calendar day as an instant range ``[start, end)`` (23 to 25 hours)."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def period_of_day(schedule: Schedule, day: date, zone: tzinfo) -> Period | None:
    """The period of the report sent on ``day`` (local): it ends at that day's last
    report time. None when no report is scheduled that day."""
    start, stop = local_day(day, zone)
    end = fire_at_or_before(schedule, stop - TICK)
    if end is None or end < start:
        return None
    return _period_to(schedule, end)


def due_periods(
    schedule: Schedule, last_end: datetime | None, now: datetime, *, cap: int = MAX_CATCH_UP
) -> list[Period]:
    """The periods to report at ``now``: every one that ended since ``last_end``.

    With no report ever sent, only the latest finished period. Each period starts
    where the previous report ended, so a changed schedule leaves no gap; beyond
    ``cap`` periods the oldest ones are merged into one.
    """
    if last_end is None:
        latest = fire_at_or_before(schedule, now)
        return [] if latest is None else [period_ending(schedule, latest)]
    ends: list[datetime] = []
    now = now.astimezone(UTC)
    fire = fire_after(schedule, last_end)
    while fire is not None and fire <= now:
        ends.append(fire)
        fire = fire_after(schedule, fire)
    return _chain(last_end, ends, cap)


def _chain(start: datetime, ends: Sequence[datetime], cap: int) -> list[Period]:
    if len(ends) > cap:
        ends = ends[len(ends) - cap :]
    periods: list[Period] = []
    start = start.astimezone(UTC)
    for end in ends:
        periods.append(Period(start, end))
        start = end
    return periods


def days_of_week(schedule: Schedule, last: Period, count: int = 7) -> list[Period]:
    """``count`` consecutive periods ending with ``last``, oldest first."""
    periods = [last]
    while len(periods) < count:
        periods.insert(0, period_ending(schedule, periods[0].start))
    return periods
