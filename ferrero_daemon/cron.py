"""Crontab lines as APScheduler 3 triggers, with the two traps of 3.x removed.

A base module: the runtime schedules jobs with these triggers, and the daily report
reads the same trigger to know where each report period ends.

1. Weekdays: crontab counts Sunday as 0 (and 7); APScheduler 3's ``from_crontab``
   counts Monday as 0, so ``0 3 * * 0`` would run on Mondays. ``crontab.py`` translates
   the day-of-week field to day names (and ``config`` validates with the same parser).
2. Daylight saving: when clocks go back, a wall time such as 02:00 happens twice and
   ``CronTrigger`` fires twice. A job pinned to an hour (the backups, the report) must
   run once that night, so its second occurrence is skipped. A job whose hour field
   has ``*`` (the polls) keeps firing through the repeated hour, as real time passes.
   The spring-forward gap needs nothing: a nonexistent 02:00 fires once, an hour late.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.triggers.cron import CronTrigger

from ferrero_daemon.config import Settings
from ferrero_daemon.crontab import day_of_week, trigger_fields
from ferrero_daemon.errors import ConfigError

__all__ = ["LocalCronTrigger", "build_triggers", "day_of_week"]


def is_frequent(schedule: str) -> bool:
    """A job that runs every hour or more often (its hour field has ``*``): a poll."""
    return "*" in schedule.split()[1]


class LocalCronTrigger(CronTrigger):  # type: ignore[misc]  # APScheduler 3 ships no types
    """A ``CronTrigger`` that fires a pinned wall time once on the night clocks go back."""

    def __init__(self, schedule: str, zone: tzinfo) -> None:
        super().__init__(**trigger_fields(schedule), timezone=zone)
        self.schedule = schedule
        self.once_per_wall_time = not is_frequent(schedule)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        fire: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        while self.once_per_wall_time and fire is not None and _second_occurrence(fire):
            # Step past it in UTC: wall-clock arithmetic would land back on the first one.
            fire = super().get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=1))
        return fire


def _second_occurrence(moment: datetime) -> bool:
    return moment.fold == 1 and moment.replace(fold=0).utcoffset() != moment.utcoffset()


def build_triggers(settings: Settings) -> dict[str, LocalCronTrigger]:
    """A trigger per enabled job; every bad schedule is reported at once, by its key."""
    triggers: dict[str, LocalCronTrigger] = {}
    problems: list[str] = []
    for name, job in settings.jobs.items():
        if not settings.job_enabled(name):
            continue
        try:
            triggers[name] = LocalCronTrigger(job.schedule, settings.zone)
        except ValueError as exc:
            problems.append(
                f"jobs.{name}.schedule: {job.schedule!r} is not a valid cron line: {exc}"
            )
    if problems:
        raise ConfigError(problems=problems)
    return triggers
