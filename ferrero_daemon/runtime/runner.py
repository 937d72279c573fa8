"""The one runner of every run, scheduled or on demand.

Each run gets a fresh log context (``job``, ``run_id``, ``trigger``), the job's lock
(a second run of a busy job is refused with ``JobBusyError``, never queued), a
``job_runs`` row, and its problems reported through ``alerts.Alerts``. APScheduler
only calls ``Runner.run``; the control socket calls ``Runner.start``.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from ferrero_daemon import logs
from ferrero_daemon.clients.control_wire import RunResult as WireRunResult
from ferrero_daemon.clients.dryrun import (
    ReadOnlyBox,
    ReadOnlyDam,
    ReadOnlyDatabase,
    RecordingNotifier,
)
from ferrero_daemon.errors import BusyError, JobBusyError, UsageError, describe
from ferrero_daemon.jobs import JobFunction, RunContext, RunReport, Trigger
from ferrero_daemon.outbox.alerts import Alerts, Origin
from ferrero_daemon.runtime.stuck import is_stuck
from ferrero_daemon.services import Services
from ferrero_daemon.store.runs import JobRuns

log = logs.get_logger(__name__)

Guard = Callable[[], Awaitable[bool]]
AfterRun = Callable[[Services], Awaitable[None]]
_RECENT = 200
INTERRUPTED = "the daemon stopped during the run; it runs again at the next start"


@dataclass(frozen=True)
class RunResult:
    run_id: str
    job: str
    trigger: str
    dry_run: bool
    outcome: str  # succeeded | partial | failed | interrupted | refused
    duration_s: float
    counts: Mapping[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    error: str | None = None

    def as_dict(self) -> WireRunResult:
        return {
            "run_id": self.run_id,
            "job": self.job,
            "trigger": self.trigger,
            "dry_run": self.dry_run,
            "outcome": self.outcome,
            "duration_s": round(self.duration_s, 3),
            "counts": dict(self.counts),
            "problems": list(self.problems),
            "error": self.error,
        }


@dataclass
class ActiveRun:
    context: RunContext
    task: asyncio.Task[RunResult]
    started_at: datetime
    started_monotonic: float
    max_minutes: float
    stuck_reported: bool = False

    @property
    def elapsed_s(self) -> float:
        return round(time.monotonic() - self.started_monotonic, 1)


def new_run_id(now: datetime) -> str:
    """Sortable and short: ``20261201T101500-3f9a1c``."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def dry_run_services(services: Services) -> Services:
    """The same services, but nothing they are asked to change is changed."""
    return services.with_(
        dam=ReadOnlyDam(services.dam),
        box=ReadOnlyBox(services.box),
        notifier=RecordingNotifier(),
        db=ReadOnlyDatabase(services.db),
    )


def resolve(registry: Mapping[str, str], job: str) -> JobFunction:
    module, _, name = registry[job].partition(":")
    function: JobFunction = getattr(importlib.import_module(module), name)
    return function


