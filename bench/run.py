"""Run every benchmark and write ``bench/RESULTS.md``: one table, medians and same-run ratios.

    .venv/bin/python bench/run.py            # the full run (about 15 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick    # small sizes, scripts in parallel: a smoke test

These machines are shared and noisy: a figure counts only as a ratio against a
baseline measured in the same run, and each is the median of several runs. The
load average is sampled all along and printed with the table. ``--quick`` checks
that every script works; its figures mean nothing and it writes RESULTS.md only
when given ``--output``.

The targets' benchmarks print one JSON line each (``transfer``, ``campaign``,
``idle``, ``poll_scale``, ``year``); the older scripts (``dam_stream``,
``box_upload``, ``delivery``, ``returns``, ``comms``, ``backups``) print their own
figures, kept verbatim at the end of the file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import harness
from report_md import render

HERE = Path(__file__).resolve().parent
GIB = 1024**3

FULL: dict[str, list[str]] = {
    "transfer": ["transfer.py", "--sizes", f"10e6,100e6,{GIB}", "--runs", "3"],
    "campaign": ["campaign.py", "--masters", "40", "--mb", "20", "--runs", "3"],
    "campaign_wan": [
        "campaign.py",
        "--masters",
        "40",
        "--mb",
        "20",
        "--runs",
        "3",
        "--latency-ms",
        "20",
    ],
    "idle": ["idle.py", "--idle-seconds", "60", "--polls", "10", "--fresh", "3"],
    "poll_scale": ["poll_scale.py", "--files", "5000", "--new", "10", "--runs", "3"],
    "year": ["year.py", "--masters", "20000", "--events", "200000", "--runs", "3"],
}
FULL_EXTRA: dict[str, list[str]] = {
    "dam_stream": ["dam_stream.py", "--size-mib", "1024"],
    "dam_import": ["dam_stream.py", "--size-mib", "512", "--upload"],
    "box_upload": ["box_upload.py", "--size-mib", "1024", "--download"],
    "delivery": ["delivery.py", "--masters", "20", "--mb", "50"],
    "returns": ["returns.py", "--files", "10", "--mb", "100"],
    "comms": ["comms.py", "--pdfs", "20", "--mails", "200"],
    "backups": ["backups.py"],
}
QUICK: dict[str, list[str]] = {
    "transfer": ["transfer.py", "--sizes", "10e6,25e6", "--runs", "1"],
    "campaign": ["campaign.py", "--masters", "3", "--mb", "20", "--runs", "1"],
    "idle": ["idle.py", "--idle-seconds", "2", "--polls", "2", "--fresh", "1", "--jobs", "a2_a3"],
    "poll_scale": ["poll_scale.py", "--files", "30", "--new", "2", "--runs", "1"],
    "year": [
        "year.py",
        "--masters",
        "200",
        "--events",
        "2000",
        "--job-runs",
        "2000",
        "--runs",
        "1",
    ],
}
QUICK_EXTRA: dict[str, list[str]] = {
    "dam_stream": ["dam_stream.py", "--size-mib", "8"],
    "dam_import": ["dam_stream.py", "--size-mib", "8", "--upload"],
    "box_upload": ["box_upload.py", "--size-mib", "24", "--download"],
    "delivery": ["delivery.py", "--masters", "2", "--mb", "21"],
    "returns": ["returns.py", "--files", "2", "--mb", "2"],
    "comms": ["comms.py", "--pdfs", "1", "--mails", "3"],
    "backups": ["backups.py", "--masters", "100", "--events", "1000"],
}


@dataclass
class Outcome:
    name: str
    seconds: float
    output: str
    figures: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class LoadSampler:
    """The 1-minute load average every few seconds while the benchmarks run."""

    every: float = 5.0
    samples: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> LoadSampler:
        threading.Thread(target=self._sample, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.samples.append(harness.load_average()[0])
            self._stop.wait(self.every)


def run_one(name: str, argv: list[str], wants_json: bool) -> Outcome:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, str(HERE / argv[0]), *argv[1:]],
        capture_output=True,
        text=True,
        check=False,
        cwd=harness.ROOT,
    )
    seconds = time.perf_counter() - started
    print(f"{name:12} {'ok' if out.returncode == 0 else 'FAILED'} in {seconds:.0f} s", flush=True)
    if out.returncode != 0:
        return Outcome(name, seconds, out.stdout, error=out.stderr[-3000:] or "no output")
    if not wants_json:
        return Outcome(name, seconds, out.stdout)
    try:
        figures = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return Outcome(name, seconds, out.stdout, error="no JSON line at the end of its output")
    return Outcome(name, seconds, out.stdout, figures)


def run_all(quick: bool, only: list[str] | None) -> list[Outcome]:
    main, extra = (QUICK, QUICK_EXTRA) if quick else (FULL, FULL_EXTRA)
    todo = [(n, a, True) for n, a in main.items()] + [(n, a, False) for n, a in extra.items()]
    if only:
        todo = [t for t in todo if t[0] in only]
    # Quick: the figures do not count, so the scripts share the machine to finish sooner.
    # Full: one at a time, so that no benchmark disturbs another.
    with ThreadPoolExecutor(max_workers=4 if quick else 1) as pool:
        return list(pool.map(lambda t: run_one(*t), todo))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: check the scripts")
    parser.add_argument("--only", nargs="*", help="run only these benchmarks")
    parser.add_argument("--output", type=Path, help="where to write the table")
    args = parser.parse_args()
    output = args.output or (None if args.quick else HERE / "RESULTS.md")
    started = datetime.now(UTC)
    before = harness.load_average()
    with LoadSampler() as load:
        outcomes = run_all(args.quick, args.only)
    context = {
        "machine": harness.machine(),
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "duration_min": (datetime.now(UTC) - started).total_seconds() / 60,
        "commit": harness.commit(),
        "mode": "quick" if args.quick else "full",
        "load_before": before,
        "load_samples": load.samples or [before[0]],
        "outcomes": {o.name: o for o in outcomes},
    }
    if output is not None:
        output.write_text(render(context), encoding="utf-8")
        print(f"wrote {output}")
    failed = [o for o in outcomes if o.error]
    for outcome in failed:
        print(f"--- {outcome.name} failed:\n{outcome.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
