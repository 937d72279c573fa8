"""Backups on a real PostgreSQL: taken, verified by a full read, restored, damaged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ferrero_daemon.backups import backup, catalog, health, manifest, scratch, verify
from ferrero_daemon.backups.context import OpsContext, open_context
from ferrero_daemon.backups.layout import Kind
from ferrero_daemon.backups.rowcounts import count_rows
from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from ferrero_daemon.errors import BackupError
from tests.fixtures.ops import Clock, seed_tracking_rows


def damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "truncated":
        os.truncate(path, size // 2)
    else:  # eight bytes overwritten in the table data, the size unchanged
        with path.open("r+b") as handle:
            handle.seek(size * 3 // 4)
            handle.write(b"\xff" * 8)


async def test_a_daily_backup_restores_to_identical_row_counts(
    ops: OpsContext, database: Database
) -> None:
    await seed_tracking_rows(database, masters=12, events=30)
    entry = await backup.take_logical(ops, Kind.DAILY)

    assert entry.manifest is not None
    async with database.connection() as conn:
        live = await count_rows(conn)
    assert entry.manifest.row_counts == live
    assert entry.manifest.row_counts["public.master_assets"] == 12
    assert entry.manifest.verification.full_read_ok
    trial = await scratch.trial(ops, entry)
    assert trial.ok, trial.detail
    assert trial.counts_match


async def test_the_backup_tree_is_private_and_has_no_leftovers(
    ops: OpsContext, backup_root: Path
) -> None:
    entry = await backup.take_logical(ops, Kind.MANUAL)

    for directory in (backup_root, backup_root / "manual", backup_root / "tmp"):
        assert directory.stat().st_mode & 0o777 == 0o700
    assert not list((backup_root / "tmp").iterdir())
    assert [e.id for e in catalog.entries(ops.layout)] == [entry.id]
    assert entry.manifest_path.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("how", ["truncated", "bit-flipped"])
async def test_a_damaged_dump_fails_verification_and_the_check(
    ops: OpsContext, database: Database, how: str
) -> None:
    await seed_tracking_rows(database, masters=50, events=3000)
    entry = await backup.take_logical(ops, Kind.DAILY)
    damage(entry.data, how)

    reverified = await backup.reverify(ops, entry)
    assert not reverified.ok
    result = await health.run_check(ops)
    assert not result.healthy
    assert any(f"daily backup {entry.id} is damaged" in p for p in result.problems)


async def test_the_full_read_catches_what_listing_misses(
    ops: OpsContext, database: Database
) -> None:
    await seed_tracking_rows(database, masters=50, events=3000)
    entry = await backup.take_logical(ops, Kind.DAILY)
    damage(entry.data, "bit-flipped")

    listing = await ops.tools.run("pg_restore", "--list", str(entry.data), time_limit=30)
    assert listing.ok  # the table of contents still reads: listing alone is not enough
    result = await verify.full_read(ops, entry.data)
    assert not result.full_read_ok
    assert "pg_restore exited with 1" in result.detail


async def test_a_weekly_base_backup_is_verified_by_pg_verifybackup(ops: OpsContext) -> None:
    entry = await backup.take_physical(ops)

    assert entry.manifest is not None and entry.valid
    names = {f.name for f in entry.manifest.files}
    assert {"base.tar.gz", "pg_wal.tar.gz", "backup_manifest"} <= names
    # Tamper with the recorded manifest so only pg_verifybackup can tell.
    (entry.data / "backup_manifest").write_text("not a manifest", encoding="utf-8")
    files = tuple(
        manifest.file_entry(entry.data / f.name) if f.name == "backup_manifest" else f
        for f in entry.manifest.files
    )
    result = await verify.physical(ops, entry.data, files)
    assert not result.full_read_ok
    assert "pg_verifybackup" in result.detail


async def test_one_backup_at_a_time(ops_config: Config, database: Database, clock: Clock) -> None:
    async with open_context(ops_config, database, clock):
        with pytest.raises(BackupError, match="another backup"):
            async with open_context(ops_config, database, clock, lock_wait=0.3):
                pass


async def test_the_periodic_test_restore_is_recorded_and_not_repeated_until_due(
    ops: OpsContext, clock: Clock
) -> None:
    entry = await backup.take_logical(ops, Kind.DAILY)
    first = await health.run_check(ops)
    assert first.healthy, first.problems
    stored = manifest.read(entry.manifest_path).verification.test_restore
    assert stored is not None and stored.ok

    found = catalog.entries(ops.layout)
    again = await health.latest_trial(ops, found)
    assert again == stored  # not due yet: the recorded one is reused


async def test_a_backup_too_big_for_the_disk_is_refused(
    make_config, database: Database, clock: Clock, backup_root: Path, pg
) -> None:
    config = make_config(
        {"backups": {"root": str(backup_root), "min_free_gb": 10**9, "pg_bin_dir": str(pg.bin_dir)}}
    )
    async with open_context(config, database, clock) as ctx:
        with pytest.raises(BackupError, match="not enough free space"):
            await backup.take_logical(ctx, Kind.DAILY)
    assert not list((backup_root / "daily").iterdir())
