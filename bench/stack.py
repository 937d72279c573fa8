"""The daemon under test, with everything it talks to: PostgreSQL and the five emulators.

``BenchStack`` is the sandbox's stack (``ferrero_daemon/sandbox/stack.py``: embedded
PostgreSQL, config file, credentials directory) with two changes that matter for
measuring: the OTMM and Box emulators, which move the bytes, run in processes of
their own; and the runtime settings are production's defaults (lease 30 s, outbox
every 30 s), not the sandbox's quick ones. ``schedules="default"`` keeps every job on
its default schedule (polls every 5 minutes); ``"manual"`` moves them to 1 January so
that only ``BenchDaemon.run`` starts a job during a measurement.

``BenchDaemon`` is ``ferrero-daemon run`` as a child process, started as systemd
would (``READY=1`` awaited, ``WATCHDOG_USEC`` as the unit's ``WatchdogSec=30s``), and
driven over its control socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

import asyncpg
from harness import (
    ROOT,
    EmulatorProcess,
    cpu_seconds,
    cpu_seconds_fine,
    peak_rss_mb,
    reset_peak,
    rss_mb,
)

from ferrero_daemon.clients.control import ControlClient
from ferrero_daemon.clients.db import Database
from ferrero_daemon.sandbox.daemon_process import NotifyListener
from ferrero_daemon.sandbox.emulators import create
from ferrero_daemon.sandbox.stack import Postgres, SandboxStack, start_postgres
from ferrero_daemon.store import migrations

IN_PROCESS = ("llamacloud", "smtp", "webhook")  # idle during a measurement


def start_postgres_quickly(directory: Path) -> tuple[Postgres, Any]:
    """``start_postgres``, from a copy of a data directory initialised once per machine.

    initdb is most of a stack's start-up (about 3 s of CPU); the copy (``cp -a``: the
    server runs as pgserver's own user when we are root) takes a tenth of that.
    """
    cache = Path(tempfile.gettempdir()) / f"ferrero-bench-pgdata-{version('pgserver')}"
    if not (cache / "PG_VERSION").exists():
        staging = Path(tempfile.mkdtemp(prefix="fb-init-", dir="/tmp"))
        _, server = start_postgres(staging / "pg")
        server.cleanup()  # stopped cleanly: no postmaster.pid in the copy
        with contextlib.suppress(OSError):  # another run may have made it meanwhile
            (staging / "pg").rename(cache)
        shutil.rmtree(staging, ignore_errors=True)
    directory.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", str(cache), str(directory)], check=True)
    return start_postgres(directory)


class RemoteEmulator(EmulatorProcess):
    """An emulator process that also tells the stack its config section and secrets."""

    def _setup(self) -> dict[str, Any]:
        if self.name == "otmm":
            data = dict(self.admin("config"))
            return {"secrets": data.pop("secrets"), "config": data}
        return dict(self.admin("app"))  # box: {"config": {"box": ...}, "secrets": ...}

    def config_overrides(self) -> dict[str, Any]:
        config: dict[str, Any] = self._setup()["config"]
        return config

    def secrets(self) -> dict[str, str]:
        secrets: dict[str, str] = self._setup()["secrets"]
        return secrets

    async def stop_async(self) -> None:
        self.stop()


@dataclass
class BenchStack(SandboxStack):
    schedules: str = "manual"

    async def __aenter__(self) -> BenchStack:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o700)
        remotes = [RemoteEmulator(name) for name in ("otmm", "box")]
        for remote in remotes:  # they boot while PostgreSQL does
            remote.spawn()
            self._stack.push_async_callback(remote.stop_async)
            self.emulators[remote.name] = remote  # type: ignore[assignment]
        self.postgres, self._pg_server = start_postgres_quickly(self.workdir / "pg")
        await self.postgres.create_database()
        for remote in remotes:
            remote.start()
        for name in IN_PROCESS:
            emulator = create(name, data_dir=self.workdir / name)
            await emulator.start()
            self._stack.push_async_callback(emulator.stop)
            self.emulators[name] = emulator
        self.write_config()
        await self.migrate()
        return self

    @property
    def otmm(self) -> RemoteEmulator:
        return self.emulators["otmm"]  # type: ignore[return-value]

    @property
    def box(self) -> RemoteEmulator:
        return self.emulators["box"]  # type: ignore[return-value]

    def settings(self) -> dict[str, Any]:
        data = super().settings()
        data["runtime"] = {}  # production's defaults
        data["logging"] = {"level": "info"}
        if self.schedules == "default":
            data.pop("jobs")
        return data

    def remove(self) -> None:
        if not os.environ.get("BENCH_KEEP"):  # keep the logs and config to look at
            super().remove()

    def env(self) -> dict[str, str]:
        return {**os.environ, **self.daemon_env(), "PYTHONPATH": str(ROOT)}

    async def migrate(self) -> None:
        """What ``ferrero-daemon migrate`` does, without a process of its own."""
        assert self.postgres is not None
        pg = self.postgres
        pool = await asyncpg.create_pool(
            host=pg.host, port=pg.port, user=pg.user, database=pg.database, min_size=1, max_size=1
        )
        try:
            await migrations.migrate(Database(pool))
        finally:
            await pool.close()


class BenchDaemon:
    """``ferrero-daemon run`` in a child process, measured through ``/proc``."""

    def __init__(self, stack: BenchStack, log_name: str = "daemon.log") -> None:
        self.stack = stack
        self.log_path = stack.workdir / log_name
        self.notify = NotifyListener(stack.workdir)
        self.process: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> BenchDaemon:
        self._pump = asyncio.create_task(self.notify._pump())
        env = {
            **self.stack.env(),
            "NOTIFY_SOCKET": str(self.notify.path),
            "WATCHDOG_USEC": "30000000",  # the unit's WatchdogSec=30s
        }
        self._log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ferrero_daemon",
            "run",
            "--config",
            str(self.stack.config_path),
            env=env,
            cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        ready = asyncio.ensure_future(self.notify.wait_for("READY", timeout=120))
        exited = asyncio.ensure_future(self.process.wait())
        done, _ = await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited in done:
            ready.cancel()
            raise RuntimeError(f"the daemon exited before READY; see {self.log_path}")
        exited.cancel()
        return self

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 90)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._pump is not None:
            self._pump.cancel()
        if self._log is not None:
            self._log.close()
        self.notify.close()

    @property
    def control(self) -> ControlClient:
        return ControlClient(self.stack.socket_path)

    async def run(self, job: str, *, dry_run: bool = False) -> dict[str, Any]:
        """Trigger ``job`` and wait for its result (as ``trigger --wait`` does)."""
        started = await asyncio.to_thread(self.control.trigger, job, dry_run=dry_run, by="bench")
        run_id = started["run"]["run_id"]
        while True:
            reply = await asyncio.to_thread(self.control.wait, run_id, 25)
            if reply["done"]:
                return dict(reply["result"])

    async def quiet(self, timeout: float = 600.0) -> None:
        """Wait until no job runs (the start-up polls and catch-ups are over)."""
        async with asyncio.timeout(timeout):
            while True:
                status = await asyncio.to_thread(self.control.status)
                if not any(job["running"] for job in status["jobs"]):
                    return
                await asyncio.sleep(0.5)

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def cpu_fine(self) -> float:
        return cpu_seconds_fine(self.pid)

    def rss(self) -> float:
        return rss_mb(self.pid)

    def peak(self) -> float:
        return peak_rss_mb(self.pid)

    def reset_peak(self) -> None:
        reset_peak(self.pid)


def workdir(prefix: str) -> Path:
    """A short directory: PostgreSQL's Unix socket path must stay under ~107 bytes."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
