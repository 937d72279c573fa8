"""The emulators by name, and what each one offers the sandbox and the tests.

Importing this module is cheap: an emulator's module (and aiohttp, aiosmtpd) is
imported only by ``create``. ``ferrero-daemon emulate`` lists the names from here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Protocol

# name -> module in ferrero_daemon.sandbox exposing ``create(host, port, data_dir) -> Emulator``
EMULATORS = {
    "otmm": "otmm.server",
    "box": "box.server",
    "llamacloud": "llamacloud",
    "smtp": "smtp",
    "webhook": "webhook",
}


class Emulator(Protocol):
    @property
    def base_url(self) -> str: ...

    async def start(self) -> str: ...

    async def stop(self) -> None: ...

    def config_overrides(self) -> dict[str, Any]:
        """The config sections a daemon needs to talk to this emulator."""
        ...

    def secrets(self) -> dict[str, str]:
        """The secrets (by name) this emulator accepts."""
        ...


def create(
    name: str,
    host: str = "127.0.0.1",
    port: int = 0,
    data_dir: Path | None = None,
    **options: Any,
) -> Emulator:
    """One emulator; ``options`` are its own (``otmm``: ``mtls=True``)."""
    module = importlib.import_module(f"ferrero_daemon.sandbox.{EMULATORS[name]}")
    emulator: Emulator = module.create(host=host, port=port, data_dir=data_dir, **options)
    return emulator
