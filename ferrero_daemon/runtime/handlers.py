"""What each control request does: ``status``, ``trigger``, ``wait``, ``pause``, ``resume``, ``reload``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from ferrero_daemon import logs
from ferrero_daemon.config import Config
from ferrero_daemon.errors import ControlError
from ferrero_daemon.runtime.lease import Lease, Role
from ferrero_daemon.runtime.runner import ActiveRun, Runner
from ferrero_daemon.runtime.scheduler import JobScheduler
from ferrero_daemon.services import Services
from ferrero_daemon.store.pauses import Pauses
from ferrero_daemon.store.runs import FinishedRun, JobRuns

log = logs.get_logger(__name__)

MAX_WAIT_S = 30.0


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _last_run(run: FinishedRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "run_id": run.run_id,
        "trigger": run.trigger,
        "outcome": run.outcome,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "duration_s": round(run.duration_s, 3),
        "error": run.error,
    }


class Daemon(Protocol):
    """What the control requests read and drive (``runtime/daemon.py`` implements it)."""

    config: Config
    holder: str
    role: Role
    state: str
    reload_error: str | None
    runner: Runner
    scheduler: JobScheduler

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
        self._commands: dict[str, Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]] = {
            "status": self.status,
            "trigger": self.trigger,
            "wait": self.wait,
            "pause": self.pause,
            "resume": self.resume,
            "reload": self.reload,
        }

    async def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        command = self._commands.get(request["cmd"])
        if command is None:
            raise ControlError(
                f"unknown command {request['cmd']!r}; known: {', '.join(sorted(self._commands))}"
            )
        return await command(request)

    async def status(self, _request: dict[str, Any]) -> dict[str, Any]:
        daemon = self._daemon
        db = daemon.services.db
        latest = await JobRuns(db).latest()
        paused = await Pauses(db).paused()
        lease = await daemon.lease.info()
        jobs = []
        for name, job in daemon.config.settings.jobs.items():
            active = daemon.runner.active.get(name)
            jobs.append(
                {
                    "job": name,
                    "schedule": job.schedule,
                    "enabled": daemon.config.settings.job_enabled(name),
                    "paused": name in paused,
                    "next_run": _iso(daemon.scheduler.next_run(name)),
                    "last_run": _last_run(latest.get(name)),
                    "running": active.describe() if active else None,
                }
            )
        return {
            "role": daemon.role,
            "state": daemon.state,
            "instance": daemon.config.instance,
            "holder": daemon.holder,
            "active_holder": lease.holder if lease and lease.live else None,
            "timezone": daemon.config.settings.timezone,
            "config": str(daemon.config.path) if daemon.config.path else None,
            "reload_error": daemon.reload_error,
            "status_line": daemon.status_line(),
            "jobs": jobs,
        }

    async def trigger(self, request: dict[str, Any]) -> dict[str, Any]:
        job = self._job(request)
        self._require_active("trigger")
        active = self._daemon.runner.start(job, "manual", dry_run=bool(request.get("dry_run")))
        log.info("run_triggered", job=job, run_id=active.context.run_id, by=request.get("by"))
        return {"run": self._describe(job, active)}

    async def wait(self, request: dict[str, Any]) -> dict[str, Any]:
        run_id = str(request.get("run_id", ""))
        timeout = min(float(request.get("timeout", 1.0)), MAX_WAIT_S)
        runner = self._daemon.runner
        result = await runner.wait(run_id, timeout)
        if result is not None:
            return {"done": True, "result": result.as_dict()}
        active = runner.find(run_id)
        if active is not None:
            return {"done": False, "running": self._describe(active.context.job, active)}
        row = await JobRuns(self._daemon.services.db).get(run_id)
        if row is None or row["finished_at"] is None:
            raise ControlError(f"no run {run_id!r} is known to this daemon")
        return {"done": True, "result": row}

    async def pause(self, request: dict[str, Any]) -> dict[str, Any]:
        job = self._job(request)
        self._require_active("pause")
        daemon = self._daemon
        await Pauses(daemon.services.db).pause(
            job, str(request.get("by", "")), daemon.services.clock()
        )
        daemon.scheduler.pause(job)
        log.info("job_paused", job=job, by=request.get("by"))
        return {"job": job, "paused": True}

    async def resume(self, request: dict[str, Any]) -> dict[str, Any]:
        job = self._job(request)
        self._require_active("resume")
        daemon = self._daemon
        await Pauses(daemon.services.db).resume(job)
        daemon.scheduler.resume(job)
        log.info("job_resumed", job=job, by=request.get("by"))
        return {"job": job, "paused": False, "next_run": _iso(daemon.scheduler.next_run(job))}

    async def reload(self, request: dict[str, Any]) -> dict[str, Any]:
        if not request.get("wait"):
            self._daemon.request_reload()
            return {"reload": "started"}
        return {"reload": "done", **await self._daemon.reload()}

    def _job(self, request: dict[str, Any]) -> str:
        job = str(request.get("job", ""))
        known = [name for name, _ in self._daemon.config.settings.jobs.items()]
        if job not in known:
            raise ControlError(f"unknown job {job!r}; known jobs: {', '.join(known)}")
        return job

    def _require_active(self, what: str) -> None:
        daemon = self._daemon
        if daemon.state == "stopping":
            raise ControlError(f"the daemon is stopping; it takes no {what} now")
        if daemon.role != "active":
            raise ControlError(
                f"this daemon ({daemon.holder}) is the standby; {what} on the active daemon "
                "(see `ferrero-daemon status` for its name)"
            )

    @staticmethod
    def _describe(job: str, active: ActiveRun) -> dict[str, Any]:
        return {"job": job, **active.describe()}
