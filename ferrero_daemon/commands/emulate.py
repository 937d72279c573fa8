"""``ferrero-daemon emulate NAME``: one emulator in the foreground, printing its base URL."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from ferrero_daemon.commands import Subparsers, require_sandbox_extra
from ferrero_daemon.sandbox.emulators import EMULATORS

if TYPE_CHECKING:
    from ferrero_daemon.sandbox.emulators import Emulator


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("emulate", help="run one local emulator in the foreground")
    parser.add_argument("name", choices=sorted(EMULATORS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    require_sandbox_extra("emulate")
    from ferrero_daemon.sandbox.emulators import create

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
