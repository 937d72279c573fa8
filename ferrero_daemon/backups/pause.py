"""Holding the daemon's jobs still while a restore swaps the database.

A running daemon is asked over its control socket (``pause`` / ``resume``, as
``ferrero-daemon pause JOB`` does), so its scheduler stops at once; without one, the
pause is written where the runtime keeps it (``store/pauses.py``, in
``workflow_state``), so a daemon started meanwhile honours it. Only the jobs this
restore paused are resumed afterwards; a pause an operator set stays. Before the swap
we wait for runs already in progress (``job_runs.outcome = 'running'``) to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime
from pathlib import Path

from ferrero_daemon import logs
from ferrero_daemon.clients import control as control_client
from ferrero_daemon.clients.db import Database
from ferrero_daemon.errors import BackupError, BusyError, ControlError
from ferrero_daemon.jobs import JOBS
from ferrero_daemon.store.pauses import Pauses

log = logs.get_logger(__name__)

# The backup jobs are held off by the backup lock the restore holds, not by a pause.
_NOT_PAUSED = frozenset({"backup_daily", "backup_weekly", "backup_check"})
_POLL_SECONDS = 0.5


def pausable_jobs() -> list[str]:
    return sorted(set(JOBS) - _NOT_PAUSED)


async def running_jobs(db: Database, jobs: Iterable[str]) -> list[str]:
    rows = await db.fetch("ops_running_jobs", list(jobs))
    return [r["job"] for r in rows]


async def _ask_daemon(socket: Path, command: str, job: str, by: str) -> bool:
    """True when the running daemon did it; False when no daemon (or a standby) answers."""
    control = control_client.ControlClient(socket)
    ask = control.pause if command == "pause" else control.resume
    try:
        await asyncio.to_thread(ask, job, by, 10.0)
    except (ControlError, BusyError) as exc:
        log.info("control_socket_unused", command=command, job=job, reason=str(exc))
        return False
    return True


async def _pause(pauses: Pauses, socket: Path, job: str, by: str, now: datetime) -> bool:
    if await _ask_daemon(socket, "pause", job, by):
        return True
    await pauses.pause(job, by, now)
    return False


@contextlib.asynccontextmanager
async def jobs_paused(
    db: Database,
    socket: Path,
    clock: Callable[[], datetime],
    reason: str,
    wait_seconds: float,
) -> AsyncIterator[list[str]]:
    """Pause every workflow job, wait for running ones to end; resume ours on exit."""
    pauses = Pauses(db)
    already = await pauses.paused()
    ours = [job for job in pausable_jobs() if job not in already]
    via_daemon = {job: await _pause(pauses, socket, job, reason, clock()) for job in ours}
    log.info("jobs_paused", jobs=ours, reason=reason, via_daemon=any(via_daemon.values()))
    try:
        await _wait_idle(db, wait_seconds)
        yield ours
    finally:
        # After a swap the pool reconnects to the restored database: resume there.
        for job in ours:
            if not (via_daemon[job] and await _ask_daemon(socket, "resume", job, reason)):
                await pauses.resume(job)
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
