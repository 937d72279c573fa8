"""A sandbox another shell can find and stop: ``sandbox --stop --workdir DIR``.

The sandbox writes ``<workdir>/sandbox.pid``; ``stop`` sends it SIGTERM (it then stops
the daemon, the emulators and PostgreSQL itself) and waits for it to be gone. A sandbox
that was killed outright (``kill -9``) cannot clean up: ``stop`` then ends what it left
behind, the daemon (``daemon.pid``) and PostgreSQL (``pg/postmaster.pid``).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import time
from pathlib import Path

from ferrero_daemon.errors import BusyError, DaemonUnavailable

PID_FILE = "sandbox.pid"
STOP_TIMEOUT_S = 90.0


def write_pid(workdir: Path) -> None:
    """Ours from now on; ``BusyError`` if a sandbox already runs in ``workdir``."""
    other = read_pid(workdir / PID_FILE)
    if other != os.getpid() and alive(other, "sandbox"):
        raise BusyError(
            f"a sandbox (pid {other}) already runs in {workdir}; use it, or stop it first: "
            f"ferrero-daemon sandbox --stop --workdir {workdir}"
        )
    (workdir / PID_FILE).write_text(f"{os.getpid()}\n", encoding="utf-8")


def remove_pid(workdir: Path) -> None:
    path = workdir / PID_FILE
    with contextlib.suppress(OSError):
        if read_pid(path) == os.getpid():
            path.unlink()


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="utf-8").split()[0])
    except (OSError, ValueError, IndexError):
        return None


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int | None, marker: str) -> bool:
    """Running, and its command line names ``marker`` (not a recycled PID)."""
    return pid is not None and marker in command_line(pid)


def wait_gone(pid: int, timeout: float) -> bool:
    """True once ``pid`` has exited; no polling where the kernel can tell us (pidfd)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except OSError:  # no pidfd here: ask every tenth of a second
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not Path(f"/proc/{pid}").exists():
                return True
            time.sleep(0.1)
        return False
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(fd)


def _end(pid: int, sig: signal.Signals, timeout: float) -> bool:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    return wait_gone(pid, timeout)


def stop(workdir: Path, timeout: float = STOP_TIMEOUT_S) -> list[str]:
    """Stop the sandbox of ``workdir`` (or what a killed one left); what was stopped."""
    sandbox = read_pid(workdir / PID_FILE)
    if alive(sandbox, "sandbox"):
        assert sandbox is not None
        if not _end(sandbox, signal.SIGTERM, timeout):
            raise DaemonUnavailable(
                f"the sandbox (pid {sandbox}) did not stop within {timeout:g} s"
            )
        return [f"sandbox (pid {sandbox}) with its daemon, emulators and PostgreSQL"]
    return _leftovers(workdir, timeout)


def _leftovers(workdir: Path, timeout: float) -> list[str]:
    stopped = []
    daemon = read_pid(workdir / "daemon.pid")
    if alive(daemon, str(workdir / "config.toml")) and daemon is not None:
        _end(daemon, signal.SIGTERM, timeout)
        stopped.append(f"daemon (pid {daemon}) left by a sandbox that was killed")
    postgres = read_pid(workdir / "pg" / "postmaster.pid")
    if alive(postgres, "postgres") and postgres is not None:
        _end(postgres, signal.SIGINT, timeout)  # SIGINT: PostgreSQL's fast shutdown
        stopped.append(f"PostgreSQL (pid {postgres}) left by a sandbox that was killed")
    for name in (PID_FILE, "daemon.pid"):
        (workdir / name).unlink(missing_ok=True)
    if not stopped:
        raise DaemonUnavailable(f"no sandbox is running in {workdir}")
    return stopped
