"""``ferrero-daemon run`` as the tests start it: the production command, with test seams.

    python -m tests.daemon_main --config C [--jobs JOB=module:function,…] [--clock-file F]

``--jobs`` replaces the function of known jobs (``tests/jobs.py``); ``--clock-file``
names a file holding a number of seconds the daemon's clock (``Services.clock``: the
outbox's backoff, run IDs, alert times) runs ahead of the real one, re-read on every
reading, so a test can let an hour pass without waiting for it. Both seams exist only
here: this module is not in the wheel, and the production ``run`` has no option or
environment variable that reaches them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

from ferrero_daemon.commands import run
from ferrero_daemon.config import Config
from ferrero_daemon.jobs import JOBS
from ferrero_daemon.runtime.daemon import ServicesOpener
from ferrero_daemon.services import Services, open_services, utc_now


def job_registry(spec: str) -> dict[str, str]:
    """``JOBS`` with ``job=module:function`` items of ``spec`` put in; known jobs only."""
    jobs = dict(JOBS)
    for item in filter(None, (p.strip() for p in spec.split(","))):
        job, _, target = item.partition("=")
        if job not in jobs or ":" not in target:
            raise SystemExit(f"--jobs: {item!r} is not known_job=module:function")
        jobs[job] = target
    return jobs


class FileClock:
    """UTC now, plus the seconds written in ``path`` (0 while it is missing or empty)."""

    def __init__(self, path: Path, now: Callable[[], datetime] = utc_now) -> None:
        self._path = path
        self._now = now

    def offset(self) -> float:
        try:
            text = self._path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return 0.0
        return float(text) if text else 0.0

    def __call__(self) -> datetime:
        return self._now() + timedelta(seconds=self.offset())


def services_with_clock(clock: Callable[[], datetime]) -> ServicesOpener:
    @asynccontextmanager
    async def opener(config: Config) -> AsyncIterator[Services]:
        async with open_services(config) as services:
            yield services.with_(clock=clock)

    return opener


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.daemon_main")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--jobs", default="")
    parser.add_argument("--clock-file", type=Path)
    args = parser.parse_args(argv)
    opener = services_with_clock(FileClock(args.clock_file)) if args.clock_file else None
    return run.run(args, job_registry(args.jobs), opener)


if __name__ == "__main__":
    sys.exit(main())
