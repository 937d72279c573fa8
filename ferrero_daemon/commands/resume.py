"""``ferrero-daemon resume JOB``: schedule a paused job again, from its next due time."""

from __future__ import annotations

import argparse

from ferrero_daemon.clients import control as control_client
from ferrero_daemon.commands import Subparsers


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("resume", help="schedule a paused job again")
    control_client.add_arguments(parser)
    parser.add_argument("job", help="job name, e.g. a1_a2")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = control_client.socket_path(args.config, args.socket)
    reply = control_client.request(
        path, {"cmd": "resume", "job": args.job, "by": control_client.who()}
    )
    print(f"{args.job}: resumed, next run {reply.get('next_run') or '-'}")
    return 0
