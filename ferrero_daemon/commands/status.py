"""``ferrero-daemon status``: what the running daemon is doing, as a table or ``--json``.

Needs no secret and no valid config beyond ``[control]``: members of the socket's
group run it without root.
"""

from __future__ import annotations

import argparse

from ferrero_daemon.clients import control as control_client
from ferrero_daemon.commands import Subparsers, output
from ferrero_daemon.runtime.status_view import render


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("status", help="what the running daemon is doing (a table, or --json)")
    control_client.add_arguments(parser)
    parser.add_argument("--json", action="store_true", help="the daemon's full answer as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    reply = control_client.client(args).status()
    if args.json:
        output.document(reply)
    else:
        print(render(reply))
    return 0
