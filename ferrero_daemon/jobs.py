"""The seam between the runtime and the work: what a job is, what a run reports.

A job is ``async def run(services: Services, run: RunContext) -> RunReport``. The
runtime (``runtime/``) owns scheduling, locks, ``job_runs`` rows and alerting; a job
only does its work, advances ``run.progress``, and reports counts and failures.
``JOBS`` names the function of each job, imported lazily so that starting the
daemon does not import what a job needs (LlamaCloud's SDK costs seconds).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from ferrero_daemon.domain.failures import Failure

if TYPE_CHECKING:
    from ferrero_daemon.services import Services

Trigger = Literal["schedule", "manual", "catchup", "startup"]
Outcome = Literal["succeeded", "partial", "failed", "interrupted"]

# job name -> "module:function"
JOBS: dict[str, str] = {
    "a1_a2": "ferrero_daemon.workflows.a1_a2:run",
    "a2_a3": "ferrero_daemon.workflows.a2_a3:run",
    "a5_a6": "ferrero_daemon.workflows.a5_a6:run",
    "b1_b2": "ferrero_daemon.workflows.b1_b2:run",
    "creativex": "ferrero_daemon.workflows.creativex:run",
    "daily_report": "ferrero_daemon.report.daily:run_job",
    "backup_daily": "ferrero_daemon.backups.jobs:backup_daily",
    "backup_weekly": "ferrero_daemon.backups.jobs:backup_weekly",
    "backup_check": "ferrero_daemon.backups.jobs:backup_check",
}


@dataclass
class Progress:
    """Live progress of a run, read by ``ferrero-daemon status``."""

    done: int = 0
    total: int = 0
    bytes: int = 0
    current: str = ""

    def add_total(self, count: int) -> None:
        self.total += count

    def advance(self, count: int = 1) -> None:
        self.done += count

    def moved(self, count: int) -> None:
        self.bytes += count


@dataclass
class RunReport:
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)

    def count(self, name: str, by: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + by

    def fail(self, item: str, reason: str) -> None:
        self.failures.append(Failure(item, reason))

    @property
    def outcome(self) -> Outcome:
        if not self.failures:
            return "succeeded"
        done = sum(v for k, v in self.counts.items() if k not in ("failed", "skipped"))
        return "partial" if done else "failed"


@dataclass(frozen=True)
class RunContext:
    job: str
    run_id: str
    trigger: Trigger
    dry_run: bool
    now: Callable[[], datetime]
    progress: Progress = field(default_factory=Progress)


JobFunction = Callable[["Services", RunContext], Awaitable[RunReport]]


def resolve(job: str) -> JobFunction:
    """The function of a job, imported on first use."""
    try:
        target = JOBS[job]
    except KeyError:
        raise KeyError(f"unknown job {job!r}; known jobs: {', '.join(sorted(JOBS))}") from None
    module, _, name = target.partition(":")
    function: JobFunction = getattr(importlib.import_module(module), name)
    return function
