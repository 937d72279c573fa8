"""``ferrero-daemon trigger JOB [--wait] [--dry-run] [--json]``: run a job now.

Exit codes with ``--wait``: 0 succeeded, 3 partial (some items failed), 1 failed or
interrupted. A job that is already running is refused with 75 (try later); an
unknown job is a usage error (64). ``--json`` prints ``{"run": …}`` when the run
started, and ``{"run": …, "result": …}`` with ``--wait``.
"""

from __future__ import annotations

import argparse
import sys

from ferrero_daemon.clients import control as control_client
from ferrero_daemon.clients.control_wire import RunResult
from ferrero_daemon.commands import Subparsers, output
from ferrero_daemon.exits import ExitCode
from ferrero_daemon.runtime.status_view import duration, progress_line

EXIT = {"succeeded": ExitCode.OK, "partial": ExitCode.PARTIAL}


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("trigger", help="run a job now (refused while it is already running)")
    control_client.add_arguments(parser)
    parser.add_argument("job", help="job name, e.g. a1_a2 (see `ferrero-daemon status`)")
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait for the outcome; exit 0 succeeded, 3 partial, 1 failed",
    )
    parser.add_argument("--dry-run", action="store_true", help="read everything, change nothing")
    parser.add_argument("--json", action="store_true", help="print the run (and result) as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    control = control_client.client(args)
    started = control.trigger(args.job, dry_run=args.dry_run, by=control_client.who())["run"]
    if not args.json:
        kind = "dry run" if args.dry_run else "run"
        print(f"{args.job}: {kind} {started['run_id']} started", flush=True)
    if not args.wait:
        if args.json:
            output.document({"run": started})
        return ExitCode.OK
    result = _wait(control, started["run_id"], live=sys.stdout.isatty() and not args.json)
    if args.json:
        output.document({"run": started, "result": result})
    else:
        print(_outcome_line(result))
    return EXIT.get(result["outcome"], ExitCode.FAILED)


def _wait(control: control_client.ControlClient, run_id: str, *, live: bool) -> RunResult:
    # On a terminal, ask every second and redraw the progress; otherwise wait longer per ask.
    timeout = 1.0 if live else 25.0
    while True:
        reply = control.wait(run_id, timeout)
        if "result" in reply:
            if live:
                print("\r\033[K", end="")
            return reply["result"]
        if live and "running" in reply:
            print(f"\r\033[K  {progress_line(reply['running'])}", end="", flush=True)


def _outcome_line(result: RunResult) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result["counts"].items()))
    line = f"{result['job']}: {result['outcome']} in {duration(result['duration_s'])}"
    if counts:
        line += f" ({counts})"
    if result["error"]:
        line += f": {result['error']}"
    for problem in result["problems"]:
        if problem != result["error"]:
            line += f"\n  - {problem}"
    return line
