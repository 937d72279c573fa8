"""The real daemon as a child process, with a NOTIFY_SOCKET of our own.

Used by the sandbox and by the acceptance tests: start ``ferrero-daemon run``,
wait for ``READY=1`` as systemd would, send signals, and read what it notified.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Self


class NotifyListener:
    """A datagram socket that collects sd_notify messages."""

    def __init__(self, directory: Path) -> None:
        # AF_UNIX paths are limited to ~107 bytes: keep the socket in a short private dir.
        self._dir = Path(tempfile.mkdtemp(prefix="ntf-", dir="/tmp"))
        self.path = self._dir / "notify.sock"
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(self.path))
        self._sock.setblocking(False)
        self.messages: list[dict[str, str]] = []
        self._changed = asyncio.Condition()
        self._directory = directory

    async def _pump(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data = await loop.sock_recv(self._sock, 65536)
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            async with self._changed:
                self.messages.append(fields)
                self._changed.notify_all()

    async def wait_for(
        self, key: str, value: str = "1", after: int = 0, timeout: float = 60.0
    ) -> int:
        """Index of the first message at or after ``after`` with ``key=value``."""

        def found() -> int | None:
            for i, msg in enumerate(self.messages[after:], start=after):
                if msg.get(key) == value:
                    return i
            return None

        async with asyncio.timeout(timeout), self._changed:
            while (index := found()) is None:
                await self._changed.wait()
            return index

    def close(self) -> None:
        self._sock.close()
        self.path.unlink(missing_ok=True)
        self._dir.rmdir()


class DaemonProcess:
    """``ferrero-daemon run`` in a child process; logs go to ``log_path``."""

    def __init__(
        self, config: Path, env: Mapping[str, str], log_path: Path, cwd: Path | None = None
    ) -> None:
        self.config = config
        self.env = dict(env)
        self.log_path = log_path
        self.cwd = cwd
        self.process: asyncio.subprocess.Process | None = None
        self.notify = NotifyListener(log_path.parent)
        self._pump: asyncio.Task[None] | None = None
        self._log: IO[bytes] | None = None

    async def start(self, *, wait_ready: bool = True, timeout: float = 60.0) -> Self:
        self._pump = asyncio.create_task(self.notify._pump())
        env = {
            **os.environ,
            **self.env,
            "NOTIFY_SOCKET": str(self.notify.path),
            "WATCHDOG_USEC": "4000000",
        }
        self._log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ferrero_daemon",
            "run",
            "--config",
            str(self.config),
            env=env,
            cwd=self.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            # Its own session: a Ctrl-C on the terminal reaches the sandbox, which then
            # stops the daemon in order (SIGTERM), not both at once.
            start_new_session=True,
        )
        if wait_ready:
            await self.wait_ready(timeout)
        return self

    async def wait_ready(self, timeout: float = 60.0) -> None:
        ready = asyncio.ensure_future(self.notify.wait_for("READY", timeout=timeout))
        assert self.process is not None
        exited = asyncio.ensure_future(self.process.wait())
        done, _ = await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited in done:
            ready.cancel()
            raise RuntimeError(
                f"the daemon exited with {exited.result()} before READY; see {self.log_path}"
            )
        exited.cancel()
        ready.result()

    def send(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    async def stop(self, timeout: float = 60.0) -> int:
        if self.process is None:
            return 0
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        self.close()
        return code

    def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None
        if self._log is not None:
            self._log.close()
            self._log = None
        self.notify.close()
