"""``ferrero-daemon run``: the daemon itself (what systemd starts)."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Mapping

from ferrero_daemon.commands import Subparsers, add_config_argument
from ferrero_daemon.config import load_config
from ferrero_daemon.errors import ConfigError
from ferrero_daemon.jobs import JOBS

# For the test suite and the sandbox only: "job=module:function,…" replaces the function
# of a known job. Production units never set it; no test job ships in the package.
OVERRIDES_ENV = "FERRERO_JOB_OVERRIDES"


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("run", help="run the daemon in the foreground (what systemd starts)")
    add_config_argument(parser)
    parser.set_defaults(handler=run)


def registry(env: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if env is None else env
    jobs = dict(JOBS)
    for item in filter(None, (p.strip() for p in env.get(OVERRIDES_ENV, "").split(","))):
        job, _, target = item.partition("=")
        if job not in jobs or ":" not in target:
            raise ConfigError(f"{OVERRIDES_ENV}: {item!r} is not known_job=module:function")
        jobs[job] = target
    return jobs


def run(args: argparse.Namespace) -> int:
    from ferrero_daemon.runtime.daemon import Daemon, configure_logs
    from ferrero_daemon.services import open_services

    config = load_config(args.config)
    configure_logs(config)
    jobs = registry()

    async def main() -> int:
        return await Daemon(config, jobs, open_services).serve()

    return asyncio.run(main())
