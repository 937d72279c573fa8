"""What to run at start, after downtime: one pure rule per job, decided from ``job_runs``.

- a run cut short (SIGTERM, a crash) runs again, whatever the job;
- a poll (hour field ``*``) runs once at start: its work is cursor-based and idempotent;
- a job pinned to a time (backups, the report) runs at once if a scheduled time passed
  since its last run started, i.e. the daemon was down when it was due;
- a job that never ran has missed nothing, and a paused job waits for ``resume``.
"""

from __future__ import annotations

from datetime import datetime

from ferrero_daemon.cron import LocalCronTrigger, is_frequent
from ferrero_daemon.domain.fire_times import fire_at_or_before
from ferrero_daemon.jobs import Trigger
from ferrero_daemon.store.runs import FinishedRun


def catch_up(
    trigger: LocalCronTrigger, last: FinishedRun | None, now: datetime, *, paused: bool
) -> Trigger | None:
    if paused:
        return None
    if last is not None and last.outcome == "interrupted":
        return "catchup"
    if is_frequent(trigger.schedule):
        return "startup"
    if last is None:
        return None
    due = fire_at_or_before(trigger, now)
    return "catchup" if due is not None and last.started_at < due else None
