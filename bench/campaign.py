"""Campaign: N masters of M MB through A1→A2 in the running daemon, against the old scripts.

    .venv/bin/python bench/campaign.py [--masters 40] [--mb 20] [--runs 3]

The daemon (``ferrero-daemon run``, its own process) is started once over the bench
stack and left to settle. Each run then seeds a fresh A1 campaign in the OTMM
emulator and triggers ``a1_a2`` over the control socket, timing it up to its result
(tracking IDs, database rows, transfers, DAM status, mail queued: the whole job);
then seeds an identical campaign for the baseline, ``bench/old_scripts.py``, and
times that process from start to exit. Runs alternate, so that both see the same
machine load.

Also reported: the daemon's RSS at rest before the first run, its peak RSS
(``VmHWM``: the whole life of the process, start-up included) and its RSS after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import harness
from harness import MB, cpu_seconds, median
from stack import BenchDaemon, BenchStack, workdir

HERE = Path(__file__).resolve().parent
PROFILE = os.environ.get("BENCH_PROFILE")  # a directory: py-spy the daemon during each run


class Cpu:
    """CPU seconds spent from now on by the measured process, the emulators, the children."""

    def __init__(self, stack: BenchStack, pid: int | None) -> None:
        self.pids = {"otmm": stack.otmm.pid, "box": stack.box.pid}
        if pid is not None:
            self.pids["daemon"] = pid
        self.start = self._now()

    def _now(self) -> dict[str, float]:
        now = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return now | {"children": children.ru_utime + children.ru_stime}

    def spent(self) -> dict[str, float]:
        return {k: round(v - self.start[k], 2) for k, v in self._now().items()}


def profile(pid: int, name: str) -> subprocess.Popen[bytes] | None:
    if not PROFILE:
        return None
    spy = Path(sys.executable).with_name("py-spy")
    out = Path(PROFILE) / f"{name}.txt"
    argv = [
        str(spy),
        "record",
        "--format",
        "raw",
        "--rate",
        "250",
        "--pid",
        str(pid),
        "-o",
        str(out),
    ]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def seed(stack: BenchStack, status: str, label: str, masters: int, size: int, salt: int) -> str:
    from ferrero_daemon.config import load_config

    fields = load_config(stack.config_path).settings.dam.fields
    metadata = {
        fields.campaign_status: status,
        fields.campaign_type: "Local comm",
        fields.campaign_number: label,
        fields.campaign_name: "Bench",
    }
    campaign: str = stack.otmm.admin("campaigns", {"name": f"{label} Bench", "metadata": metadata})[
        "id"
    ]
    for i in range(masters):
        asset = {
            "folder_id": campaign,
            "name": f"Master {i:02}.mp4",
            "size": size,
            "seed": salt + i,
        }
        stack.otmm.admin("assets", asset)
    return campaign


def old_scripts(stack: BenchStack, dam_folder: str, box_folder: str, expected: int) -> float:
    started = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            str(HERE / "old_scripts.py"),
            str(stack.config_path),
            dam_folder,
            box_folder,
        ],
        env=stack.env(),
        check=False,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if out.returncode != 0 or json.loads(out.stdout.splitlines()[-1])["bytes"] != expected:
        raise RuntimeError(f"old_scripts.py failed: {out.stdout[-500:]} {out.stderr[-2000:]}")
    return elapsed


def add_latency(stack: BenchStack, seconds: float) -> None:
    """Every request to the DAM and Box waits ``seconds`` first, as across a WAN."""
    for emulator in (stack.otmm, stack.box):
        emulator.admin("faults", {"path": ".", "delay": seconds, "count": 10**9})


def clear_latency(stack: BenchStack) -> None:
    for emulator in (stack.otmm, stack.box):
        emulator.admin("faults", method="DELETE")


async def measure(masters: int, size: int, runs: int, latency: float) -> dict[str, Any]:
    rows: list[dict[str, float]] = []
    async with BenchStack(workdir("fb-c-")) as stack:
        os.environ.update(stack.daemon_env())
        daemon = await BenchDaemon(stack).start()
        try:
            await daemon.quiet()
            await asyncio.sleep(1)
            rest = daemon.rss()
            root = stack.settings()["box"]["folders"]["a1_a2"]
            for run in range(runs):
                seed(stack, "A1", f"B-{run}", masters, size, 1000 * run)
                dam_folder = seed(stack, "A3", f"O-{run}", masters, size, 1000 * run + 500)
                box_folder = stack.box.admin("folders", {"parent_id": root, "name": f"old-{run}"})
                if latency:
                    add_latency(stack, latency)
                cpu = Cpu(stack, daemon.pid)
                profiler = profile(daemon.pid, f"daemon-{run}")
                started = time.perf_counter()
                result = await daemon.run("a1_a2")
                ours = time.perf_counter() - started
                if profiler is not None:
                    profiler.send_signal(signal.SIGINT)
                    profiler.wait()
                ours_cpu = cpu.spent()
                delivered = result["counts"].get("masters_delivered", 0)
                if result["outcome"] != "succeeded" or delivered != masters:
                    raise RuntimeError(f"a1_a2 did not deliver the campaign: {result}")
                cpu = Cpu(stack, None)
                old = await asyncio.to_thread(
                    old_scripts, stack, dam_folder, box_folder["id"], masters * size
                )
                if latency:
                    clear_latency(stack)
                rows.append(
                    {"daemon_s": ours, "old_scripts_s": old, "ratio": ours / old}
                    | {f"cpu_s_{k}_daemon_run": v for k, v in ours_cpu.items()}
                    | {f"cpu_s_{k}_old_run": v for k, v in cpu.spent().items()}
                )
            figures = {
                "masters": masters,
                "mb": size / MB,
                "latency_ms": latency * 1000,
                "runs": runs,
                "daemon_s": round(median(r["daemon_s"] for r in rows), 2),
                "old_scripts_s": round(median(r["old_scripts_s"] for r in rows), 2),
                "ratio": round(median(r["ratio"] for r in rows), 3),
                "daemon_mb_s": round(masters * size / MB / median(r["daemon_s"] for r in rows), 1),
                "cpu_s": {
                    key.removeprefix("cpu_s_"): round(median(r[key] for r in rows), 2)
                    for key in rows[0]
                    if key.startswith("cpu_s_")
                },
                "daemon_rss_rest_mb": round(rest, 1),
                "daemon_peak_rss_mb": round(daemon.peak(), 1),
                "daemon_rss_after_mb": round(daemon.rss(), 1),
                "all": rows,
            }
        finally:
            await daemon.stop()
    stack.remove()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masters", type=int, default=40)
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--latency-ms", type=float, default=0, help="delay every DAM and Box request (a WAN)"
    )
    args = parser.parse_args()
    figures = measure(args.masters, int(args.mb * MB), args.runs, args.latency_ms / 1000)
    harness.emit(asyncio.run(figures))


if __name__ == "__main__":
    main()
