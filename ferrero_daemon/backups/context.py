"""What every backup, check and restore works with, opened once per run."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from ferrero_daemon import logs
from ferrero_daemon.backups.layout import Layout, backup_lock
from ferrero_daemon.backups.ownership import ROOT_UID, Owner, chown_target, hand_over, lookup_owner
from ferrero_daemon.backups.pgtools import PgTools, find_tools, libpq_env
from ferrero_daemon.clients.db import Database, connect, dsn_kwargs
from ferrero_daemon.config import BackupConfig, Config, load_config
from ferrero_daemon.errors import BackupError

_MAINTENANCE_DB = "postgres"


@dataclass(frozen=True)
class OpsContext:
    config: Config
    db: Database
    layout: Layout
    tools: PgTools
    clock: Callable[[], datetime]

    @property
    def settings(self) -> BackupConfig:
        return self.config.settings.backups

    @property
    def database(self) -> str:
        return self.config.settings.database.name

    @property
    def timeout(self) -> float:
        return self.settings.timeout_minutes * 60

    def now(self) -> datetime:
        return self.clock()

    def connect_kwargs(self, database: str) -> dict[str, Any]:
        settings = self.config.settings.database
        kwargs = dsn_kwargs(settings, self.config.secrets.optional("db_password"))
        kwargs["database"] = database
        return kwargs

    @contextlib.asynccontextmanager
    async def connect(self, database: str = _MAINTENANCE_DB) -> AsyncIterator[asyncpg.Connection]:
        """A connection of its own (CREATE/DROP/RENAME DATABASE cannot run on the pool)."""
        try:
            conn = await asyncpg.connect(**self.connect_kwargs(database))
        except (OSError, asyncpg.PostgresError) as exc:
            raise BackupError(f"cannot connect to database {database!r}: {exc}") from exc
        try:
            yield conn
        finally:
            await conn.close()


async def server_major(db: Database) -> int:
    async with db.connection() as conn:
        return int(await conn.fetchval("SHOW server_version_num")) // 10000


@contextlib.asynccontextmanager
async def open_context(
    config: Config, db: Database, clock: Callable[[], datetime], *, lock_wait: float = 0
) -> AsyncIterator[OpsContext]:
    """Take the backup lock, find the tools and open their environment."""
    settings = config.settings.backups
    layout = Layout(settings.root)
    layout.ensure(clock())  # the tree, and `since` on the first use of this root
    wait = lock_wait or settings.timeout_minutes * 60
    async with backup_lock(layout, wait):
        password = config.secrets.optional("db_password")
        with libpq_env(config.settings.database, password, layout.tmp) as env:
            tools = await find_tools(settings.pg_bin_dir, await server_major(db), env)
            yield OpsContext(config, db, layout, tools, clock)


def utc_now() -> datetime:
    return datetime.now(UTC)


def cli_owner(service_user: str, euid: int | None = None) -> Owner | None:
    """Whom a command hands the files it writes to: the service user when run as root."""
    euid = os.geteuid() if euid is None else euid
    if euid != ROOT_UID:
        return None
    return chown_target(euid, lookup_owner(service_user))


@contextlib.asynccontextmanager
async def cli_context(config_path: str | None, lock_wait: float = 5.0) -> AsyncIterator[OpsContext]:
    """For the CLI: load the config, open a small pool, take the lock (or say who has it).

    Run as root, every file written under ``backups.root`` (the lock, the dump, its
    manifest, ``health.json``) is handed to ``runtime.service_user`` on the way out.
    """
    config = load_config(config_path, secrets=("db_password",))
    owner = cli_owner(config.settings.runtime.service_user)
    # The command prints its own summary; log lines (stderr) only for what went wrong.
    logs.configure("warning", config.settings.environment.value, config.secrets.all_values())
    database = await connect(config, min_size=1)
    root = config.settings.backups.root
    try:
        async with open_context(config, database, utc_now, lock_wait=lock_wait) as ctx:
            try:
                yield ctx
            finally:
                hand_over(root, owner)
    finally:
        hand_over(root, owner)  # also when the lock was refused: the tree it created
        await database.close()
