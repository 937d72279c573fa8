"""``ferrero-daemon check``: every connection of the operators' step 9, one line each.

``--deep`` adds the read-only probes of every wire and data assumption
(``checks/deep``), ``--campaign ID`` a sample campaign planned as a delivery would.
"""

from __future__ import annotations

import argparse
import asyncio

from ferrero_daemon.checks.connections import (
    CheckOptions,
    CheckResult,
    ConnectionChecks,
    render,
    run_checks,
)
from ferrero_daemon.checks.deep import findings
from ferrero_daemon.checks.deep.findings import Finding
from ferrero_daemon.checks.deep.runner import deep_check
from ferrero_daemon.commands import Subparsers, add_config_argument, output
from ferrero_daemon.config import Config, load_config
from ferrero_daemon.errors import UsageError
from ferrero_daemon.exits import ExitCode

CONNECTION_TIMEOUT = 30.0
PROBE_TIMEOUT = 60.0  # a deep probe pages through searches and walks folders
TIMEOUT_HELP = (
    f"seconds per check (default {CONNECTION_TIMEOUT:g}; with --deep, {PROBE_TIMEOUT:g} per "
    "probe); a value given here holds for both"
)


def connection_timeout(args: argparse.Namespace) -> float:
    return CONNECTION_TIMEOUT if args.timeout is None else float(args.timeout)


def probe_timeout(args: argparse.Namespace) -> float:
    return PROBE_TIMEOUT if args.timeout is None else float(args.timeout)


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "check", help="test every connection (database, DAM, Box, SMTP, webhook, LlamaCloud)"
    )
    add_config_argument(parser)
    parser.add_argument(
        "--auth-pfx", action="store_true", help="also test DAM mutual TLS with the .pfx"
    )
    parser.add_argument(
        "--send-test-email", action="store_true", help="mail the error and report recipients"
    )
    parser.add_argument(
        "--send-test-webhook", action="store_true", help="post a test event to the webhook"
    )
    parser.add_argument(
        "--deep",
        action="store_true",
        help="also probe every wire and data assumption, read-only (fields, searches, paths, "
        "Box rights, LlamaCloud schema, database rights)",
    )
    parser.add_argument(
        "--campaign", metavar="ID", help="with --deep: plan this DAM campaign folder's delivery"
    )
    parser.add_argument("--json", action="store_true", help="the results as one JSON document")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help=TIMEOUT_HELP)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    problem = _usage_problem(args)
    if problem:
        raise UsageError(problem)
    config = load_config(args.config)
    options = CheckOptions(args.auth_pfx, args.send_test_email, args.send_test_webhook)
    results = asyncio.run(_run(ConnectionChecks(config, options), connection_timeout(args)))
    deep = asyncio.run(_deep(config, args)) if args.deep else None
    passed = all(r.ok for r in results) and (deep is None or findings.passed(deep))
    if args.json:
        output.document(_as_json(results, deep, ok=passed))
    else:
        print(render(results))
        if deep is not None:
            print()
            print(findings.render(deep))
    return ExitCode.OK if passed else ExitCode.FAILED


def _usage_problem(args: argparse.Namespace) -> str:
    if args.deep and (args.send_test_email or args.send_test_webhook):
        return "--deep writes nothing anywhere: run the test sends without it"
    if args.campaign and not args.deep:
        return "--campaign needs --deep"
    return ""


def _as_json(results: list[CheckResult], deep: list[Finding] | None, *, ok: bool) -> object:
    """One shape with or without --deep: ``deep`` is null when it did not run."""
    failed = sum(not r.ok for r in results)
    return {
        "ok": ok,
        "passed": len(results) - failed,
        "failed": failed,
        "connections": [r.as_dict() for r in results],
        "deep": None if deep is None else [f.as_dict() for f in deep],
    }


async def _run(checks: ConnectionChecks, timeout: float) -> list[CheckResult]:
    try:
        return await run_checks(checks.checks(), timeout)
    finally:
        await checks.aclose()


async def _deep(config: Config, args: argparse.Namespace) -> list[Finding]:
    return await deep_check(config, args.campaign, timeout=probe_timeout(args))
