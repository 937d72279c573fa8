"""Idle and poll: the daemon doing nothing, and one no-op poll inside it vs a fresh process.

    .venv/bin/python bench/idle.py [--idle-seconds 60] [--polls 10] [--fresh 3]

The daemon runs with every job on its default schedule (the five polls every 5
minutes, the report and the backups at their hours) over empty emulators and an
empty database. After its start-up polls have finished:

- idle: its CPU time and RSS over ``--idle-seconds`` (a scheduled poll may fall in the
  window: that is part of idling);
- poll, inside: each workflow triggered ``--polls`` times over the control socket,
  nothing to do; the daemon's CPU time per poll (job_runs rows, log lines, the
  outbox pass after the run included);
- poll, fresh: what cron paid for the same poll: a new process
  (``bench/fresh_poll.py``) that starts Python, imports the daemon's code, loads the
  config, opens the pools, authenticates and polls once; its CPU time (user + sys).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import harness
from harness import median
from stack import BenchDaemon, BenchStack, workdir

from ferrero_daemon.errors import JobBusyError

POLLS = ("a1_a2", "a2_a3", "a5_a6", "b1_b2", "creativex")
HERE = Path(__file__).resolve().parent


async def inside(daemon: BenchDaemon, job: str, polls: int) -> dict[str, float]:
    cpu, wall = [], []
    for _ in range(polls):
        before, started = daemon.cpu_fine(), time.perf_counter()
        while True:
            try:
                result = await daemon.run(job)
                break
            except JobBusyError:  # its scheduled poll is running: ask again
                await asyncio.sleep(0.2)
        wall.append(time.perf_counter() - started)
        cpu.append(daemon.cpu_fine() - before)
        if result["outcome"] != "succeeded":
            raise RuntimeError(f"{job} poll failed: {result}")
    return {"cpu_ms": 1000 * median(cpu), "wall_ms": 1000 * median(wall)}


def fresh(stack: BenchStack, job: str) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(HERE / "fresh_poll.py"), str(stack.config_path), job],
        env=stack.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise RuntimeError(f"fresh {job} poll failed: {out.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"cpu_ms": 1000 * cpu, "wall_ms": 1000 * wall}


async def measure(
    idle_seconds: float, polls: int, fresh_runs: int, jobs_measured: list[str]
) -> dict[str, Any]:
    figures: dict[str, Any] = {"idle_seconds": idle_seconds, "polls": polls, "fresh": fresh_runs}
    async with BenchStack(workdir("fb-i-"), schedules="default") as stack:
        os.environ.update(stack.daemon_env())
        daemon = await BenchDaemon(stack).start()
        try:
            await daemon.quiet()
            await asyncio.sleep(2)
            # The scheduler's nanoseconds, not /proc's 10 ms ticks: idling costs less than a tick.
            before, started = daemon.cpu_fine(), time.perf_counter()
            await asyncio.sleep(idle_seconds)
            spent = daemon.cpu_fine() - before
            elapsed = time.perf_counter() - started
            figures["idle_cpu_percent"] = round(100 * spent / elapsed, 3)
            figures["idle_cpu_ms"] = round(1000 * spent, 1)
            figures["idle_rss_mb"] = round(daemon.rss(), 1)
            jobs: dict[str, Any] = {}
            for job in jobs_measured:
                ours = await inside(daemon, job, polls)
                cron = [await asyncio.to_thread(fresh, stack, job) for _ in range(fresh_runs)]
                cron_cpu = median(c["cpu_ms"] for c in cron)
                jobs[job] = {
                    "inside_cpu_ms": round(ours["cpu_ms"], 1),
                    "inside_wall_ms": round(ours["wall_ms"], 1),
                    "fresh_cpu_ms": round(cron_cpu, 1),
                    "fresh_wall_ms": round(median(c["wall_ms"] for c in cron), 1),
                    "ratio": round(cron_cpu / max(ours["cpu_ms"], 0.1), 1),
                }
            figures["polls_by_job"] = jobs
            figures["rss_after_polls_mb"] = round(daemon.rss(), 1)
            figures["peak_rss_mb"] = round(daemon.peak(), 1)
        finally:
            await daemon.stop()
    stack.remove()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--polls", type=int, default=10)
    parser.add_argument("--fresh", type=int, default=3)
    parser.add_argument("--jobs", default=",".join(POLLS), help="the polls to measure")
    args = parser.parse_args()
    jobs = args.jobs.split(",")
    harness.emit(asyncio.run(measure(args.idle_seconds, args.polls, args.fresh, jobs)))


if __name__ == "__main__":
    main()
