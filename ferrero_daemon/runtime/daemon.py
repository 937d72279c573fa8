"""The daemon's life: start, promote/demote on the lease, reload, shut down.

Start: services open, schema current, signals, control socket, a first lease claim,
then ``READY=1``. The lease holder runs the scheduler; a standby answers ``status``
and waits. SIGHUP (or ``reload``) swaps config, clients and jobs in one step or not at
all. SIGTERM drains running jobs within ``runtime.shutdown_deadline_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ferrero_daemon import logs
from ferrero_daemon.config import Config, load_config
from ferrero_daemon.cron import LocalCronTrigger, build_triggers
from ferrero_daemon.errors import ConfigError, FerreroError
from ferrero_daemon.outbox.sender import OutboxDelivery
from ferrero_daemon.runtime import signals
from ferrero_daemon.runtime.catchup import catch_up
from ferrero_daemon.runtime.control import ControlServer
from ferrero_daemon.runtime.lease import Lease, Role, decide, holder_name, renew_interval
from ferrero_daemon.runtime.notify import SystemdNotifier, one_line
from ferrero_daemon.runtime.runner import Runner
from ferrero_daemon.runtime.scheduler import JobScheduler
from ferrero_daemon.services import Services
from ferrero_daemon.store import migrations
from ferrero_daemon.store.pauses import Pauses
from ferrero_daemon.store.runs import JobRuns

log = logs.get_logger(__name__)

ServicesOpener = Callable[[Config], AbstractAsyncContextManager[Services]]


@dataclass
class Opened:
    services: Services
    delivery: OutboxDelivery
    stack: AsyncExitStack


def configure_logs(config: Config) -> None:
    settings = config.settings
    logs.configure(settings.logging.level, settings.environment.value, config.secrets.all_values())


class Daemon:
    """One ``ferrero-daemon run`` process."""

    def __init__(
        self,
        config: Config,
        registry: Mapping[str, str],
        open_services: ServicesOpener,
        *,
        notifier: SystemdNotifier | None = None,
        stuck_check_seconds: float = 30.0,
    ) -> None:
        self.config = config
        self.triggers: dict[str, LocalCronTrigger] = build_triggers(config.settings)
        self.notify = notifier or SystemdNotifier()
        self.holder = holder_name(config.instance)
        self.role: Role = "standby"
        self.state = "starting"
        self.reload_error: str | None = None
        self._open_services = open_services
        self._stuck_check = stuck_check_seconds
        self._stop = asyncio.Event()
        self._reload_lock = asyncio.Lock()
        self._loops: set[asyncio.Task[None]] = set()
        self._closers: set[asyncio.Task[None]] = set()
        self._current: Opened | None = None
        self._lease: Lease | None = None
        self._renewed = time.monotonic()
        self.control: ControlServer | None = None
        self.started_at = datetime.now(UTC)
        self._started = time.monotonic()
        self.runner = Runner(
            lambda: self.services,
            registry,
            config.instance,
            guard=self._guard,
            after_run=self._deliver,
        )
        self.scheduler = JobScheduler(self._fire, config.settings.runtime.misfire_grace_seconds)

    @property
    def services(self) -> Services:
        assert self._current is not None, "services are opened in serve()"
        return self._current.services

    @property
    def lease(self) -> Lease:
        assert self._lease is not None, "the lease is set up in serve()"
        return self._lease

    async def serve(self) -> int:
        """Run until SIGTERM (or ``stop()``); return the exit code.

        The control socket's path is claimed first: a second daemon started by mistake
        refuses (``BusyError``) before it opens, changes or removes anything.
        """
        from ferrero_daemon.runtime.handlers import Handlers

        control = self.config.settings.control
        self.control = ControlServer(control.socket_path, control.group, Handlers(self).handle)
        self.control.claim()
        try:
            await self._start()
            await self._stop.wait()
        finally:
            await self._shutdown()
        return 0

    def stop(self) -> None:
        self._stop.set()

    def request_reload(self) -> None:
        """SIGHUP: reload in the background; a refusal is logged and shown in STATUS=."""

        async def reload() -> None:
            with contextlib.suppress(ConfigError):
                await self.reload()

        task = asyncio.get_running_loop().create_task(reload())
        self._closers.add(task)
        task.add_done_callback(self._closers.discard)

    @property
    def uptime_s(self) -> float:
        return time.monotonic() - self._started

    def status_line(self) -> str:
        if self.role == "active":
            line = f"active: {len(self.triggers)} jobs scheduled, {len(self.runner.active)} running"
        else:
            line = "standby: waiting for the scheduler lease"
        if self.reload_error:
            line += f"; reload refused, running on the previous config: {self.reload_error}"
        return one_line(line)

    # -- start and stop ---------------------------------------------------------------

    async def _start(self) -> None:
        _log_notices(self.config)
        self._current = await self._open(self.config)
        await migrations.require_current(self.services.db)
        settings = self.config.settings
        self._lease = Lease(self.services.db, self.holder, settings.runtime.lease_seconds)
        signals.install(asyncio.get_running_loop(), reload=self.request_reload, stop=self.stop)
        assert self.control is not None, "claimed in serve()"
        await self.control.start()
        await self._lease_tick()
        self._loop(self._lease_loop())
        self._loop(self._watchdog())
        self._loop(self._stuck_loop())
        self._loop(self._outbox_loop())
        self.state = "running"
        self.notify.ready(self.status_line())
        log.info("daemon_ready", role=self.role, holder=self.holder, jobs=sorted(self.triggers))

    async def _shutdown(self) -> None:
        self.state = "stopping"
        self.notify.stopping(f"stopping: {len(self.runner.active)} run(s) to finish")
        log.info("daemon_stopping", running=sorted(self.runner.active))
        self.runner.close("the daemon is stopping; it takes no new runs")
        self.scheduler.stop()
        deadline = self.config.settings.runtime.shutdown_deadline_seconds
        try:
            interrupted = await self.runner.drain(deadline)
        finally:
            # Whatever happened above, never leave a live lease (the next start would
            # wait it out) or a stale socket file behind.
            await self._close_down()
        log.info("daemon_stopped", interrupted=interrupted)

    async def _close_down(self) -> None:
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, *self._closers, return_exceptions=True)
        await self._release_lease()
        if self.control is not None:
            await self.control.close()
        if self._current is not None:
            await self._current.stack.aclose()

    async def _release_lease(self) -> None:
        if self._lease is None or self.role != "active":
            return
        try:
            await self._lease.release()
        except Exception:
            log.warning("lease_release_failed", exc_info=True)

    async def _open(self, config: Config) -> Opened:
        stack = AsyncExitStack()
        try:
            services = await stack.enter_async_context(self._open_services(config))
            delivery = OutboxDelivery.from_config(config)
            stack.push_async_callback(delivery.aclose)
        except BaseException:
            await stack.aclose()
            raise
        return Opened(services, delivery, stack)

    def _loop(self, coro: Coroutine[Any, Any, None]) -> None:
        self._loops.add(asyncio.get_running_loop().create_task(coro))

    # -- the lease --------------------------------------------------------------------

    async def _lease_loop(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), renew_interval(self.lease.seconds))
            if not self._stop.is_set():
                await self._lease_tick()

    async def _lease_tick(self) -> None:
        claimed: bool | None
        try:
            claimed = await self.lease.claim()
            self._renewed = time.monotonic()
        except Exception as exc:
            log.warning("lease_renew_failed", error=f"{type(exc).__name__}: {exc}")
            claimed = None
        since = time.monotonic() - self._renewed
        action = decide(self.role, claimed, since, self.lease.seconds)
        if action == "promote":
            await self._promote()
        elif action == "demote":
            await self._demote("lost" if claimed is False else "database unreachable")

    async def _promote(self) -> None:
        self.role = "active"
        db = self.services.db
        # We hold the lease, so no other daemon runs anything: 'running' rows are orphans.
        orphans = await JobRuns(db).interrupt_orphans(
            "interrupted: the daemon running it stopped before it finished"
        )
        self.scheduler.start()
        paused = await Pauses(db).paused()
        self.scheduler.apply(
            self.triggers, paused, self.config.settings.runtime.misfire_grace_seconds
        )
        log.info("lease_acquired", holder=self.holder, orphans=[r for r, _ in orphans])
        await self._catch_up(paused)
        self.notify.status(self.status_line())

    async def _demote(self, reason: str) -> None:
        self.role = "standby"
        self.scheduler.stop()
        interrupted = await self.runner.drain(0)
        log.error("lease_lost", reason=reason, interrupted=interrupted)
        self.notify.status(self.status_line())

    async def _guard(self) -> bool:
        """Checked by every run before it starts: only the lease holder runs jobs."""
        if self.role != "active":
            return False
        try:
            return await self.lease.holds()
        except Exception:
            log.warning("lease_check_failed", exc_info=True)
            return False

    async def _catch_up(self, paused: set[str]) -> None:
        latest = await JobRuns(self.services.db).latest()
        now = self.services.clock()
        for name, trigger in self.triggers.items():
            why = catch_up(trigger, latest.get(name), now, paused=name in paused)
            if why is not None and name not in self.runner.active:
                log.info("catch_up", job=name, trigger=why)
                self.runner.start(name, why)

    async def _fire(self, job: str) -> None:
        await self.runner.run(job, "schedule")

    # -- reload -----------------------------------------------------------------------

    async def reload(self) -> dict[str, Any]:
        """Load, validate and swap the config; on any problem keep the old one."""
        async with self._reload_lock:
            self.state = "reloading"
            self.notify.reloading()
            log.info("reload_started")
            try:
                summary = await self._reload()
            except (FerreroError, OSError) as exc:
                problems = (
                    exc.problems if isinstance(exc, ConfigError) and exc.problems else [str(exc)]
                )
                self._reloaded(problems)
                raise ConfigError(problems=problems) from None
            self._reloaded([])
            return summary

    def _reloaded(self, problems: list[str]) -> None:
        if problems:
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            self.reload_error = problems[0] + more
            log.error("reload_refused", problems=problems)
        if self.state == "reloading":
            self.state = "running"
        self.notify.ready(self.status_line())

    async def _reload(self) -> dict[str, Any]:
        config = load_config(self.config.path)
        triggers = build_triggers(config.settings)
        opened = await self._open(config)
        old, self._current = self._current, opened
        self.config, self.triggers, self.reload_error = config, triggers, None
        configure_logs(config)
        _log_notices(config)
        self.lease.use(opened.services.db, config.settings.runtime.lease_seconds)
        changes = None
        if self.role == "active":
            paused = await Pauses(opened.services.db).paused()
            grace = config.settings.runtime.misfire_grace_seconds
            changes = self.scheduler.apply(triggers, paused, grace)
        if old is not None:
            self._close_later(old)
        summary = {
            "added": list(changes.added) if changes else [],
            "changed": list(changes.changed) if changes else [],
            "removed": list(changes.removed) if changes else [],
        }
        log.info("reload_done", **summary)
        return summary

    def _close_later(self, old: Opened) -> None:
        """Close the old clients once the runs that may use them have finished."""
        running = {a.task for a in self.runner.active.values()}

        async def close() -> None:
            if running:
                await asyncio.wait(running)
            await old.stack.aclose()

        task = asyncio.get_running_loop().create_task(close())
        self._closers.add(task)
        task.add_done_callback(self._closers.discard)

    # -- periodic duties --------------------------------------------------------------

    async def _watchdog(self) -> None:
        interval = self.notify.watchdog_interval()
        if interval is None:
            return
        # From the loop itself: a wedged loop stops the pings and systemd restarts us.
        while True:
            self.notify.watchdog()
            await asyncio.sleep(interval)

    async def _deliver(self, services: Services | None = None) -> None:
        """Send the queued mails and webhook events; the lease holder's duty only."""
        if self.role == "active" and self._current is not None:
            await self._current.delivery.deliver(self.services.db, self.services.clock())
        if services is not None:  # after a run: keep `systemctl status` current
            self.notify.status(self.status_line())

    async def _outbox_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.settings.runtime.outbox_interval_seconds)
            await self._deliver()

    async def _stuck_loop(self) -> None:
        while True:
            await asyncio.sleep(self._stuck_check)
            await self.runner.check_stuck()


def _log_notices(config: Config) -> None:
    """What the config should change although it works (an obsolete key), each a warning."""
    for notice in config.notices:
        log.warning("config_notice", notice=notice)
