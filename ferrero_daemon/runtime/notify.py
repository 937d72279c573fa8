"""sd_notify: tell systemd what the daemon is doing (stdlib only, no libsystemd).

One datagram per message to ``$NOTIFY_SOCKET`` (a path, or ``@name`` for an abstract
socket). Without the variable (not under systemd) every call does nothing; a failure
to send is ignored, as the protocol asks.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Mapping


def monotonic_usec() -> int:
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


def one_line(text: str) -> str:
    """STATUS= carries one line; newlines would start a new key."""
    return " ".join(text.split())


class SystemdNotifier:
    """READY / RELOADING / STOPPING / STATUS / WATCHDOG for ``Type=notify``."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        self._address = _address(env.get("NOTIFY_SOCKET", ""))
        self._watchdog_usec = _watchdog_usec(env)

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def watchdog_interval(self) -> float | None:
        """Seconds between WATCHDOG=1 pings (half the timeout), or None when off."""
        return None if self._watchdog_usec is None else self._watchdog_usec / 2 / 1_000_000

    def send(self, **fields: str | int) -> None:
        if self._address is None:
            return
        message = "\n".join(f"{key.upper()}={value}" for key, value in fields.items())
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(self._address)
                sock.sendall(message.encode())
        except OSError:
            pass

    def ready(self, status: str) -> None:
        self.send(ready=1, status=one_line(status))

    def reloading(self) -> None:
        self.send(reloading=1, monotonic_usec=monotonic_usec())

    def stopping(self, status: str) -> None:
        self.send(stopping=1, status=one_line(status))

    def status(self, status: str) -> None:
        self.send(status=one_line(status))

    def watchdog(self) -> None:
        self.send(watchdog=1)


def _address(raw: str) -> str | None:
    if not raw or raw[0] not in "/@":
        return None
    return "\0" + raw[1:] if raw[0] == "@" else raw


def _watchdog_usec(env: Mapping[str, str]) -> int | None:
    raw = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    # WATCHDOG_PID names the process systemd watches; a child that inherited it must not ping.
    if not raw.isdigit() or int(raw) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(raw)
