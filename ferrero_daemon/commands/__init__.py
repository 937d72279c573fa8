"""Subcommands of ``ferrero-daemon``: one module each, each with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib.util
from typing import Any

from ferrero_daemon.errors import FerreroError

Subparsers = Any  # argparse._SubParsersAction is private; its public use is add_parser()


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $FERRERO_CONFIG or /etc/ferrero-daemon/config.toml)",
    )


SANDBOX_MODULES = ("aiohttp", "aiosmtpd", "pgserver", "tomli_w")


def require_sandbox_extra(command: str) -> None:
    """The emulators and the embedded PostgreSQL are an extra, absent from production."""
    missing = [name for name in SANDBOX_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise FerreroError(
            f"`{command}` needs the sandbox extra, which is not installed here "
            f"({', '.join(missing)} missing); install it with: "
            "pip install 'ferrero-daemon[sandbox]'"
        )