class Runner:
    """Starts runs, keeps one per job, records and reports each."""

    def __init__(
        self,
        services: Callable[[], Services],
        registry: Mapping[str, str],
        instance: str,
        *,
        guard: Guard | None = None,
        after_run: AfterRun | None = None,
    ) -> None:
        self._services = services
        self._registry = dict(registry)
        self._instance = instance
        self._guard = guard
        self._after_run = after_run
        self._active: dict[str, ActiveRun] = {}
        self._recent: OrderedDict[str, RunResult] = OrderedDict()
        self._closed: str | None = None

    @property
    def active(self) -> Mapping[str, ActiveRun]:
        return self._active

    def start(self, job: str, trigger: Trigger, *, dry_run: bool = False) -> ActiveRun:
        """Start a run now; ``JobBusyError`` when one of this job is still going."""
        if self._closed:
            raise BusyError(self._closed)
        if job not in self._registry:
            raise UsageError(
                f"unknown job {job!r}; known jobs: {', '.join(sorted(self._registry))}"
            )
        services = self._services()
        if (busy := self._active.get(job)) is not None:
            zone = services.config.settings.zone
            raise JobBusyError(
                f"job {job} is already running (run {busy.context.run_id}, started "
                f"{busy.started_at.astimezone(zone):%H:%M:%S} {zone.key}); "
                "try again when it has finished"
            )
        now = services.clock()
        context = RunContext(job, new_run_id(now), trigger, dry_run, services.clock)
        # A fresh Context: nothing bound by the caller (a socket request) leaks into the run.
        task = asyncio.get_running_loop().create_task(
            self._execute(context, services), context=contextvars.Context()
        )
        max_minutes = getattr(services.config.settings.jobs, job).max_duration_minutes
        active = ActiveRun(context, task, now, time.monotonic(), max_minutes)
        self._active[job] = active
        task.add_done_callback(lambda _: self._finished(active))
        return active

    async def run(self, job: str, trigger: Trigger = "schedule") -> RunResult | None:
        """The scheduler's entry point: a busy job is refused loudly, then skipped."""
        try:
            active = self.start(job, trigger)
        except (BusyError, UsageError) as exc:
            log.warning("run_refused", job=job, trigger=trigger, reason=str(exc))
            return None
        return await asyncio.shield(active.task)

    def result(self, run_id: str) -> RunResult | None:
        return self._recent.get(run_id)

    def find(self, run_id: str) -> ActiveRun | None:
        return next((a for a in self._active.values() if a.context.run_id == run_id), None)

    async def wait(self, run_id: str, within: float) -> RunResult | None:
        """The result of a run, waiting up to ``within`` seconds; None while it goes on."""
        active = self.find(run_id)
        if active is not None:
            await asyncio.wait({active.task}, timeout=within)
        return self._recent.get(run_id)

    def close(self, reason: str) -> None:
        """Take no new runs from now on; ``reason`` is the answer to whoever asks."""
        self._closed = reason

    async def drain(self, deadline_s: float) -> list[str]:
        """Let running jobs finish within the deadline, then cancel them; return those cut."""
        tasks = {a.task for a in self._active.values()}
        if not tasks:
            return []
        _, pending = await asyncio.wait(tasks, timeout=deadline_s)
        cut = [a.context.run_id for a in self._active.values() if a.task in pending]
        for task in pending:
            task.cancel()
        if pending:  # asyncio.wait refuses an empty set: every run finished in time
            await asyncio.wait(pending)
        return cut

    async def check_stuck(self) -> list[str]:
        """Report each run past its job's maximum duration, once; return the run ids."""
        found = []
        for job, active in list(self._active.items()):
            elapsed = time.monotonic() - active.started_monotonic
            if active.stuck_reported or not is_stuck(elapsed, active.max_minutes):
                continue
            active.stuck_reported = True
            found.append(active.context.run_id)
            await self._report_stuck(job, active, elapsed)
        return found

    async def _report_stuck(self, job: str, active: ActiveRun, elapsed: float) -> None:
        log.error(
            "run_stuck",
            job=job,
            run_id=active.context.run_id,
            elapsed_s=round(elapsed),
            max_duration_minutes=active.max_minutes,
        )
        problem = (
            f"run {active.context.run_id} has been running for {elapsed / 60:.0f} min, "
            f"longer than jobs.{job}.max_duration_minutes = {active.max_minutes:g}"
        )
        await self._alert(self._services(), job, active.context.run_id, [problem])

    def _finished(self, active: ActiveRun) -> None:
        self._active.pop(active.context.job, None)
        if not active.task.cancelled() and active.task.exception() is None:
            result = active.task.result()
            self._recent[result.run_id] = result
            while len(self._recent) > _RECENT:
                self._recent.popitem(last=False)

    async def _execute(self, run: RunContext, services: Services) -> RunResult:
        structlog.contextvars.clear_contextvars()
        logs.bind(job=run.job, run_id=run.run_id, trigger=run.trigger, dry_run=run.dry_run)
        started = time.monotonic()
        try:
            return await self._recorded(run, services, started)
        except Exception as exc:
            # The database itself failed (no row, or no end to it): say so, loudly.
            log.exception("run_not_recorded")
            error = logs.REDACTOR.scrub_text(f"{type(exc).__name__}: {exc}")
            return self._result(run, started, RunReport(), error, "failed")

    async def _recorded(self, run: RunContext, services: Services, started: float) -> RunResult:
        if self._guard is not None and not await self._guard():
            log.warning("run_refused", reason="this daemon no longer holds the scheduler lease")
            return RunResult(run.run_id, run.job, run.trigger, run.dry_run, "refused", 0.0)
        runs = JobRuns(services.db)
        await runs.start(
            run.run_id, run.job, run.trigger, dry_run=run.dry_run, instance=self._instance
        )
        log.info("run_started")
        report, error, outcome = await self._call(run, services)
        result = self._result(run, started, report, error, outcome)
        failures = [(f.item, logs.REDACTOR.scrub_text(f.reason)) for f in report.failures]
        await runs.finish(run.run_id, outcome, report.counts, error, failures)
        _log_result(result)
        if not run.dry_run and outcome != "interrupted":
            await self._alert(services, run.job, run.run_id, list(result.problems))
        if self._after_run is not None and not run.dry_run:
            await self._after_run(services)
        return result

    async def _call(self, run: RunContext, services: Services) -> tuple[RunReport, str | None, str]:
        job_services = dry_run_services(services) if run.dry_run else services
        try:
            report = await resolve(self._registry, run.job)(job_services, run)
        except asyncio.CancelledError:
            return RunReport(), INTERRUPTED, "interrupted"
        except Exception as exc:
            log.exception("run_raised")
            return RunReport(), logs.REDACTOR.scrub_text(describe(exc)), "failed"
        return report, None, report.outcome

    def _result(
        self, run: RunContext, started: float, report: RunReport, error: str | None, outcome: str
    ) -> RunResult:
        problems = [f"{f.item}: {f.reason}" for f in report.failures]
        if error and outcome == "failed":
            problems.append(error)
        return RunResult(
            run.run_id,
            run.job,
            run.trigger,
            run.dry_run,
            outcome,
            time.monotonic() - started,
            dict(report.counts),
            tuple(problems),
            error,
        )

    async def _alert(self, services: Services, job: str, run_id: str, problems: list[str]) -> None:
        alerts = Alerts(services.db, services.notifier)
        origin = Origin(
            self._instance, job, run_id, services.clock(), services.config.settings.zone
        )
        try:
            await alerts.update(job, f"job {job}", problems, origin)
        except Exception:
            # The alert path must never turn a finished run into a crashed one.
            log.exception("alert_failed", job=job)


def _log_result(result: RunResult) -> None:
    fields = {"outcome": result.outcome, "duration_s": round(result.duration_s, 3), **result.counts}
    if result.outcome in ("failed", "partial"):
        log.error("run_finished", error=result.error, problems=list(result.problems), **fields)
    elif result.outcome == "interrupted":
        log.warning("run_finished", **fields)
    else:
        log.info("run_finished", **fields)
