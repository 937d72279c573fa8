"""The ``status`` reply: the process, every job, the outbox backlog, set-aside files.

Every time is converted to the configured zone here, once, so the CLI, scripts
reading ``--json`` and the table all see the same clock. When the database does not
answer, the reply still comes, with what the process itself knows and the reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ferrero_daemon import __version__
from ferrero_daemon.clients.control_wire import (
    JobStatus,
    LastError,
    LastRun,
    OutboxBacklog,
    RunningRun,
    SetAsideFolder,
    StatusReply,
)
from ferrero_daemon.config import Config
from ferrero_daemon.outbox.queue import Outbox, OutboxStats
from ferrero_daemon.store.attention import AttentionStore, OpenItem
from ferrero_daemon.store.pauses import Pauses
from ferrero_daemon.store.runs import FinishedRun, JobRuns, RunError

if TYPE_CHECKING:
    from ferrero_daemon.runtime.handlers import Daemon
    from ferrero_daemon.runtime.runner import ActiveRun

MAX_FILES_LISTED = 20


def iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat()


def running(job: str, active: ActiveRun, zone: ZoneInfo) -> RunningRun:
    progress = active.context.progress
    return {
        "job": job,
        "run_id": active.context.run_id,
        "trigger": active.context.trigger,
        "dry_run": active.context.dry_run,
        "started_at": iso(active.started_at, zone) or "",
        "elapsed_s": active.elapsed_s,
        "stuck": active.stuck_reported,
        "progress": {
            "done": progress.done,
            "total": progress.total,
            "bytes": progress.bytes,
            "current": progress.current,
        },
    }


@dataclass(frozen=True)
class Facts:
    """What the database knows; empty when it did not answer (``error`` says why)."""

    latest: Mapping[str, FinishedRun]
    errors: Mapping[str, RunError]
    paused: set[str]
    active_holder: str | None
    outbox: OutboxStats | None
    set_aside: list[OpenItem] | None
    error: str | None = None


async def facts(daemon: Daemon) -> Facts:
    db = daemon.services.db
    try:
        lease = await daemon.lease.info()
        return Facts(
            latest=await JobRuns(db).latest(),
            errors=await JobRuns(db).last_errors(),
            paused=await Pauses(db).paused(),
            active_holder=lease.holder if lease and lease.live else None,
            outbox=await Outbox(db).stats(),
            set_aside=await AttentionStore(db).open_all(),
        )
    except Exception as exc:  # the reply still comes: a status is most wanted in an outage
        reason = f"the database did not answer: {type(exc).__name__}: {exc}"
        return Facts({}, {}, set(), None, None, None, reason)


async def status_reply(daemon: Daemon) -> StatusReply:
    config = daemon.config
    zone = config.settings.zone
    found = await facts(daemon)
    now = daemon.services.clock()
    return {
        "version": __version__,
        "pid": os.getpid(),
        "started_at": iso(daemon.started_at, zone) or "",
        "uptime_s": round(daemon.uptime_s, 1),
        "role": daemon.role,
        "state": daemon.state,
        "instance": config.instance,
        "holder": daemon.holder,
        "active_holder": found.active_holder,
        "timezone": zone.key,
        "config": str(config.path) if config.path else None,
        "reload_error": daemon.reload_error,
        "database_error": found.error,
        "status_line": daemon.status_line(),
        "jobs": [_job(daemon, name, found, zone) for name, _ in config.settings.jobs.items()],
        "outbox": _outbox(found.outbox, now, zone),
        "set_aside": _set_aside(found.set_aside, config, zone),
    }


def _job(daemon: Daemon, name: str, found: Facts, zone: ZoneInfo) -> JobStatus:
    job = getattr(daemon.config.settings.jobs, name)
    active = daemon.runner.active.get(name)
    return {
        "job": name,
        "schedule": job.schedule,
        "enabled": daemon.config.settings.job_enabled(name),
        "paused": name in found.paused,
        "next_run": iso(daemon.scheduler.next_run(name), zone),
        "last_run": _last_run(found.latest.get(name), zone),
        "last_error": _last_error(found.errors.get(name), zone),
        "running": running(name, active, zone) if active else None,
    }


def _last_run(run: FinishedRun | None, zone: ZoneInfo) -> LastRun | None:
    if run is None:
        return None
    return {
        "run_id": run.run_id,
        "trigger": run.trigger,
        "outcome": run.outcome,
        "started_at": iso(run.started_at, zone) or "",
        "finished_at": iso(run.finished_at, zone) or "",
        "duration_s": round(run.duration_s, 3),
        "error": run.error,
    }


def _last_error(run: RunError | None, zone: ZoneInfo) -> LastError | None:
    if run is None:
        return None
    return {
        "run_id": run.run_id,
        "outcome": run.outcome,
        "at": iso(run.finished_at, zone) or "",
        "error": run.error,
    }


def _outbox(stats: OutboxStats | None, now: datetime, zone: ZoneInfo) -> OutboxBacklog | None:
    if stats is None:
        return None
    oldest = stats.oldest_pending
    return {
        "pending": stats.pending,
        "emails": stats.emails,
        "webhooks": stats.webhooks,
        "failing": stats.failing,
        "given_up": stats.given_up,
        "oldest_at": iso(oldest, zone),
        "oldest_age_s": None if oldest is None else round((now - oldest).total_seconds(), 1),
        "last_error": stats.last_error,
    }


def _set_aside(
    items: list[OpenItem] | None, config: Config, zone: ZoneInfo
) -> list[SetAsideFolder] | None:
    if items is None:
        return None
    folders: dict[str, list[OpenItem]] = {}
    for item in items:
        folders.setdefault(item.workflow, []).append(item)
    box = config.settings.box
    return [
        {
            "folder": workflow,
            "box_folder_id": str(getattr(box.folders, workflow, "")),
            "path": f"{workflow}/{box.needs_attention_folder}",
            "count": len(found),
            "oldest_at": iso(found[0].set_aside_at, zone) or "",
            "files": [i.file_name for i in found[:MAX_FILES_LISTED]],
        }
        for workflow, found in folders.items()
    ]
