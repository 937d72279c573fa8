"""A year's volume: the daily report and the backups over a full tracking database.

    .venv/bin/python bench/year.py [--masters 20000] [--events 200000] [--runs 3]

Seeds the bench stack's database with a year: ``--masters`` master rows, ``--events``
asset events spread over the last 365 days (every workflow, 5 % failed), and the
``job_runs`` a year of polls writes (five polls every five minutes: 525,600 rows).
Then, ``--runs`` times each:

- ``report``: the daily report of a day of that year, gathered and rendered as the
  19:00 job does (the queries, the figures, the template), against the same over the
  empty database measured in the same run: the difference is what the volume costs;
- ``backup``: the daily job's logical dump and its verification, the full read-back,
  and the test restore into a scratch database, against a bare ``pg_dump -Fc`` of
  the same database to /dev/null.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import harness
from harness import MB, median
from stack import BenchStack, workdir

WORKFLOWS = ["a1_a2", "a2_a3", "a5_a6", "b1_b2", "creativex"]
POLLS_A_YEAR = 5 * 12 * 24 * 365


async def seed(db: asyncpg.Connection, masters: int, events: int, runs: int) -> None:
    await db.execute(
        "INSERT INTO campaign_status (campaign_id, status)"
        " SELECT 'c' || i, 'A3' FROM generate_series(1, $1) i",
        max(1, masters // 50),
    )
    await db.execute(
        "INSERT INTO master_assets (tracking_id, dam_asset_id, workflow, campaign_id,"
        " original_filename, box_filename, metadata)"
        " SELECT 'T' || i, 'd' || i, 'a1_a2', 'c' || (i % $2 + 1), 'm' || i || '.mp4',"
        " 'b' || i || '.mp4', jsonb_build_object('brand', 'Nutella', 'n', i)"
        " FROM generate_series(1, $1) i",
        masters,
        max(1, masters // 50),
    )
    await db.execute(
        "INSERT INTO asset_events (occurred_at, workflow, event, outcome, campaign_id,"
        " tracking_id, bytes, detail)"
        " SELECT now() - random() * interval '365 days', ($3::text[])[i % 5 + 1],"
        " 'bench_event', CASE WHEN i % 20 = 0 THEN 'failed' ELSE 'ok' END,"
        " 'c' || (i % $4 + 1), 'T' || (i % $2 + 1), 20000000,"
        " CASE WHEN i % 20 = 0 THEN jsonb_build_object('reason', 'DAM unreachable')"
        " ELSE jsonb_build_object('i', i) END"
        " FROM generate_series(1, $1) i",
        events,
        masters,
        WORKFLOWS,
        max(1, masters // 50),
    )
    await db.execute(
        "INSERT INTO job_runs (run_id, job, trigger, started_at, finished_at, outcome)"
        " SELECT 'r' || i, ($2::text[])[i % 5 + 1], 'schedule',"
        " now() - (i * interval '1 minute'), now() - (i * interval '1 minute'), 'succeeded'"
        " FROM generate_series(1, $1) i",
        runs,
        WORKFLOWS,
    )
    await db.execute("ANALYZE")


async def report(stack: BenchStack, day: date) -> float:
    """Gather the day's figures and render the mail, as the 19:00 job does; seconds."""
    from ferrero_daemon.clients import db
    from ferrero_daemon.config import load_config
    from ferrero_daemon.report import daily, periods
    from ferrero_daemon.report.gather import gather

    config = load_config(stack.config_path)
    database = await db.connect(config, min_size=1)
    try:
        now = datetime.now(UTC)
        started = time.perf_counter()
        period = await periods.chosen(database, config, day, now)
        daily.text(await gather(database, config, period, now))
        return time.perf_counter() - started
    finally:
        await database.close()


def pg_dump(stack: BenchStack) -> float:
    pg = stack.postgres
    assert pg is not None
    argv = [str(pg.bin_dir / "pg_dump"), "-Fc", "-h", pg.host, "-p", str(pg.port)]
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run([*argv, "-U", pg.user, pg.database], check=True, stdout=sink)
    return time.perf_counter() - started


async def backup(stack: BenchStack) -> dict[str, float]:
    from ferrero_daemon.backups import backup as backups
    from ferrero_daemon.backups import scratch, verify
    from ferrero_daemon.backups.context import open_context
    from ferrero_daemon.backups.layout import Kind
    from ferrero_daemon.clients import db
    from ferrero_daemon.config import load_config

    config = load_config(stack.config_path)
    database = await db.connect(config, min_size=1)
    figures: dict[str, float] = {}
    try:
        async with open_context(config, database, lambda: datetime.now(UTC)) as ctx:
            started = time.perf_counter()
            entry = await backups.take_logical(ctx, Kind.MANUAL)
            figures["dump_and_verify_s"] = time.perf_counter() - started
            started = time.perf_counter()
            await verify.full_read(ctx, entry.data)
            figures["full_read_s"] = time.perf_counter() - started
            started = time.perf_counter()
            trial = await scratch.trial(ctx, entry)
            figures["test_restore_s"] = time.perf_counter() - started
            if not trial.ok:
                raise RuntimeError(f"test restore failed: {trial}")
            figures["dump_mb"] = entry.size / MB
    finally:
        await database.close()
    figures["total_s"] = (
        figures["dump_and_verify_s"] + figures["full_read_s"] + figures["test_restore_s"]
    )
    return figures


async def measure(masters: int, events: int, job_runs: int, runs: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"masters": masters, "events": events, "job_runs": job_runs}
    async with BenchStack(workdir("fb-y-"), schedules="default") as stack:
        os.environ.update(stack.daemon_env())
        pg = stack.postgres
        assert pg is not None
        day = (datetime.now(UTC) - timedelta(days=100)).date()
        await report(stack, day)  # imports, template compilation: not the volume's cost
        empty = [await report(stack, day) for _ in range(runs)]
        db = await asyncpg.connect(host=pg.host, port=pg.port, user=pg.user, database=pg.database)
        try:
            started = time.perf_counter()
            await seed(db, masters, events, job_runs)
            figures["seed_s"] = round(time.perf_counter() - started, 1)
            figures["database_mb"] = round(
                await db.fetchval("SELECT pg_database_size(current_database())") / MB, 1
            )
        finally:
            await db.close()
        full = [await report(stack, day) for _ in range(runs)]
        figures["report_empty_s"] = round(median(empty), 3)
        figures["report_year_s"] = round(median(full), 3)
        figures["report_ratio"] = round(median(full) / median(empty), 2)
        rows = []
        for _ in range(runs):
            bare = await asyncio.to_thread(pg_dump, stack)
            ours = await backup(stack)
            rows.append(ours | {"pg_dump_s": bare, "ratio": ours["total_s"] / bare})
        figures["backup"] = {key: round(median(r[key] for r in rows), 3) for key in rows[0]}
    stack.remove()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masters", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--job-runs", type=int, default=POLLS_A_YEAR)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    harness.emit(asyncio.run(measure(args.masters, args.events, args.job_runs, args.runs)))


if __name__ == "__main__":
    main()
