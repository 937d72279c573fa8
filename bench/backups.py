"""Figures for backups: dump, full-read verify, test restore and base backup times.

    .venv/bin/python bench/backups.py [--masters 20000] [--events 200000]

Starts a PostgreSQL from the ``pgserver`` wheel, migrates a database, fills it with
masters and events shaped like ours, then times each step as the jobs run it and
prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ferrero_daemon.backups import backup, scratch, verify
from ferrero_daemon.backups.context import open_context
from ferrero_daemon.backups.layout import Kind
from ferrero_daemon.clients import db
from tests import configs
from tests.postgres import build_template, create_database, start_server


async def seed(database: db.Database, masters: int, events: int) -> None:
    async with database.connection() as conn:
        await conn.execute("INSERT INTO campaign_status (campaign_id, status) VALUES ('c', 'A2')")
        await conn.execute(
            "INSERT INTO master_assets (tracking_id, dam_asset_id, workflow, campaign_id,"
            " original_filename, box_filename, metadata)"
            " SELECT 'T' || i, 'd' || i, 'a1_a2', 'c', 'm' || i || '.mp4', 'b' || i || '.mp4',"
            " jsonb_build_object('brand', 'Nutella', 'n', i) FROM generate_series(1, $1) i",
            masters,
        )
        await conn.execute(
            "INSERT INTO asset_events (workflow, event, tracking_id, detail)"
            " SELECT 'a1_a2', 'master_delivered', 'T' || (i % $2 + 1), jsonb_build_object('i', i)"
            " FROM generate_series(1, $1) i",
            events,
            masters,
        )


async def timed(figures: dict[str, Any], name: str, step: Any) -> Any:
    started = time.perf_counter()
    result = await step
    figures[name] = round(time.perf_counter() - started, 3)
    return result


async def main(masters: int, events: int) -> dict[str, Any]:
    pg = start_server()
    await build_template(pg)
    name = await create_database(pg)
    root = Path(tempfile.mkdtemp(prefix="ferrero-bench-backups-"))
    backups = {"root": str(root), "min_free_gb": 0, "pg_bin_dir": str(pg.bin_dir)}
    config = configs.config({"backups": backups}, pg=pg, database=name)
    database = await db.connect(config, min_size=1)
    figures: dict[str, Any] = {"masters": masters, "events": events}
    try:
        await timed(figures, "seed_s", seed(database, masters, events))
        async with open_context(config, database, lambda: datetime.now(UTC)) as ctx:
            entry = await timed(
                figures, "daily_dump_and_verify_s", backup.take_logical(ctx, Kind.DAILY)
            )
            figures["dump_bytes"] = entry.size
            await timed(figures, "full_read_s", verify.full_read(ctx, entry.data))
            trial = await timed(figures, "test_restore_s", scratch.trial(ctx, entry))
            figures["test_restore_ok"] = trial.ok
            weekly = await timed(
                figures, "weekly_base_backup_and_verify_s", backup.take_physical(ctx)
            )
            figures["base_backup_bytes"] = weekly.size
    finally:
        await database.close()
        shutil.rmtree(root, ignore_errors=True)  # the dumps: nothing else reads them
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--masters", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.masters, args.events)), indent=2))
