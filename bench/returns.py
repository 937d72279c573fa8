"""A2→A3 benchmark: N agency files of M MB, Box → DAM through the emulators.

    .venv/bin/python bench/returns.py [--files 10] [--mb 100]

Starts an embedded PostgreSQL and the Box and OTMM emulators (in this process; Box
generates the files' content without holding it, OTMM spools imports to disk), runs
the a2_a3 job once with the real clients, and prints wall time, throughput and the
process's peak RSS: memory stays flat whatever the file size.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ferrero_daemon.clients.db import connect
from ferrero_daemon.sandbox.box.auth import BoxApp
from tests import configs
from tests.postgres import build_template, create_database, start_server
from tests.returns_world import world


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(files: int, mb: int) -> None:
    server = start_server()
    await build_template(server)
    make_config = functools.partial(
        configs.config, pg=server, database=await create_database(server)
    )
    database = await connect(make_config(), min_size=1)
    async with world(make_config, database, BoxApp.generate()) as w:
        campaign = await w.campaign("A2")
        tid = await w.master(campaign)
        size = mb * 1_000_000
        for i in range(files):
            agency = f"Nutella_C{i:02}_de_1_OMG_{tid}.mp4"
            w.boxe.create_file(w.folders["a2_a3"], agency, size=size, seed=i)
        before = peak_rss_mb()
        start = time.perf_counter()
        report = await w.run("a2_a3")
        wall = time.perf_counter() - start
    await database.close()
    total = files * mb
    print(f"files:        {files} x {mb} MB = {total} MB")
    print(f"outcome:      {report.outcome} {dict(report.counts)}")
    for failure in report.failures:
        print(f"  failed:     {failure.item}: {failure.reason}")
    print(f"wall time:    {wall:.2f} s ({total / wall:.0f} MB/s)")
    print(f"peak RSS:     {before:.0f} MB before the run, {peak_rss_mb():.0f} MB after")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--mb", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.files, args.mb))
