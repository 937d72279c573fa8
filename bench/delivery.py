"""A1→A2 benchmark: one campaign of N masters of M MB, DAM → Box through the emulators.

    .venv/bin/python bench/delivery.py [--masters 20] [--mb 50] [--parallelism 4]

Starts an embedded PostgreSQL, the OTMM and Box emulators (in this process: they
generate and hash content without holding it), runs the a1_a2 job once with the real
clients, and prints wall time, throughput and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ferrero_daemon.clients import db
from ferrero_daemon.config import Config, Secret, Secrets, parse_settings
from ferrero_daemon.sandbox.box import BoxEmulator
from ferrero_daemon.sandbox.otmm import OtmmEmulator
from tests.conftest import BASE_SETTINGS, TEST_SECRETS, database_settings, deep_merge
from tests.integration.delivery_world import open_world
from tests.postgres import build_template, create_database, start_server


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(masters: int, mb: int, parallelism: int) -> None:
    server = start_server()
    await build_template(server)
    name = await create_database(server)
    secrets = dict(TEST_SECRETS)
    if server.password:
        secrets["db_password"] = server.password

    def make_config(overrides: dict[str, Any], extra: dict[str, str]) -> Config:
        data = deep_merge(BASE_SETTINGS, {"database": database_settings(server, name)})
        data = deep_merge(data, overrides)
        values = {**secrets, **extra}
        return Config(
            parse_settings(data), Secrets({k: Secret(v, "bench") for k, v in values.items()})
        )

    jobs = {"jobs": {"a1_a2": {"schedule": "*/5 * * * *", "parallelism": parallelism}}}
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            OtmmEmulator(data_dir=Path(tmp) / "otmm") as otmm,
            BoxEmulator() as box,
        ):
            database = await db.connect(make_config({}, {}), min_size=1)
            async with open_world(otmm, box, make_config, database, jobs, box_tuning={}) as world:
                size = mb * 1_000_000
                world.campaign(
                    "B-1", "Bench", [(f"Master {i:02}.mp4", size) for i in range(masters)]
                )
                before = rss_mb()
                start = time.perf_counter()
                report = await world.run("a1_a2")
                wall = time.perf_counter() - start
            await database.close()
    total = masters * mb
    print(f"masters:      {masters} x {mb} MB = {total} MB, parallelism {parallelism}")
    print(f"outcome:      {report.outcome} {dict(report.counts)}")
    for failure in report.failures:
        print(f"  failed:     {failure.item}: {failure.reason}")
    print(f"wall time:    {wall:.2f} s ({total / wall:.0f} MB/s)")
    print(f"RSS before:   {before:.0f} MB")
    print(f"peak RSS:     {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masters", type=int, default=20)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--parallelism", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(main(args.masters, args.mb, args.parallelism))
