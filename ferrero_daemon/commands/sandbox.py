"""``ferrero-daemon sandbox``: the daemon's whole lifecycle against local emulators.

Starts an embedded PostgreSQL and the OTMM, Box, LlamaCloud, SMTP and webhook
emulators, runs the real daemon as a child process, and plays one campaign from A1
to A6 (and a global one from B1 to B2) through it. Exit 0 when every step passed.

``--keep-running`` leaves it all up afterwards, with a daemon running, and prints one
line to ``source`` so that every command works against the sandbox without flags.
Ctrl-C or SIGTERM (also in the background) stops every child, PostgreSQL included;
``sandbox --stop --workdir DIR`` does it from another shell.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ferrero_daemon.commands import Subparsers, output, require_sandbox_extra
from ferrero_daemon.errors import UsageError
from ferrero_daemon.exits import ExitCode

if TYPE_CHECKING:
    from ferrero_daemon.sandbox.lifecycle import Lifecycle, StepResult
    from ferrero_daemon.sandbox.stack import SandboxStack


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("sandbox", help="run the whole lifecycle against local emulators")
    parser.add_argument("--json", action="store_true", help="print the steps as JSON")
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="afterwards, leave the daemon, emulators and database up and print a line to "
        "`source` (Ctrl-C, SIGTERM or `sandbox --stop` ends it)",
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where to keep config, data and logs"
    )
    parser.add_argument(
        "--stop",
        action="store_true",
        help="stop the kept-running sandbox of --workdir (from another shell)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.stop:
        return _stop(args.workdir)
    require_sandbox_extra("sandbox")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="fd-sandbox-"))
    workdir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(_run(workdir.resolve(), as_json=args.json, keep=args.keep_running))


def _stop(workdir: Path | None) -> int:
    if workdir is None:
        raise UsageError("--stop needs the sandbox's --workdir DIR")
    from ferrero_daemon.sandbox import process

    for what in process.stop(workdir.resolve()):
        print(f"stopped the {what}")
    return ExitCode.OK


class Stopper:
    """SIGINT/SIGTERM: while the lifecycle plays, cancel it (its clean-up still runs);
    while a kept sandbox waits, end the wait. A second signal never cuts the clean-up."""

    def __init__(self, task: asyncio.Task[int]) -> None:
        self.task = task
        self.signal: signal.Signals | None = None
        self.holding = False
        self.stopped = asyncio.Event()

    def __call__(self, sig: signal.Signals) -> None:
        if self.signal is not None:
            return
        self.signal = sig
        self.stopped.set()
        if not self.holding:
            self.task.cancel()


async def _run(workdir: Path, *, as_json: bool, keep: bool) -> int:
    from ferrero_daemon.sandbox import process

    process.write_pid(workdir)
    main = asyncio.current_task()
    assert main is not None
    stopper = Stopper(main)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Also when started in the background, where the shell set SIGINT to "ignore".
        loop.add_signal_handler(sig, stopper, sig)
    try:
        return await _play(workdir, stopper, as_json=as_json, keep=keep)
    except asyncio.CancelledError:
        if stopper.signal is None:
            raise
        return ExitCode.INTERRUPTED
    finally:
        process.remove_pid(workdir)
        if stopper.signal is not None:
            print(f"sandbox stopped ({stopper.signal.name}): the daemon, the emulators and "
                  "PostgreSQL are down", file=sys.stderr)  # fmt: skip


async def _play(workdir: Path, stopper: Stopper, *, as_json: bool, keep: bool) -> int:
    if not as_json:
        print(f"sandbox in {workdir} (config, logs, mail and data stay there)", flush=True)
    from ferrero_daemon.sandbox.lifecycle import Cli, Lifecycle, play
    from ferrero_daemon.sandbox.stack import SandboxStack

    async with SandboxStack(workdir) as stack:
        env = {**os.environ, **stack.daemon_env()}
        lifecycle = Lifecycle(stack, Cli(stack.config_path, env), keep_running=keep)
        try:
            results = await play(lifecycle, _printer(as_json))
            ok = all(r.ok for r in results) and len(results) == len(lifecycle.steps())
            _summary(results, stack, as_json=as_json, ok=ok, keep=keep)
            if keep and ok:
                stopper.holding = True
                await stopper.stopped.wait()  # Ctrl-C, SIGTERM or `sandbox --stop`
            return ExitCode.OK if ok else ExitCode.FAILED
        finally:
            _transcript(lifecycle)
            await lifecycle.close()


def _printer(as_json: bool) -> Callable[[StepResult], None]:
    def report(result: StepResult) -> None:
        if not as_json:
            mark = "✓" if result.ok else "✗"
            print(f"{mark} {result.name} ({result.seconds:.1f} s): {result.detail}", flush=True)

    return report


def _transcript(lifecycle: Lifecycle) -> None:
    (lifecycle.stack.workdir / "transcript.txt").write_text(
        "\n".join(lifecycle.cli.transcript), encoding="utf-8"
    )


def _summary(
    results: list[StepResult], stack: SandboxStack, *, as_json: bool, ok: bool, keep: bool
) -> None:
    if as_json:
        output.document(
            {
                "ok": ok,
                "workdir": str(stack.workdir),
                "config": str(stack.config_path),
                "env_file": str(stack.env_file),
                "emulators": {name: e.base_url for name, e in stack.emulators.items()},
                "steps": [r.__dict__ for r in results],
            }
        )
        return
    passed = sum(r.ok for r in results)
    print(
        f"\n{passed} of {len(results)} steps passed"
        + ("" if ok else " — see daemon.log and transcript.txt")
    )
    print(
        f"daemon log: {stack.workdir / 'daemon.log'}; commands run: "
        f"{stack.workdir / 'transcript.txt'}; mails: {stack.mail_dir}/*.eml, *.html"
    )
    if keep and ok:
        print(
            f"\nStill running. Stop it with Ctrl-C, or from another shell: "
            f"ferrero-daemon sandbox --stop --workdir {stack.workdir}\n"
            "Every ferrero-daemon command uses the sandbox after:",
            file=sys.stderr,
        )
        for name, emulator in stack.emulators.items():
            print(f"  {name}: {emulator.base_url}", file=sys.stderr)
        print(f"source {stack.env_file}", flush=True)
