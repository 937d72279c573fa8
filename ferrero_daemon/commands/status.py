"""``ferrero-daemon status``: every job, its schedule, last and next run, what is running."""

from __future__ import annotations

import argparse
import json

from ferrero_daemon.clients import control as control_client
from ferrero_daemon.commands import Subparsers
from ferrero_daemon.runtime.status_view import render


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("status", help="what the running daemon is doing (a table, or --json)")
    control_client.add_arguments(parser)
    parser.add_argument("--json", action="store_true", help="the daemon's full answer as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = control_client.socket_path(args.config, args.socket)
    reply = control_client.request(path, {"cmd": "status"}, timeout=15)
    reply.pop("ok", None)
    print(json.dumps(reply, indent=2) if args.json else render(reply))
    return 0
