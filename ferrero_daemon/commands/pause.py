"""``ferrero-daemon pause JOB``: stop scheduling a job (kept across restarts) until resumed."""

from __future__ import annotations

import argparse

from ferrero_daemon.clients import control as control_client
from ferrero_daemon.commands import Subparsers


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "pause", help="stop scheduling a job until `resume` (survives restarts)"
    )
    control_client.add_arguments(parser)
    parser.add_argument("job", help="job name, e.g. a1_a2")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = control_client.socket_path(args.config, args.socket)
    control_client.request(path, {"cmd": "pause", "job": args.job, "by": control_client.who()})
    print(f"{args.job}: paused (a run in progress finishes; `trigger` still works)")
    return 0
