from __future__ import annotations

import asyncpg
import pytest

from ferrero_daemon.clients.db import Database
from ferrero_daemon.errors import SchemaError
from ferrero_daemon.store.migrations import discover, migrate, require_current
from tests.postgres import PgServer, create_database, drop_database

CHECKLIST_TABLES = {
    "master_assets",
    "derivative_assets",
    "creativex_scores",
    "campaign_status",
    "asset_events",
    "workflow_state",
}


async def test_checklist_tables_exist(database: Database) -> None:
    async with database.connection() as conn:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    names = {r["tablename"] for r in rows}
    assert names >= CHECKLIST_TABLES
    assert {"schema_migrations", "job_runs", "notification_outbox", "scheduler_lease"} <= names


async def test_creativex_scores_has_ten_columns_and_three_indexes(database: Database) -> None:
    async with database.connection() as conn:
        columns = await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'creativex_scores'"
        )
        indexes = await conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'creativex_scores'"
        )
    assert len(columns) == 10
    assert len(indexes) == 3


async def test_migrations_applied_twice_change_nothing(database: Database) -> None:
    assert await migrate(database) == []
    assert await require_current(database) == max(m.version for m in discover())


async def test_the_old_scripts_database_is_refused_and_left_as_it_was(pg: PgServer) -> None:
    name = await create_database(pg, template="template0")
    conn = await asyncpg.connect(**pg.kwargs(name))
    try:
        # What database/init.sql of the old scripts made: the same names, other columns.
        await conn.execute(
            "CREATE TABLE master_assets (id serial PRIMARY KEY, tracking_id text);"
            "CREATE TABLE campaign_status (id serial PRIMARY KEY, status text);"
        )
        with pytest.raises(SchemaError, match="not made by ferrero-daemon") as refused:
            await migrate(Database(conn))
        assert "CREATE DATABASE ferrero_daemon" in str(refused.value)
        tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}  # fmt: skip
        assert tables == {"master_assets", "campaign_status"}
    finally:
        await conn.close()
        await drop_database(pg, name)
