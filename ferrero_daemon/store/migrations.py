"""Schema migrations: numbered plain-SQL files in ``schema/``, applied in order.

``NNN_name.sql`` files run once each, inside one transaction per file, under a
PostgreSQL advisory lock so two processes never migrate at the same time. A
file changed after it was applied is reported, not silently re-run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from ferrero_daemon.clients.db import Connection, Database
from ferrero_daemon.errors import SchemaError
from ferrero_daemon.resources import schema_dir

SCHEMA_DIR = schema_dir()
_FILE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 0x46455252  # "FERR"

_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = SCHEMA_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise SchemaError(f"schema file {path.name} is not named NNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise SchemaError(f"two schema files share a version number in {directory}")
    return found


async def pending(db: Database, directory: Path = SCHEMA_DIR) -> list[Migration]:
    async with db.connection() as conn:
        exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    applied: dict[int, str] = {}
    if exists:
        applied = {r["version"]: r["checksum"] for r in await db.fetch("migrations_applied")}
    todo = []
    for migration in discover(directory):
        if migration.version not in applied:
            todo.append(migration)
        elif applied[migration.version] != migration.checksum:
            raise SchemaError(
                f"schema/{migration.version:03d}_{migration.name}.sql changed after it was "
                "applied; add a new migration instead of editing an old one"
            )
    return todo


# The checklist's tables: the old scripts' database (database/init.sql) has them too.
CHECKLIST_TABLES = (
    "master_assets",
    "derivative_assets",
    "creativex_scores",
    "campaign_status",
    "asset_events",
    "workflow_state",
)


async def refuse_foreign_schema(conn: Connection) -> None:
    """A database with the checklist's tables but no record of our migrations is not ours.

    It is most likely the old scripts' database: their tables have other columns, and
    the daemon does not convert them. Refuse before writing anything to it.
    """
    if await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
        return
    found = [t for t in CHECKLIST_TABLES if await conn.fetchval("SELECT to_regclass($1)", t)]
    if found:
        database = await conn.fetchval("SELECT current_database()")
        raise SchemaError(
            f"database {database!r} already holds {', '.join(found)} but no schema_migrations: "
            "it was not made by ferrero-daemon (the old scripts' database?). Nothing was "
            "changed. Give the daemon a database of its own: CREATE DATABASE ferrero_daemon "
            'OWNER <user>; then [database] name = "ferrero_daemon" (deploy/CUTOVER.md, step 7)'
        )


async def migrate(db: Database, directory: Path = SCHEMA_DIR) -> list[Migration]:
    """Apply what is pending; return what was applied (empty the second time)."""
    async with db.connection() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            await refuse_foreign_schema(conn)
            await conn.execute(_BOOTSTRAP)
            bound = Database(conn)
            todo = await pending(bound, directory)
            for migration in todo:
                await _apply(conn, bound, migration)
            return todo
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)


async def _apply(conn: Connection, db: Database, migration: Migration) -> None:
    async with conn.transaction():
        try:
            await conn.execute(migration.sql)
        except asyncpg.PostgresError as exc:
            raise SchemaError(
                f"migration {migration.version:03d}_{migration.name} failed: {exc}"
            ) from exc
        await db.execute("migration_record", migration.version, migration.name, migration.checksum)


async def require_current(db: Database, directory: Path = SCHEMA_DIR) -> int:
    """Refuse to run on an old schema; return the current version."""
    todo = await pending(db, directory)
    if todo:
        names = ", ".join(f"{m.version:03d}_{m.name}" for m in todo)
        raise SchemaError(
            f"the database schema is not current (pending: {names}); run `ferrero-daemon migrate`"
        )
    version: int = await db.fetchval("schema_version")
    return version
