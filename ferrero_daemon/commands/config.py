"""``ferrero-daemon config``: validate and print the effective configuration."""

from __future__ import annotations

import argparse
import json
import sys

from ferrero_daemon.commands import Subparsers, add_config_argument
from ferrero_daemon.config import effective_config, load_config


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("config", help="validate the config; print it with secrets masked")
    add_config_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # invalid: ConfigError, exit 78, every problem listed
    print(json.dumps(effective_config(config), indent=2, ensure_ascii=False))
    print(f"configuration {config.path} is valid", file=sys.stderr)
    return 0
