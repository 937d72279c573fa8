"""What each control request does: ``status``, ``trigger``, ``wait``, ``pause``, ``resume``, ``reload``.

Requests arrive checked (``control_wire.parse_request``); each handler answers with its
reply TypedDict. A refusal is an error of our tree, whose class decides the reply's
``kind`` and so the CLI's exit code: an unknown job is a ``UsageError``, the standby a
``DaemonUnavailable``, a stopping daemon ``BusyError``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from ferrero_daemon import logs
from ferrero_daemon.clients.control_wire import (
    PauseReply,
    PauseRequest,
    ReloadReply,
    ReloadRequest,
    Reply,
    Request,
    ResumeReply,
    ResumeRequest,
    RunResult,
    StatusReply,
    TriggerReply,
    TriggerRequest,
    WaitReply,
    WaitRequest,
)
from ferrero_daemon.config import Config
from ferrero_daemon.errors import BusyError, DaemonUnavailable, UsageError
from ferrero_daemon.runtime.lease import Lease, Role
from ferrero_daemon.runtime.runner import Runner
from ferrero_daemon.runtime.scheduler import JobScheduler
from ferrero_daemon.runtime.status import iso, running, status_reply
from ferrero_daemon.services import Services
from ferrero_daemon.store.pauses import Pauses
from ferrero_daemon.store.runs import JobRuns

log = logs.get_logger(__name__)

MAX_WAIT_S = 30.0


class Daemon(Protocol):
    """What the control requests read and drive (``runtime/daemon.py`` implements it)."""

    config: Config
    holder: str
    role: Role
    state: str
    reload_error: str | None
    runner: Runner
    scheduler: JobScheduler
    started_at: datetime

    @property
    def uptime_s(self) -> float: ...

    @property
    def services(self) -> Services: ...

    @property
    def lease(self) -> Lease: ...

    def request_reload(self) -> None: ...

    async def reload(self) -> dict[str, Any]: ...

    def status_line(self) -> str: ...


class Handlers:
    def __init__(self, daemon: Daemon) -> None:
        self._daemon = daemon
        self._commands: dict[str, Callable[[Any], Awaitable[Reply]]] = {
            "status": self.status,
            "trigger": self.trigger,
            "wait": self.wait,
            "pause": self.pause,
            "resume": self.resume,
            "reload": self.reload,
        }

    async def handle(self, request: Request) -> Reply:
        return await self._commands[request["cmd"]](request)

    async def status(self, _request: Request) -> StatusReply:
        return await status_reply(self._daemon)

    async def trigger(self, request: TriggerRequest) -> TriggerReply:
        job = self._job(request["job"])
        self._require_active("trigger")
        active = self._daemon.runner.start(job, "manual", dry_run=request["dry_run"])
        log.info("run_triggered", job=job, run_id=active.context.run_id, by=request["by"])
        return {"run": running(job, active, self._zone)}

    async def wait(self, request: WaitRequest) -> WaitReply:
        run_id = request["run_id"]
        timeout = min(float(request["timeout"]), MAX_WAIT_S)
        runner = self._daemon.runner
        result = await runner.wait(run_id, timeout)
        if result is not None:
            return {"done": True, "result": result.as_dict()}
        active = runner.find(run_id)
        if active is not None:
            return {"done": False, "running": running(active.context.job, active, self._zone)}
        row = await JobRuns(self._daemon.services.db).get(run_id)
        if row is None or row["finished_at"] is None:
            raise UsageError(f"no run {run_id!r} is known to this daemon")
        return {"done": True, "result": _from_row(row)}

    async def pause(self, request: PauseRequest) -> PauseReply:
        job = self._job(request["job"])
        self._require_active("pause")
        daemon = self._daemon
        await Pauses(daemon.services.db).pause(job, request["by"], daemon.services.clock())
        daemon.scheduler.pause(job)
        log.info("job_paused", job=job, by=request["by"])
        return {"job": job, "paused": True}

    async def resume(self, request: ResumeRequest) -> ResumeReply:
        job = self._job(request["job"])
        self._require_active("resume")
        daemon = self._daemon
        await Pauses(daemon.services.db).resume(job)
        daemon.scheduler.resume(job)
        log.info("job_resumed", job=job, by=request["by"])
        next_run = iso(daemon.scheduler.next_run(job), self._zone)
        return {"job": job, "paused": False, "next_run": next_run, "timezone": self._zone.key}

    async def reload(self, request: ReloadRequest) -> ReloadReply:
        if not request["wait"]:
            self._daemon.request_reload()
            return {"reload": "started"}
        summary = await self._daemon.reload()
        return {
            "reload": "done",
            "added": summary["added"],
            "changed": summary["changed"],
            "removed": summary["removed"],
        }

    @property
    def _zone(self) -> ZoneInfo:
        return self._daemon.config.settings.zone

    def _job(self, job: str) -> str:
        known = [name for name, _ in self._daemon.config.settings.jobs.items()]
        if job not in known:
            raise UsageError(f"unknown job {job!r}; known jobs: {', '.join(known)}")
        return job

    def _require_active(self, what: str) -> None:
        daemon = self._daemon
        if daemon.state == "stopping":
            raise BusyError(f"the daemon is stopping; it takes no {what} now")
        if daemon.role != "active":
            raise DaemonUnavailable(
                f"this daemon ({daemon.holder}) is the standby; {what} on the active daemon "
                "(see `ferrero-daemon status` for its name)"
            )


def _from_row(row: dict[str, object]) -> RunResult:
    """A run finished before this daemon's memory of it: from its ``job_runs`` row."""
    started, finished = row["started_at"], row["finished_at"]
    assert isinstance(started, datetime) and isinstance(finished, datetime)
    counts = row.get("counts")
    error = row.get("error")
    return {
        "run_id": str(row["run_id"]),
        "job": str(row["job"]),
        "trigger": str(row["trigger"]),
        "dry_run": bool(row["dry_run"]),
        "outcome": str(row["outcome"]),
        "duration_s": round((finished - started).total_seconds(), 3),
        "counts": dict(counts) if isinstance(counts, dict) else {},
        "problems": [str(error)] if error else [],
        "error": str(error) if error else None,
    }
