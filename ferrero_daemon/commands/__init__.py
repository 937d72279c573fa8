"""Subcommands of ``ferrero-daemon``: one module each, each with ``register(subparsers)``."""

from __future__ import annotations

import argparse
from typing import Any

Subparsers = Any  # argparse._SubParsersAction is private; its public use is add_parser()


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $FERRERO_CONFIG or /etc/ferrero-daemon/config.toml)",
    )
