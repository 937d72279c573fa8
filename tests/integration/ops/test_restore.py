"""Restore: a good backup brings deleted rows back; a failing one changes nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import asyncpg
import pytest

from ferrero_daemon.backups import backup, catalog
from ferrero_daemon.backups.context import OpsContext, open_context
from ferrero_daemon.backups.layout import Kind
from ferrero_daemon.backups.restore import restore
from ferrero_daemon.clients.db import Database
from ferrero_daemon.errors import BackupError
from tests.fixtures.ops import seed_tracking_rows
from tests.postgres import PgServer


@pytest.fixture
async def admin(pg: PgServer) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(**pg.kwargs())
    yield conn
    await conn.close()


async def databases(admin: asyncpg.Connection, prefix: str) -> set[str]:
    rows = await admin.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "%")
    return {r["datname"] for r in rows}


async def masters(pg: PgServer, name: str) -> int:
    conn = await asyncpg.connect(**pg.kwargs(name))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM master_assets"))
    finally:
        await conn.close()


pytestmark = pytest.mark.usefixtures("side_databases_dropped")


async def test_restoring_a_good_backup_brings_back_deleted_rows(
    ops: OpsContext, database: Database, pg: PgServer, pg_database: str, admin: asyncpg.Connection
) -> None:
    await seed_tracking_rows(database, masters=8, events=20)
    good = await backup.take_logical(ops, Kind.DAILY)
    await database.execute("state_put", "a1_a2", "paused", json.dumps({"by": "operator"}))
    async with database.connection() as conn:
        await conn.execute("DELETE FROM asset_events")
        await conn.execute("DELETE FROM master_assets")

    done = await restore(ops, good.id)

    assert await masters(pg, pg_database) == 8
    assert await masters(pg, done.previous_database) == 0  # the old contents, kept aside
    assert done.safety is not None and done.safety.valid
    assert done.safety.manifest is not None
    assert done.safety.manifest.row_counts["public.master_assets"] == 0
    assert await databases(admin, f"{pg_database}_restore_") == set()


async def test_the_restore_pauses_jobs_and_resumes_only_its_own_pauses(
    ops: OpsContext, database: Database, pg: PgServer, pg_database: str, admin: asyncpg.Connection
) -> None:
    await database.execute("state_put", "a5_a6", "paused", json.dumps({"by": "operator"}))
    good = await backup.take_logical(ops, Kind.DAILY)

    done = await restore(ops, good.id, safety=False)

    conn = await asyncpg.connect(**pg.kwargs(pg_database))
    try:
        rows = await conn.fetch("SELECT workflow FROM workflow_state WHERE key = 'paused'")
    finally:
        await conn.close()
    assert [r["workflow"] for r in rows] == ["a5_a6"]  # the operator's pause stays
    assert done.safety is None


async def assert_untouched(pg: PgServer, pg_database: str, admin: asyncpg.Connection) -> None:
    assert await masters(pg, pg_database) == 3
    assert await databases(admin, f"{pg_database}_") == set()


async def test_a_damaged_backup_is_refused_before_anything_changes(
    ops: OpsContext, database: Database, pg: PgServer, pg_database: str, admin: asyncpg.Connection
) -> None:
    good = await backup.take_logical(ops, Kind.DAILY)
    await seed_tracking_rows(database, masters=3, events=0)
    with good.data.open("r+b") as handle:
        handle.seek(good.size // 2)
        handle.write(b"\x00" * 16)

    with pytest.raises(BackupError, match="failed verification, nothing was changed"):
        await restore(ops, good.id)
    await assert_untouched(pg, pg_database, admin)
    assert catalog.entries(ops.layout, [Kind.SAFETY]) == []  # refused before the safety dump


async def test_a_restore_that_does_not_match_its_manifest_leaves_the_live_database(
    ops: OpsContext, database: Database, pg: PgServer, pg_database: str, admin: asyncpg.Connection
) -> None:
    good = await backup.take_logical(ops, Kind.DAILY)
    await seed_tracking_rows(database, masters=3, events=0)
    data = json.loads(good.manifest_path.read_text())
    data["row_counts"]["public.master_assets"] = 99
    good.manifest_path.write_text(json.dumps(data))

    with pytest.raises(BackupError, match=r"does not match.*master_assets: 0 rows, expected 99"):
        await restore(ops, good.id)
    await assert_untouched(pg, pg_database, admin)
    paused = await database.fetch("state_list", "a1_a2")
    assert paused == []  # resumed


async def test_an_unknown_backup_id_names_the_list_command(ops: OpsContext) -> None:
    with pytest.raises(BackupError, match="restore --list"):
        await restore(ops, "20990101T000000Z")


async def test_a_running_daemon_is_asked_to_pause_and_resume_over_its_socket(
    make_config, database: Database, clock, backup_root, pg: PgServer, tmp_path
) -> None:
    requests: list[dict[str, str]] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(json.loads(await reader.readline()))
        writer.write(b'{"ok": true}\n')
        await writer.drain()
        writer.close()

    socket = tmp_path / "control.sock"
    server = await asyncio.start_unix_server(answer, path=str(socket))
    config = make_config(
        {
            "backups": {"root": str(backup_root), "min_free_gb": 0, "pg_bin_dir": str(pg.bin_dir)},
            "control": {"socket_path": str(socket)},
        }
    )
    try:
        async with open_context(config, database, clock) as ctx:
            good = await backup.take_logical(ctx, Kind.DAILY)
            await restore(ctx, good.id, safety=False)
    finally:
        server.close()
        await server.wait_closed()

    asked = [(r["cmd"], r["job"]) for r in requests]
    assert ("pause", "a1_a2") in asked and ("resume", "a1_a2") in asked
    assert asked.index(("pause", "a1_a2")) < asked.index(("resume", "a1_a2"))
    assert await database.fetch("state_list", "a1_a2") == []  # the daemon keeps the pause rows
