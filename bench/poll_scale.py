"""Poll at scale: the daemon's A2→A3 poll of a Box folder that holds 5,000 files.

    .venv/bin/python bench/poll_scale.py [--files 5000] [--new 10] [--runs 3]

In this design a file never stays in the watched folder after a poll: it is taken
into the DAM and deleted, or set aside into ``_needs_attention`` (inside the watched
folder) with an open ``attention_items`` row. So the folder "holding 5,000 files"
is measured three ways, each a real ``a2_a3`` run of the daemon:

- ``none new``: 5,000 files set aside earlier (in ``_needs_attention``, 5,000 open
  rows), nothing new in the watched folder;
- ``10 new``: the same, plus 10 agency files of 1 MB for a delivered master, which
  go into the DAM;
- ``5,000 waiting, dry run``: 5,000 files in the watched folder itself, read and
  planned one by one, nothing changed (``trigger --dry-run``).

For each: wall time, requests the Box and OTMM emulators answered, the daemon's CPU
time and its peak RSS during the run (``VmHWM`` reset before it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

import asyncpg
import harness
from harness import MB, median
from stack import BenchDaemon, BenchStack, workdir


async def tracking_id(stack: BenchStack) -> str:
    """Deliver one master through A1→A2; its tracking ID names the agencies' files."""
    from ferrero_daemon.config import load_config

    fields = load_config(stack.config_path).settings.dam.fields
    metadata = {
        fields.campaign_status: "A1",
        fields.campaign_type: "Local comm",
        fields.campaign_number: "P-1",
        fields.campaign_name: "Poll",
    }
    campaign = stack.otmm.admin("campaigns", {"name": "P-1 Poll", "metadata": metadata})["id"]
    stack.otmm.admin("assets", {"folder_id": campaign, "name": "Spot.mp4", "size": MB, "seed": 7})
    return campaign


async def set_aside(stack: BenchStack, db: asyncpg.Connection, folder: str, count: int) -> None:
    attention = stack.box.admin("folders", {"parent_id": folder, "name": "_needs_attention"})
    rows = []
    for i in range(count):
        name = f"agency upload {i:05}.mp4"
        item = stack.box.admin(
            "files", {"folder_id": attention["id"], "name": name, "size": 1000, "seed": i}
        )
        rows.append((item["id"], "a2_a3", name, "bench: not an agency file name", item["sha1"]))
    await db.executemany(
        "INSERT INTO attention_items (box_file_id, workflow, file_name, reason, sha1, reported_at)"
        " VALUES ($1, $2, $3, $4, $5, now())",
        rows,
    )


async def one(daemon: BenchDaemon, stack: BenchStack, *, dry_run: bool = False) -> dict[str, Any]:
    requests = stack.box.request_count() + stack.otmm.request_count()
    daemon.reset_peak()
    cpu, started = daemon.cpu(), time.perf_counter()
    result = await daemon.run("a2_a3", dry_run=dry_run)
    wall = time.perf_counter() - started
    if result["outcome"] != "succeeded":
        raise RuntimeError(f"a2_a3 failed: {result}")
    return {
        "wall_s": wall,
        "requests": stack.box.request_count() + stack.otmm.request_count() - requests,
        "cpu_s": daemon.cpu() - cpu,
        "peak_rss_mb": daemon.peak(),
        "counts": result["counts"],
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "wall_s": round(median(r["wall_s"] for r in rows), 3),
        "requests": int(median(r["requests"] for r in rows)),
        "cpu_s": round(median(r["cpu_s"] for r in rows), 3),
        "peak_rss_mb": round(max(r["peak_rss_mb"] for r in rows), 1),
        "counts": rows[-1]["counts"],
    }


async def measure(files: int, new: int, runs: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"files": files, "new": new, "runs": runs}
    async with BenchStack(workdir("fb-p-")) as stack:
        os.environ.update(stack.daemon_env())
        pg = stack.postgres
        assert pg is not None
        db = await asyncpg.connect(host=pg.host, port=pg.port, user=pg.user, database=pg.database)
        daemon = await BenchDaemon(stack).start()
        try:
            await daemon.quiet()
            await tracking_id(stack)
            await daemon.run("a1_a2")
            tid = await db.fetchval("SELECT tracking_id FROM master_assets LIMIT 1")
            folder = stack.settings()["box"]["folders"]["a2_a3"]
            await set_aside(stack, db, folder, files)
            await one(daemon, stack)  # the first run after start-up warms the pools
            figures["none_new"] = summary([await one(daemon, stack) for _ in range(runs)])
            rows = []
            for run in range(runs):
                for i in range(new):
                    name = f"Nutella_C{run}{i:02}_de_1_OMG_{tid}.mp4"
                    stack.box.admin(
                        "files", {"folder_id": folder, "name": name, "size": MB, "seed": i}
                    )
                rows.append(await one(daemon, stack))
            figures["ten_new"] = summary(rows)
            for i in range(files):
                name = f"not an agency name {i:05}.mp4"
                stack.box.admin(
                    "files", {"folder_id": folder, "name": name, "size": 1000, "seed": i}
                )
            figures["waiting_dry_run"] = summary(
                [await one(daemon, stack, dry_run=True) for _ in range(runs)]
            )
            figures["rss_after_mb"] = round(daemon.rss(), 1)
        finally:
            await daemon.stop()
            await db.close()
    stack.remove()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--new", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    harness.emit(asyncio.run(measure(args.files, args.new, args.runs)))


if __name__ == "__main__":
    main()
