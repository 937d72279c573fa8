"""``ferrero-daemon run``: the daemon itself (what systemd starts).

It runs the jobs of ``jobs.JOBS`` and nothing else: no option or environment variable
makes it import another module. The test suite starts the same ``run`` with its own
jobs and clock through ``tests/daemon_main.py``, which the wheel does not carry.

A start-up failure is one JSON line at error priority (``<3>``), so journald files it
where ``journalctl -u ferrero-daemon -p err`` finds it, even when the configuration is
too broken to say which log level it wants. A configuration or schema problem exits
78 (``EX_CONFIG``): the unit's ``RestartPreventExitStatus=78`` then stops systemd from
restarting a daemon that cannot start until someone edits the config or runs
``migrate``. Anything else exits with its code of the one table (``exits.py``): 69 for a
database not up yet, 75 when another daemon owns the control socket (nothing of it is
touched); systemd retries those.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ferrero_daemon import logs
from ferrero_daemon.commands import Subparsers, add_config_argument
from ferrero_daemon.config import load_config
from ferrero_daemon.errors import ConfigError, FerreroError, SchemaError
from ferrero_daemon.exits import ExitCode, for_error
from ferrero_daemon.jobs import JOBS

if TYPE_CHECKING:  # the runtime is imported when the daemon starts, not for every command
    from ferrero_daemon.runtime.daemon import ServicesOpener

EX_CONFIG = ExitCode.CONFIG  # fix the configuration (or migrate the schema); do not restart
EX_FAILED = ExitCode.FAILED

log = logs.get_logger(__name__)


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("run", help="run the daemon in the foreground (what systemd starts)")
    add_config_argument(parser)
    parser.set_defaults(handler=run)


def startup_failed(exc: BaseException) -> int:
    """Log why the daemon cannot start, at error priority; return the exit code."""
    if isinstance(exc, ConfigError | SchemaError):
        code, reason = EX_CONFIG, "config" if isinstance(exc, ConfigError) else "schema"
        problems = exc.problems if isinstance(exc, ConfigError) and exc.problems else [str(exc)]
        hint = (
            "fix config.toml or the secret, check with `ferrero-daemon config`, then start again"
            if reason == "config"
            else "run `ferrero-daemon migrate`, then start again"
        )
        log.error("startup_failed", reason=reason, problems=problems, hint=hint, exit_code=code)
        return code
    if isinstance(exc, FerreroError):
        code = for_error(exc)
        reason = "busy" if code == ExitCode.TEMPFAIL else "unavailable"
        log.error("startup_failed", reason=reason, error=str(exc), exit_code=code)
        return code
    if isinstance(exc, OSError):
        log.error("startup_failed", reason="unavailable", error=str(exc), exit_code=EX_FAILED)
        return EX_FAILED
    log.error("startup_failed", reason="bug", exc_info=exc, exit_code=EX_FAILED)
    return EX_FAILED


def run(
    args: argparse.Namespace,
    jobs: Mapping[str, str] = JOBS,
    open_services: ServicesOpener | None = None,
) -> int:
    from ferrero_daemon.runtime.daemon import Daemon, configure_logs
    from ferrero_daemon.services import open_services as production_services

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        logs.configure()  # no config to take a level from: the defaults, JSON on stderr
        return startup_failed(exc)
    configure_logs(config)
    opener = open_services or production_services

    async def main() -> int:
        return await Daemon(config, jobs, opener).serve()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        return startup_failed(exc)
