"""APScheduler 3.11 as a timer only: it calls ``Runner.run(job)`` when a job is due.

Everything else (locks, history, catch-up, alerts) is ours. The traps handled here:
``start()`` inside the running loop, job defaults passed as ``job_defaults`` (unknown
scheduler kwargs are silently ignored, and the default misfire grace is 1 s), and a
reload that touches only the jobs whose schedule changed, so the others keep their phase.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from ferrero_daemon import logs
from ferrero_daemon.cron import LocalCronTrigger

log = logs.get_logger(__name__)

Fire = Callable[[str], Awaitable[object]]


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def plan(current: Mapping[str, str], wanted: Mapping[str, str]) -> Changes:
    """Compare schedules by their text (trigger objects never compare equal)."""
    return Changes(
        added=tuple(sorted(set(wanted) - set(current))),
        changed=tuple(sorted(n for n in set(wanted) & set(current) if wanted[n] != current[n])),
        removed=tuple(sorted(set(current) - set(wanted))),
    )


def schedule_key(trigger: LocalCronTrigger) -> str:
    return f"{trigger.schedule} {trigger.timezone}"


class JobScheduler:
    """The APScheduler of one active daemon; started on promotion, stopped on demotion."""

    def __init__(self, fire: Fire, misfire_grace_seconds: int) -> None:
        self._fire = fire
        self._grace = misfire_grace_seconds
        self._keys: dict[str, str] = {}
        self._scheduler: AsyncIOScheduler | None = None

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        """Start inside the running loop (APScheduler 3.11 calls ``get_running_loop``)."""
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self._grace,
            },
        )
        self._scheduler.start()
        self._keys = {}

    def stop(self) -> None:
        if self._scheduler is not None:
            # Returns at once and cancels nothing we care about: runs belong to the Runner.
            self._scheduler.shutdown(wait=False)
        self._scheduler = None
        self._keys = {}

    def apply(
        self, triggers: Mapping[str, LocalCronTrigger], paused: set[str], grace: int
    ) -> Changes:
        """Make the scheduled jobs match ``triggers``, touching only what changed."""
        scheduler = self._require()
        wanted = {name: schedule_key(t) for name, t in triggers.items()}
        changes = plan(self._keys, wanted)
        for name in changes.removed:
            scheduler.remove_job(name)
        for name in (*changes.added, *changes.changed):
            extra = {"next_run_time": None} if name in paused else {}
            scheduler.add_job(
                self._fire,
                trigger=triggers[name],
                args=[name],
                id=name,
                name=name,
                replace_existing=True,
                misfire_grace_time=grace,
                **extra,
            )
        if grace != self._grace:
            for name in set(wanted) - set(changes.added) - set(changes.changed):
                scheduler.modify_job(name, misfire_grace_time=grace)
            self._grace = grace
        self._keys = wanted
        return changes

    def pause(self, job: str) -> None:
        if self._scheduler is not None and job in self._keys:
            self._scheduler.pause_job(job)

    def resume(self, job: str) -> None:
        if self._scheduler is not None and job in self._keys:
            self._scheduler.resume_job(job)

    def next_run(self, job: str) -> datetime | None:
        if self._scheduler is None or job not in self._keys:
            return None
        found = self._scheduler.get_job(job)
        return None if found is None else found.next_run_time

    def _require(self) -> AsyncIOScheduler:
        if self._scheduler is None:
            raise RuntimeError("the scheduler is not started")
        return self._scheduler
