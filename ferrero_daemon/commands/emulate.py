"""``ferrero-daemon emulate NAME``: one emulator in the foreground, printing its base URL."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ferrero_daemon.commands import Subparsers, require_sandbox_extra
from ferrero_daemon.errors import UsageError
from ferrero_daemon.sandbox.emulators import EMULATORS

if TYPE_CHECKING:
    from ferrero_daemon.sandbox.emulators import Emulator


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("emulate", help="run one local emulator in the foreground")
    parser.add_argument("name", choices=sorted(EMULATORS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument(
        "--mtls",
        action="store_true",
        help="otmm: also serve mutual TLS on a second port (client .pfx and CA under "
        "DATA_DIR/mtls)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    require_sandbox_extra("emulate")
    from ferrero_daemon.sandbox.emulators import create

    if args.mtls and args.name != "otmm":
        raise UsageError("--mtls is for the otmm emulator only")
    options = {"mtls": True} if args.mtls else {}
    return asyncio.run(_serve(create(args.name, args.host, args.port, args.data_dir, **options)))


async def _serve(emulator: Emulator) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(await emulator.start(), flush=True)
    _describe_mtls(emulator)
    try:
        await stop.wait()
    finally:
        await emulator.stop()
    return 0


def _describe_mtls(emulator: Emulator) -> None:
    """On stderr (stdout holds the base URL alone): where mutual TLS listens, and with what."""
    from ferrero_daemon.sandbox.otmm.server import OtmmEmulator

    if isinstance(emulator, OtmmEmulator) and emulator.mtls_dir is not None:
        pki = emulator.mtls_dir
        print(
            f"mutual TLS on {emulator.mtls_url}: client certificate {pki / 'client.pfx'} "
            f"(password in {pki / 'client.pfx.password'}), CA {pki / 'ca.pem'}",
            file=sys.stderr,
            flush=True,
        )
