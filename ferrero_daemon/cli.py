"""The one command, ``ferrero-daemon``.

Each subcommand lives in its own module under ``ferrero_daemon/commands/`` and
exposes ``register(subparsers)``; this module only discovers and dispatches them.
A handler returns the process exit code. Known errors print one line, never a
traceback: the message names the problem and what to do about it.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from ferrero_daemon import __version__, commands
from ferrero_daemon.errors import ConfigError, FerreroError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ferrero-daemon",
        description="Ferrero campaign asset automation: DAM, Box, CreativeX, mail and webhook.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"ferrero-daemon: {exc}", file=sys.stderr)
        return 1
    except FerreroError as exc:
        print(f"ferrero-daemon {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
