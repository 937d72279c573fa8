"""``ferrero-daemon resume JOB``: schedule a paused job again, from its next due time."""

from __future__ import annotations

import argparse
from zoneinfo import ZoneInfo

from ferrero_daemon.clients import control as control_client
from ferrero_daemon.commands import Subparsers
from ferrero_daemon.runtime.status_view import when


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("resume", help="schedule a paused job again")
    control_client.add_arguments(parser)
    parser.add_argument("job", help="job name, e.g. a1_a2")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    reply = control_client.client(args).resume(args.job, control_client.who())
    zone = ZoneInfo(reply["timezone"])
    print(f"{args.job}: resumed, next run {when(reply['next_run'], zone)} ({zone.key})")
    return 0
