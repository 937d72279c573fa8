"""``ferrero-daemon sandbox``: the daemon's whole lifecycle against local emulators.

Starts an embedded PostgreSQL and the OTMM, Box, LlamaCloud, SMTP and webhook
emulators, runs the real daemon as a child process, and plays one campaign from A1
to A6 (and a global one from B1 to B2) through it. Exit 0 when every step passed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ferrero_daemon.commands import Subparsers, require_sandbox_extra

if TYPE_CHECKING:
    from ferrero_daemon.sandbox.lifecycle import StepResult
    from ferrero_daemon.sandbox.stack import SandboxStack


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("sandbox", help="run the whole lifecycle against local emulators")
    parser.add_argument("--json", action="store_true", help="print the steps as JSON")
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="leave the emulators and database up afterwards (Ctrl-C ends)",
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where to keep config, data and logs"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    require_sandbox_extra("sandbox")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="fd-sandbox-"))
    return asyncio.run(_run(workdir.resolve(), as_json=args.json, keep=args.keep_running))


def _printer(as_json: bool) -> object:
    def report(result: StepResult) -> None:
        if not as_json:
            mark = "✓" if result.ok else "✗"
            print(f"{mark} {result.name} ({result.seconds:.1f} s): {result.detail}", flush=True)

    return report


async def _run(workdir: Path, *, as_json: bool, keep: bool) -> int:
    if not as_json:
        print(f"sandbox in {workdir} (config, logs and data stay there)", flush=True)
    from ferrero_daemon.sandbox.lifecycle import Cli, Lifecycle, play
    from ferrero_daemon.sandbox.stack import SandboxStack

    async with SandboxStack(workdir) as stack:
        env = {**os.environ, **stack.daemon_env()}
        lifecycle = Lifecycle(stack, Cli(stack.config_path, env))
        results = await play(lifecycle, _printer(as_json))  # type: ignore[arg-type]
        (workdir / "transcript.txt").write_text(
            "\n".join(lifecycle.cli.transcript), encoding="utf-8"
        )
        ok = all(r.ok for r in results) and len(results) == len(lifecycle.steps())
        _summary(results, stack, as_json=as_json, ok=ok)
        if keep:
            await _hold(stack)
    return 0 if ok else 1


def _summary(results: list[StepResult], stack: SandboxStack, *, as_json: bool, ok: bool) -> None:
    if as_json:
        data = {
            "ok": ok,
            "workdir": str(stack.workdir),
            "config": str(stack.config_path),
            "emulators": {name: e.base_url for name, e in stack.emulators.items()},
            "steps": [r.__dict__ for r in results],
        }
        print(json.dumps(data, indent=2))
        return
    passed = sum(r.ok for r in results)
    print(
        f"\n{passed} of {len(results)} steps passed"
        + ("" if ok else " — see daemon.log and transcript.txt")
    )
    print(
        f"daemon log: {stack.workdir / 'daemon.log'}; commands run: {stack.workdir / 'transcript.txt'}"
    )


async def _hold(stack: SandboxStack) -> None:
    print("\nStill running (Ctrl-C to stop). Try:", file=sys.stderr)
    print(f"  ferrero-daemon check --config {stack.config_path}", file=sys.stderr)
    for name, emulator in stack.emulators.items():
        print(f"  {name}: {emulator.base_url}", file=sys.stderr)
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.Event().wait()
