"""The one command, ``ferrero-daemon``.

Each subcommand lives in its own module under ``ferrero_daemon/commands/`` and
exposes ``register(subparsers)``; this module only discovers and dispatches them.
A handler returns the process exit code (``exits.py``). Known errors print one line,
never a traceback: the message names the problem and what to do about it. Log lines
go to stderr; with ``--json`` stdout holds exactly one JSON document.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from ferrero_daemon import __version__, commands, exits, logs
from ferrero_daemon.commands import output
from ferrero_daemon.errors import FerreroError

EPILOG = f"""\
exit codes (every command):
{exits.table()}

With --json, stdout holds exactly one JSON document (on an error: {{"error": ...}});
log lines go to stderr. See README.md, "Exit codes" and "JSON output"."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits 64 (EX_USAGE), not 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(exits.ExitCode.USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ferrero-daemon",
        description="Ferrero campaign asset automation: DAM, Box, CreativeX, mail and webhook.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(module, "register"):  # helpers (output.py) register nothing
            module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Until a command sets up its own logging (the daemon does), problems only, on stderr.
    logs.configure("warning", stream=sys.stderr)
    with output.json_mode(getattr(args, "json", False)):
        return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        code: int = args.handler(args)
    except FerreroError as exc:
        return _failed(args, exc)
    except KeyboardInterrupt:
        return exits.ExitCode.INTERRUPTED
    return code


def _failed(args: argparse.Namespace, exc: FerreroError) -> int:
    code = exits.for_error(exc)
    print(f"ferrero-daemon {args.command}: {exc}", file=sys.stderr)
    output.error(str(exc), type(exc).__name__, code)
    return code


if __name__ == "__main__":
    sys.exit(main())
