"""Which period a report covers, from the report job's schedule and what was reported.

The scheduled job reports every period that ended since the last one recorded in
``report_periods`` (``due``). ``report --date D`` re-renders the period mailed on D as it
was recorded, else the one the schedule ends on D; ``report`` alone shows the period in
progress (``chosen``).
"""

from __future__ import annotations

from datetime import date, datetime

from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from ferrero_daemon.cron import LocalCronTrigger
from ferrero_daemon.domain.report_periods import (
    Period,
    due_periods,
    local_day,
    period_in_progress,
    period_of_day,
)
from ferrero_daemon.errors import ConfigError, InvalidInputError
from ferrero_daemon.store.report_periods import ReportPeriods


def schedule(config: Config) -> LocalCronTrigger:
    """The report job's trigger: its fire times are where periods end."""
    line = config.settings.jobs.daily_report.schedule
    try:
        return LocalCronTrigger(line, config.settings.zone)
    except ValueError as exc:
        raise ConfigError(
            f"jobs.daily_report.schedule: {line!r} is not a valid cron line: {exc}"
        ) from exc


async def due(db: Database, config: Config, now: datetime) -> list[Period]:
    last = await ReportPeriods(db).last()
    return due_periods(schedule(config), None if last is None else last.end, now)


async def chosen(db: Database, config: Config, day: date | None, now: datetime) -> Period:
    """The period ``report [--date D]`` shows."""
    trigger = schedule(config)
    if day is None:
        return period_in_progress(trigger, now)
    zone = config.settings.zone
    recorded = await ReportPeriods(db).ending_within(*local_day(day, zone))
    if recorded is not None:
        return recorded
    period = period_of_day(trigger, day, zone)
    if period is None:
        raise InvalidInputError(
            f"no daily report is scheduled on {day.isoformat()} "
            f"(jobs.daily_report.schedule = {trigger.schedule!r} in {zone}); "
            "pick a --date on which it runs, or leave --date out for the period in progress"
        )
    return period
