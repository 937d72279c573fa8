"""The real daemon process under test, and the real CLI that drives it.

``LiveDaemon`` starts ``ferrero-daemon run`` (through ``tests/daemon_main.py``: the
production command with a movable clock) as a child process, reads its JSON log lines
as they come, and lets a test wait for an event, kill it with SIGKILL at any point and
start it again. Every line it ever wrote and every CLI answer are kept, for the secret
scan. Nothing here sleeps to wait: it waits for a log line, a reply or an exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ferrero_daemon.exits import ExitCode

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 120.0  # generous: the suite runs on two shared cores

Event = dict[str, Any]


@dataclass(frozen=True)
class CliResult:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def parse_line(line: str) -> Event:
    text = line.strip()
    if text.startswith("<") and ">" in text[:4]:  # journald's <N> priority prefix
        text = text[text.index(">") + 1 :]
    try:
        event = json.loads(text)
    except ValueError:
        return {"event": "raw", "text": line.rstrip()}
    return event if isinstance(event, dict) else {"event": "raw", "text": line.rstrip()}


@dataclass
class LiveDaemon:
    config_path: Path
    env: dict[str, str]
    clock_file: Path
    jobs: str = ""
    production: bool = False  # start `ferrero-daemon run` itself (no test seams at all)
    lines: list[str] = field(default_factory=list)  # every stderr line of every start
    events: list[Event] = field(default_factory=list)
    cli_results: list[CliResult] = field(default_factory=list)
    starts: int = 0
    kills: int = 0
    process: asyncio.subprocess.Process | None = None
    _reader: asyncio.Task[None] | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _watchers: list[Callable[[Event], None]] = field(default_factory=list)

    # -- the process ------------------------------------------------------------------
    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self, *, ready: bool = True) -> Event | None:
        """Start the daemon; with ``ready``, wait for its ``daemon_ready`` line."""
        assert not self.running, "the daemon is already running"
        mark = len(self.events)
        self.process = await asyncio.create_subprocess_exec(
            *self.command(),
            cwd=ROOT, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self.starts += 1
        self._reader = asyncio.create_task(self._read(self.process))
        return await self.wait_log("daemon_ready", after=mark) if ready else None

    def command(self) -> list[str]:
        if self.production:
            return [
                sys.executable,
                "-m",
                "ferrero_daemon",
                "run",
                "--config",
                str(self.config_path),
            ]
        return [
            sys.executable, "-m", "tests.daemon_main", "--config", str(self.config_path),
            "--clock-file", str(self.clock_file), "--jobs", self.jobs,
        ]  # fmt: skip

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode(errors="replace")
            event = parse_line(line)
            async with self._changed:
                self.lines.append(line)
                self.events.append(event)
                for watch in list(self._watchers):
                    watch(event)
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    def watch(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback`` with each new log event, at once (to kill at a precise line)."""
        self._watchers.append(callback)
        return lambda: self._watchers.remove(callback)

    def kill(self) -> None:
        """SIGKILL, now: no handler runs, nothing is released."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        self.kills += 1

    async def wait_exit(self, timeout: float = WAIT_S) -> int:
        assert self.process is not None
        async with asyncio.timeout(timeout):
            code = await self.process.wait()  # reaped: no zombie keeps the PID alive
            if self._reader is not None:
                await self._reader
        return code

    async def stop(self, timeout: float = WAIT_S) -> int | None:
        """SIGTERM and wait; SIGKILL if it will not go. None when it was not running."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
        try:
            return await self.wait_exit(timeout)
        except TimeoutError:
            self.kill()
            return await self.wait_exit(timeout)

    # -- its log ------------------------------------------------------------------------
    def find(self, event: str, after: int = 0, **fields: Any) -> list[Event]:
        return [e for e in self.events[after:] if matches(e, event, fields)]

    async def wait_log(
        self, event: str, after: int = 0, timeout: float = WAIT_S, **fields: Any
    ) -> Event:
        """The first ``event`` line (or of ``a|b``: either) at or after index ``after``
        whose fields match."""
        names = event.split("|")

        def found() -> Event | None:
            return next(
                (e for e in self.events[after:] if any(matches(e, n, fields) for n in names)),
                None,
            )

        try:
            async with asyncio.timeout(timeout), self._changed:
                while (hit := found()) is None:
                    if self._reader is not None and self._reader.done():  # its stderr closed
                        raise AssertionError(f"the daemon exited before logging {event}")
                    await self._changed.wait()
                return hit
        except TimeoutError:
            tail = "".join(self.lines[-15:])
            raise AssertionError(
                f"no {event} {fields} within {timeout} s; last lines:\n{tail}"
            ) from None

    # -- the CLI --------------------------------------------------------------------------
    async def cli(self, *args: str, ok: tuple[int, ...] | None = (0,)) -> CliResult:
        """``ferrero-daemon ARGS --config C``, as an operator types it."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ferrero_daemon", *args, "--config", str(self.config_path),
            cwd=ROOT, env=self.env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(WAIT_S * 3):
            out, err = await process.communicate()
        assert process.returncode is not None
        result = CliResult(args, process.returncode, out.decode(), err.decode())
        self.cli_results.append(result)
        if ok is not None and result.code not in ok:
            raise AssertionError(
                f"`ferrero-daemon {' '.join(args)}` exited {result.code}:\n{result.text}"
            )
        return result

    async def trigger(
        self,
        job: str,
        ok: tuple[int, ...] | None = (ExitCode.OK, ExitCode.FAILED, ExitCode.PARTIAL),
    ) -> CliResult:
        """``trigger JOB --wait``: 0 succeeded, 3 partial, 1 failed (``exits.py``)."""
        return await self.cli("trigger", job, "--wait", ok=ok)

    def clock_offset(self) -> float:
        text = self.clock_file.read_text().strip() if self.clock_file.exists() else ""
        return float(text) if text else 0.0

    def now(self) -> datetime:
        """The daemon's clock (``Services.clock``): real time plus what the test added."""
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset())

    def advance_clock(self, seconds: float) -> float:
        """Move the daemon's clock ahead; returns the new offset. Nothing waits for it."""
        offset = self.clock_offset() + seconds
        fresh = self.clock_file.with_suffix(".new")
        fresh.write_text(f"{offset}\n")
        fresh.replace(self.clock_file)  # the daemon never reads half a number
        return offset


def matches(event: Event, name: str, fields: dict[str, Any]) -> bool:
    return event.get("event") == name and all(event.get(k) == v for k, v in fields.items())


def child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "WATCHDOG_"))}
    env = {k: v for k, v in env.items() if not k.startswith("FERRERO_")}
    return {**env, **extra}
