"""``ferrero-daemon trigger JOB [--wait] [--dry-run]``: run a job now.

Exit codes with ``--wait``: 0 succeeded, 2 partial (some items failed), 1 failed or
interrupted. A job that is already running is refused with exit code 75 (try later).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ferrero_daemon.clients import control as control_client
from ferrero_daemon.commands import Subparsers
from ferrero_daemon.errors import JobBusyError
from ferrero_daemon.runtime.status_view import duration, progress_line

EXIT = {"succeeded": 0, "partial": 2}
EX_TEMPFAIL = 75


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("trigger", help="run a job now (refused while it is already running)")
    control_client.add_arguments(parser)
    parser.add_argument("job", help="job name, e.g. a1_a2 (see `ferrero-daemon status`)")
    parser.add_argument(
        "--wait", action="store_true", help="wait for the outcome; exit 1 if it failed"
    )
    parser.add_argument("--dry-run", action="store_true", help="read everything, change nothing")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = control_client.socket_path(args.config, args.socket)
    request = {
        "cmd": "trigger",
        "job": args.job,
        "dry_run": args.dry_run,
        "by": control_client.who(),
    }
    try:
        reply = control_client.request(path, request)
    except JobBusyError as exc:
        print(f"ferrero-daemon trigger: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    started = reply["run"]
    kind = "dry run" if args.dry_run else "run"
    print(f"{args.job}: {kind} {started['run_id']} started")
    if not args.wait:
        return 0
    result = _wait(path, started["run_id"], live=sys.stdout.isatty())
    print(_outcome_line(result))
    return EXIT.get(result["outcome"], 1)


def _wait(path: Any, run_id: str, *, live: bool) -> dict[str, Any]:
    # On a terminal, ask every second and redraw the progress; otherwise wait longer per ask.
    timeout = 1.0 if live else 25.0
    while True:
        reply = control_client.request(
            path, {"cmd": "wait", "run_id": run_id, "timeout": timeout}, timeout=timeout + 15
        )
        if reply["done"]:
            if live:
                print("\r\033[K", end="")
            result: dict[str, Any] = reply["result"]
            return result
        if live:
            print(f"\r\033[K  {progress_line(reply['running'])}", end="", flush=True)


def _outcome_line(result: dict[str, Any]) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in sorted((result.get("counts") or {}).items()))
    line = f"{result['job']}: {result['outcome']} in {duration(result.get('duration_s'))}"
    if counts:
        line += f" ({counts})"
    if result.get("error"):
        line += f": {result['error']}"
    for problem in result.get("problems") or []:
        if problem != result.get("error"):
            line += f"\n  - {problem}"
    return line
