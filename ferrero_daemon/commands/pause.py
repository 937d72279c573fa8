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
    control_client.client(args).pause(args.job, control_client.who())
    print(f"{args.job}: paused (a run in progress finishes; `trigger` still works)")
    return 0
