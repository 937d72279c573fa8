"""Restoring the tracking database from a logical backup, through a scratch database.

1. verify the chosen backup (hashes and a full read);
2. take a safety dump of the live database (kind ``safety``, kept by its own retention);
3. pause the workflow jobs and wait for running ones;
4. restore into ``<db>_restore_<ID>`` and check it: row counts and schema version
   against the manifest;
5. swap names in one transaction (the live one becomes ``<db>_prev_<ID>``), after
   closing the door to new sessions and terminating the remaining ones;
6. resume the jobs.

Until step 5 commits, the live database is not touched; if anything fails, the
scratch database is dropped and the error says what happened. Database-level
``ALTER DATABASE … SET`` settings and grants are not carried over (pg_dump emits
them only with ``--create``); re-apply them if you use any.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from ferrero_daemon import logs
from ferrero_daemon.backups import backup, catalog, pause, prune, scratch
from ferrero_daemon.backups.catalog import Entry
from ferrero_daemon.backups.context import OpsContext
from ferrero_daemon.backups.layout import Kind, new_id
from ferrero_daemon.backups.scratch import quote
from ferrero_daemon.errors import BackupError

log = logs.get_logger(__name__)

_SWAP_ATTEMPTS = 5


@dataclass(frozen=True)
class Restored:
    backup: Entry
    safety: Entry | None
    previous_database: str
    duration_s: float


async def check_backup(ctx: OpsContext, backup_id: str) -> Entry:
    entry = catalog.find(ctx.layout, backup_id)
    if not entry.valid:
        raise BackupError(f"backup {entry.kind}/{entry.id} cannot be restored: {entry.state()}")
    verification = await backup.reverify(ctx, entry)
    if not verification.ok:
        raise BackupError(
            f"backup {entry.kind}/{entry.id} failed verification, nothing was changed: "
            f"{verification.detail}"
        )
    return entry


async def restore(
    ctx: OpsContext, backup_id: str, *, safety: bool = True, wait_seconds: float = 300
) -> Restored:
    """Swap the live database for the backup's contents; untouched on any failure."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    entry = await check_backup(ctx, backup_id)
    safety_entry = await backup.take_logical(ctx, Kind.SAFETY) if safety else None
    stamp = new_id(ctx.now()).lower()
    restore_db = f"{ctx.database}_restore_{stamp}"
    previous = f"{ctx.database}_prev_{stamp}"
    socket = ctx.config.settings.control.socket_path
    async with pause.jobs_paused(ctx.db, socket, ctx.clock, f"restore {entry.id}", wait_seconds):
        try:
            await _restore_checked(ctx, entry, restore_db)
            try:
                await swap(ctx, restore_db, previous)
            finally:
                # The swap ended every session on the live database, ours included.
                await ctx.db.expire_connections()
        except BaseException:
            await asyncio.shield(scratch.drop_database(ctx, restore_db))
            raise
    if safety_entry is not None:
        prune.prune(ctx.layout, Kind.SAFETY, ctx.settings.retention, ctx.now())
    log.info("database_restored", backup_id=entry.id, previous_database=previous)
    return Restored(entry, safety_entry, previous, round(loop.time() - started, 3))


async def _restore_checked(ctx: OpsContext, entry: Entry, name: str) -> None:
    result = await scratch.restore_into(ctx, entry, name)
    if not result.ok:
        raise BackupError(
            "the restored copy does not match the backup's manifest, nothing was "
            f"changed: {'; '.join(result.problems)}"
        )


async def swap(ctx: OpsContext, restored: str, previous: str) -> None:
    """Rename live → previous and restored → live, atomically, or change nothing."""
    live = ctx.database
    async with ctx.connect() as conn:
        # No new sessions from here (the daemon's pool reconnects), then end the rest.
        await conn.execute(f"ALTER DATABASE {quote(live)} ALLOW_CONNECTIONS false")
        try:
            await _rename_pair(conn, live, restored, previous)
        except BaseException:
            await conn.execute(f"ALTER DATABASE {quote(live)} ALLOW_CONNECTIONS true")
            raise
        await conn.execute(f"ALTER DATABASE {quote(previous)} ALLOW_CONNECTIONS true")


async def _rename_pair(conn: asyncpg.Connection, live: str, restored: str, previous: str) -> None:
    for attempt in range(1, _SWAP_ATTEMPTS + 1):
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            live,
        )
        try:
            async with conn.transaction():
                await conn.execute(f"ALTER DATABASE {quote(live)} RENAME TO {quote(previous)}")
                await conn.execute(f"ALTER DATABASE {quote(restored)} RENAME TO {quote(live)}")
            return
        except asyncpg.ObjectInUseError as exc:
            log.warning("restore_swap_busy", attempt=attempt, error=str(exc))
    raise BackupError(
        f"database {live} kept being used by other sessions; nothing was changed. "
        "Stop the daemon and any psql sessions, then restore again"
    )
