"""Signals of a systemd service: SIGHUP reloads, SIGTERM (and SIGINT) stop."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable


def install(
    loop: asyncio.AbstractEventLoop, *, reload: Callable[[], None], stop: Callable[[], None]
) -> None:
    """Handlers run in the loop, so they may touch the daemon's state directly.

    Installed before READY=1: systemd may send SIGHUP as soon as we say we are up.
    """
    loop.add_signal_handler(signal.SIGHUP, reload)
    loop.add_signal_handler(signal.SIGTERM, stop)
    loop.add_signal_handler(signal.SIGINT, stop)
