"""``ferrero-daemon emulate NAME``: one emulator in the foreground, printing its base URL."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal
from pathlib import Path
from typing import Any, Protocol

from ferrero_daemon.commands import Subparsers

# name -> module in ferrero_daemon.sandbox exposing ``create(host, port, data_dir) -> Emulator``
EMULATORS = {
    "otmm": "otmm",
    "box": "box",
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


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("emulate", help="run one local emulator in the foreground")
    parser.add_argument("name", choices=sorted(EMULATORS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.set_defaults(handler=run)


def create(
    name: str, host: str = "127.0.0.1", port: int = 0, data_dir: Path | None = None
) -> Emulator:
    module = importlib.import_module(f"ferrero_daemon.sandbox.{EMULATORS[name]}")
    emulator: Emulator = module.create(host=host, port=port, data_dir=data_dir)
    return emulator


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_serve(create(args.name, args.host, args.port, args.data_dir)))


async def _serve(emulator: Emulator) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(await emulator.start(), flush=True)
    try:
        await stop.wait()
    finally:
        await emulator.stop()
    return 0
