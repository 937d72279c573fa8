from __future__ import annotations

from ferrero_daemon.clients.db import Database
from ferrero_daemon.store.migrations import discover, migrate, require_current

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
