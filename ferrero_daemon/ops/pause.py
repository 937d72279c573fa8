"""Holding the daemon's jobs still while a restore swaps the database.

Pauses are durable rows in ``workflow_state`` (scope = job name, key ``paused``), the
same place ``ferrero-daemon pause JOB`` keeps them, so they hold whether or not the
daemon is running and survive its restart. Only the jobs this restore paused are
resumed afterwards; a pause an operator set stays. Before the swap we wait for runs
already in progress (``job_runs.outcome = 'running'``) to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime

from ferrero_daemon import logs
from ferrero_daemon.clients.db import Database
from ferrero_daemon.errors import BackupError
from ferrero_daemon.jobs import JOBS
from ferrero_daemon.store.state import StateStore

log = logs.get_logger(__name__)

PAUSE_KEY = "paused"
# The backup jobs are held off by the backup lock the restore holds, not by a pause.
_NOT_PAUSED = frozenset({"backup_daily", "backup_weekly", "backup_check"})
_POLL_SECONDS = 0.5


def pausable_jobs() -> list[str]:
    return sorted(set(JOBS) - _NOT_PAUSED)


async def running_jobs(db: Database, jobs: Iterable[str]) -> list[str]:
    rows = await db.fetch("ops_running_jobs", list(jobs))
    return [r["job"] for r in rows]


@contextlib.asynccontextmanager
async def jobs_paused(
    db: Database, clock: Callable[[], datetime], reason: str, wait_seconds: float
) -> AsyncIterator[list[str]]:
    """Pause every workflow job, wait for running ones to end; resume ours on exit."""
    state = StateStore(db)
    ours = []
    for job in pausable_jobs():
        if await state.get(job, PAUSE_KEY) is None:
            await state.put(job, PAUSE_KEY, {"by": reason, "at": clock().isoformat()})
            ours.append(job)
    log.info("jobs_paused", jobs=ours, reason=reason)
    try:
        await _wait_idle(db, wait_seconds)
        yield ours
    finally:
        # A restore may have swapped the database under the pool: resume on the new one.
        for job in ours:
            await state.delete(job, PAUSE_KEY)
        log.info("jobs_resumed", jobs=ours, reason=reason)


async def _wait_idle(db: Database, wait_seconds: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while busy := await running_jobs(db, pausable_jobs()):
        if loop.time() >= deadline:
            raise BackupError(
                f"jobs still running after {wait_seconds:.0f} s: {', '.join(busy)}; "
                "wait for them or stop the daemon, then restore again"
            )
        await asyncio.sleep(_POLL_SECONDS)
