"""``ferrero-daemon run``: the daemon itself (what systemd starts).

It runs the jobs of ``jobs.JOBS`` and nothing else: no option or environment variable
makes it import another module. The test suite starts the same ``run`` with its own
jobs and clock through ``tests/daemon_main.py``, which the wheel does not carry.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ferrero_daemon.commands import Subparsers, add_config_argument
from ferrero_daemon.config import load_config
from ferrero_daemon.jobs import JOBS

if TYPE_CHECKING:  # the runtime is imported when the daemon starts, not for every command
    from ferrero_daemon.runtime.daemon import ServicesOpener


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("run", help="run the daemon in the foreground (what systemd starts)")
    add_config_argument(parser)
    parser.set_defaults(handler=run)


def run(
    args: argparse.Namespace,
    jobs: Mapping[str, str] = JOBS,
    open_services: ServicesOpener | None = None,
) -> int:
    from ferrero_daemon.runtime.daemon import Daemon, configure_logs
    from ferrero_daemon.services import open_services as production_services

    config = load_config(args.config)
    configure_logs(config)
    opener = open_services or production_services

    async def main() -> int:
        return await Daemon(config, jobs, opener).serve()

    return asyncio.run(main())
