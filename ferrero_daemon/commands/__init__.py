"""Subcommands of ``ferrero-daemon``: one module each, each with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib.util
from typing import Any

from pydantic import ValidationError

from ferrero_daemon.config import BackupConfig, config_path, format_validation_error, read_section
from ferrero_daemon.errors import ConfigError, MissingExtra

Subparsers = Any  # argparse._SubParsersAction is private; its public use is add_parser()


# Which secrets a command reads (``load_config(..., secrets=...)``); the rest are never
# looked up, so an operator without them can still run it. None: every secret.
NO_SECRETS: tuple[str, ...] = ()
DB_SECRETS = ("db_password",)


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
        raise MissingExtra(
            f"`{command}` needs the sandbox extra, which is not installed here "
            f"({', '.join(missing)} missing); install it with: "
            "pip install 'ferrero-daemon[sandbox]'"
        )


def backup_settings(config: str | None) -> BackupConfig:
    """``[backups]`` alone: listing backups needs no secret and no other valid section."""
    path = config_path(config)
    try:
        section = read_section(path, "backups")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist; pass --config PATH") from None
    except PermissionError:
        raise ConfigError(f"cannot read config file {path} (permission denied)") from None
    try:
        return BackupConfig.model_validate(section)
    except ValidationError as exc:
        problems = [f"backups.{line}" for line in format_validation_error(exc)]
        raise ConfigError(problems=problems) from None
