"""Taking backups: a logical dump (daily, manual, safety) or a physical base backup (weekly).

Each is written under ``tmp/`` with a ``.partial`` name, verified by reading it back
in full, renamed into place (and the directory fsynced), and only then described by
its manifest. A crash at any line leaves either nothing or a leftover that never
counts as a backup. The caller holds the backup lock (``context.open_context``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

from ferrero_daemon import logs
from ferrero_daemon.backups import catalog, manifest, verify
from ferrero_daemon.backups.catalog import Entry
from ferrero_daemon.backups.context import OpsContext
from ferrero_daemon.backups.layout import Kind, durable_replace, new_id, remove_path
from ferrero_daemon.backups.manifest import FileEntry, Manifest, Verification
from ferrero_daemon.backups.rowcounts import count_rows
from ferrero_daemon.errors import BackupError

log = logs.get_logger(__name__)

GB = 1_000_000_000
# A dump is about a tenth of the live database (ref/backups.md §2.1: 4.6 MB for 61 MB).
_DUMP_RATIO = 0.1


@dataclass(frozen=True)
class ServerFacts:
    version_num: int
    db_size: int
    cluster_size: int
    schema_version: int


async def server_facts(ctx: OpsContext) -> ServerFacts:
    async with ctx.db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT current_setting('server_version_num')::int AS v,"
            " pg_database_size(current_database()) AS db,"
            " (SELECT sum(pg_database_size(oid)) FROM pg_database)::bigint AS cluster"
        )
    assert row is not None
    schema_version = int(await ctx.db.fetchval("schema_version"))
    return ServerFacts(row["v"], row["db"], row["cluster"], schema_version)


def required_free(ctx: OpsContext, kind: Kind, estimate: int) -> int:
    recent = [e.size for e in catalog.entries(ctx.layout, [kind])[:3] if e.manifest]
    return int(ctx.settings.min_free_gb * GB) + 2 * max([*recent, estimate])


def check_free_space(ctx: OpsContext, kind: Kind, estimate: int) -> None:
    needed, free = required_free(ctx, kind, estimate), ctx.layout.free_bytes()
    if free < needed:
        raise BackupError(
            f"not enough free space for a {kind} backup under {ctx.layout.root}: "
            f"{free / GB:.1f} GB free, {needed / GB:.1f} GB needed "
            "(backups.min_free_gb plus twice a recent backup); free some space or lower it"
        )


async def take_logical(ctx: OpsContext, kind: Kind) -> Entry:
    """A verified custom-format dump with exact row counts from its own snapshot."""
    facts = await server_facts(ctx)
    check_free_space(ctx, kind, int(facts.db_size * _DUMP_RATIO))
    started, clock = ctx.now(), time.monotonic()
    backup_id = new_id(started)
    name = f"{ctx.database}_{backup_id}"
    partial = ctx.layout.tmp / f"{name}.dump.partial"
    log.info("backup_started", kind=kind.value, backup_id=backup_id)
    try:
        counts, toc = await _dump(ctx, partial)
        entry = await asyncio.to_thread(manifest.file_entry, partial)
        verification = await verify.full_read(ctx, partial)
        if not verification.ok:
            raise BackupError(f"the new {kind} dump failed verification: {verification.detail}")
        target = ctx.layout.kind_dir(kind) / f"{name}.dump"
        durable_replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    result = Manifest(
        kind=kind,
        id=backup_id,
        database=ctx.database,
        started_at=started.isoformat(),
        finished_at=ctx.now().isoformat(),
        duration_s=round(time.monotonic() - clock, 3),
        files=(FileEntry(target.name, entry.size, entry.sha256),),
        tool={"name": "pg_dump", "major": ctx.tools.major, "format": "custom"},
        server={"version_num": facts.version_num, "db_size_bytes": facts.db_size},
        schema_version=facts.schema_version,
        row_counts=counts,
        verification=verification,
        toc_entries=toc,
    )
    return _finish(ctx, result, target.with_suffix(".json"), target)


async def _dump(ctx: OpsContext, partial: Path) -> tuple[dict[str, int], int]:
    # Count rows in an exported snapshot and dump from the same snapshot: the manifest's
    # counts are then exactly what a restore brings back, whatever is written meanwhile.
    async with (
        ctx.db.connection() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
        counts = await count_rows(conn)
        result = await ctx.tools.run(
            "pg_dump",
            "--format=custom",
            "--compress=6",
            "--no-password",
            "--lock-wait-timeout=30s",
            f"--snapshot={snapshot}",
            f"--file={partial}",
            ctx.database,
            time_limit=ctx.timeout,
        )
    if not result.ok:
        raise result.error(f"dumping database {ctx.database}")
    listing = await ctx.tools.run("pg_restore", "--list", str(partial), time_limit=ctx.timeout)
    return counts, verify.toc_entries(listing.stdout)


def _finish(ctx: OpsContext, result: Manifest, manifest_path: Path, data: Path) -> Entry:
    manifest.write(result, manifest_path)
    log.info(
        "backup_completed",
        kind=result.kind.value,
        backup_id=result.id,
        bytes=result.size,
        duration_s=result.duration_s,
    )
    return Entry(result.kind, result.id, data, manifest_path, result, None)


async def take_physical(ctx: OpsContext) -> Entry:
    """A verified ``pg_basebackup`` tar of the whole cluster, WAL streamed into it."""
    facts = await server_facts(ctx)
    check_free_space(ctx, Kind.WEEKLY, facts.cluster_size)
    started, clock = ctx.now(), time.monotonic()
    backup_id = new_id(started)
    partial = ctx.layout.tmp / f"base_{backup_id}.partial"
    target = ctx.layout.kind_dir(Kind.WEEKLY) / f"base_{backup_id}"
    log.info("backup_started", kind=Kind.WEEKLY.value, backup_id=backup_id)
    try:
        files, verification = await _basebackup(ctx, partial, backup_id)
        durable_replace(partial, target)
    finally:
        await asyncio.to_thread(remove_path, partial)
    result = Manifest(
        kind=Kind.WEEKLY,
        id=backup_id,
        database=ctx.database,
        started_at=started.isoformat(),
        finished_at=ctx.now().isoformat(),
        duration_s=round(time.monotonic() - clock, 3),
        files=files,
        tool={"name": "pg_basebackup", "major": ctx.tools.major, "format": "tar+gzip"},
        server={"version_num": facts.version_num, "cluster_size_bytes": facts.cluster_size},
        schema_version=facts.schema_version,
        row_counts={},
        verification=verification,
    )
    return _finish(ctx, result, target / catalog.META, target)


async def _basebackup(
    ctx: OpsContext, partial: Path, backup_id: str
) -> tuple[tuple[FileEntry, ...], Verification]:
    result = await ctx.tools.run(
        "pg_basebackup",
        f"--pgdata={partial}",
        "--format=tar",
        "--gzip",
        "--wal-method=stream",
        "--checkpoint=fast",
        f"--label=ferrero-{backup_id}",
        "--no-password",
        time_limit=ctx.timeout,
    )
    if not result.ok:
        raise result.error("taking the base backup")
    files = await asyncio.to_thread(_file_entries, partial)
    verification = await verify.physical(ctx, partial, files)
    if not verification.ok:
        raise BackupError(f"the new base backup failed verification: {verification.detail}")
    return files, verification


def _file_entries(directory: Path) -> tuple[FileEntry, ...]:
    return tuple(manifest.file_entry(p) for p in sorted(directory.iterdir()) if p.is_file())


async def reverify(ctx: OpsContext, entry: Entry) -> Verification:
    """Check a stored backup again: its hashes, and a full read or pg_verifybackup."""
    assert entry.manifest is not None
    if entry.kind is Kind.WEEKLY:
        return await verify.physical(ctx, entry.data, entry.manifest.files)
    return await verify.logical(ctx, entry.data, entry.manifest.files)
