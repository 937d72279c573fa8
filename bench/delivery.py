"""A1→A2 benchmark: one campaign of N masters of M MB, DAM → Box through the emulators.

    .venv/bin/python bench/delivery.py [--masters 20] [--mb 50] [--parallelism 4]

The OTMM and Box emulators run as their own processes (``ferrero-daemon emulate``), so
the peak RSS printed is the daemon side's alone: the a1_a2 job with the real clients,
an embedded PostgreSQL and the outbox, exactly as the daemon runs it. Masters are
seeded content (known SHA-1, never held in memory by the emulator).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ferrero_daemon.clients import db  # noqa: E402
from ferrero_daemon.clients.box.client import BoxApiClient  # noqa: E402
from ferrero_daemon.clients.otmm.client import OtmmClient  # noqa: E402
from ferrero_daemon.config import Config  # noqa: E402
from ferrero_daemon.jobs import RunContext, resolve  # noqa: E402
from ferrero_daemon.outbox.queue import Outbox  # noqa: E402
from ferrero_daemon.services import Services  # noqa: E402
from tests import configs  # noqa: E402
from tests.integration.delivery_world import NoScorer  # noqa: E402
from tests.postgres import build_template, create_database, start_server  # noqa: E402


def emulator(name: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ferrero_daemon", "emulate", name],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


async def seed(http: httpx.AsyncClient, otmm: str, config: Config, masters: int, size: int) -> None:
    f = config.settings.dam.fields
    meta = {
        f.campaign_status: "A1",
        f.campaign_type: "Local comm",
        f.campaign_number: "B-1",
        f.campaign_name: "Bench",
    }
    reply = await http.post(
        f"{otmm}/_admin/campaigns", json={"name": "B-1 Bench", "metadata": meta}
    )
    campaign = reply.raise_for_status().json()["id"]
    for i in range(masters):
        asset = {"folder_id": campaign, "name": f"Master {i:02}.mp4", "size": size, "seed": i}
        (await http.post(f"{otmm}/_admin/assets", json=asset)).raise_for_status()


async def configure(http: httpx.AsyncClient, otmm: str, box: str, parallelism: int) -> Config:
    dam_side = (await http.get(f"{otmm}/_admin/config")).raise_for_status().json()
    box_side = (await http.get(f"{box}/_admin/app")).raise_for_status().json()
    server = start_server()
    await build_template(server)
    name = await create_database(server)
    jobs = {"jobs": {"a1_a2": {"schedule": "*/5 * * * *", "parallelism": parallelism}}}
    data: dict[str, Any] = {}
    for part in ({k: v for k, v in dam_side.items() if k != "secrets"}, box_side["config"], jobs):
        data = configs.deep_merge(data, part)
    secrets = {**dam_side["secrets"], **box_side["secrets"]}
    return configs.config(data, secrets, pg=server, database=name)


async def deliver(config: Config) -> Any:
    database = await db.connect(config, min_size=1)
    try:
        async with OtmmClient.from_config(config) as dam, BoxApiClient.from_config(config) as box:
            services = Services(
                config, database, dam, box, Outbox(database), NoScorer(), lambda: datetime.now(UTC)
            )
            run = RunContext(
                "a1_a2", uuid.uuid4().hex[:12], "manual", False, lambda: datetime.now(UTC)
            )
            start = time.perf_counter()
            report = await resolve("a1_a2")(services, run)
            return report, time.perf_counter() - start, run.progress
    finally:
        await database.close()


async def main(masters: int, mb: int, parallelism: int) -> None:
    procs = [emulator("otmm"), emulator("box")]
    (_, otmm), (_, box) = procs
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            config = await configure(http, otmm, box, parallelism)
            await seed(http, otmm, config, masters, mb * 1_000_000)
        before = peak_rss_mb()
        report, wall, progress = await deliver(config)
    finally:
        for proc, _ in procs:
            proc.terminate()
            proc.wait()
    total = masters * mb
    print(f"masters:        {masters} x {mb} MB = {total} MB, parallelism {parallelism}")
    print(f"outcome:        {report.outcome} {dict(report.counts)}")
    for failure in report.failures:
        print(f"  failed:       {failure.item}: {failure.reason}")
    print(
        f"moved:          {progress.bytes / 1e6:.0f} MB ({progress.done}/{progress.total} masters)"
    )
    print(f"wall time:      {wall:.2f} s ({total / wall:.0f} MB/s)")
    print(f"peak RSS:       {peak_rss_mb():.0f} MB (daemon side; {before:.0f} MB before the run)")
    print(f"emulators' RSS: {peak_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB (largest child)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masters", type=int, default=20)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--parallelism", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(main(args.masters, args.mb, args.parallelism))
