"""``ferrero-daemon check``: every connection of the operators' step 9, one line each."""

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
from ferrero_daemon.commands import Subparsers, add_config_argument, output
from ferrero_daemon.config import load_config
from ferrero_daemon.exits import ExitCode


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
    parser.add_argument("--json", action="store_true", help="the results as one JSON document")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per check (default 30)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    options = CheckOptions(args.auth_pfx, args.send_test_email, args.send_test_webhook)
    results = asyncio.run(_run(ConnectionChecks(config, options), args.timeout))
    ok = all(r.ok for r in results)
    if args.json:
        failed = sum(not r.ok for r in results)
        output.document(
            {
                "ok": ok,
                "passed": len(results) - failed,
                "failed": failed,
                "checks": [r.as_dict() for r in results],
            }
        )
    else:
        print(render(results))
    return ExitCode.OK if ok else ExitCode.FAILED


async def _run(checks: ConnectionChecks, timeout: float) -> list[CheckResult]:
    try:
        return await run_checks(checks.checks(), timeout)
    finally:
        await checks.aclose()
