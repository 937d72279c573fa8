"""Restoring a dump into a scratch database and checking it against its manifest.

Used by the periodic test restore of ``backup check`` and by ``restore`` before the
swap. ``--exit-on-error`` and ``--single-transaction`` make a restore all or nothing:
without them pg_restore carries on past errors (ref/backups.md §3).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg

from ferrero_daemon import logs
from ferrero_daemon.backups.catalog import Entry
from ferrero_daemon.backups.context import OpsContext
from ferrero_daemon.backups.manifest import RestoreTrial
from ferrero_daemon.backups.rowcounts import count_rows, differences
from ferrero_daemon.errors import BackupError

log = logs.get_logger(__name__)


@dataclass(frozen=True)
class ScratchResult:
    database: str
    problems: tuple[str, ...]
    duration_s: float

    @property
    def ok(self) -> bool:
        return not self.problems


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def drop_database(ctx: OpsContext, name: str) -> None:
    async with ctx.connect() as conn:
        await conn.execute(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")


async def restore_into(ctx: OpsContext, entry: Entry, name: str) -> ScratchResult:
    """Create ``name``, restore the dump into it and compare its contents to the manifest.

    The scratch database is left in place (the caller swaps it in or drops it).
    """
    assert entry.manifest is not None
    started = time.monotonic()
    await drop_database(ctx, name)
    async with ctx.connect() as conn:
        await conn.execute(f"CREATE DATABASE {quote(name)} TEMPLATE template0")
    result = await ctx.tools.run(
        "pg_restore",
        "--no-password",
        "--no-owner",
        "--no-acl",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={name}",
        str(entry.data),
        time_limit=ctx.timeout,
    )
    if not result.ok:
        problems: tuple[str, ...] = (result.error("restoring into a scratch database").message,)
    else:
        problems = tuple(await _check(ctx, entry, name))
    return ScratchResult(name, problems, round(time.monotonic() - started, 3))


async def _check(ctx: OpsContext, entry: Entry, name: str) -> list[str]:
    assert entry.manifest is not None
    expected = entry.manifest.row_counts
    async with ctx.connect(name) as conn:
        actual = await count_rows(conn, expected)
        try:
            version = int(
                await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_migrations")
            )
        except asyncpg.UndefinedTableError:
            version = -1
    problems = differences(expected, actual)
    if version != entry.manifest.schema_version:
        problems.append(
            f"schema version {version} after restore, manifest says {entry.manifest.schema_version}"
        )
    return problems


async def trial(ctx: OpsContext, entry: Entry) -> RestoreTrial:
    """A test restore into a throwaway database, dropped afterwards whatever happens."""
    name = f"{ctx.database}_trial_{entry.id.lower()}"
    try:
        result = await restore_into(ctx, entry, name)
    except BackupError as exc:
        result = ScratchResult(name, (exc.message,), 0.0)
    finally:
        await drop_database(ctx, name)
    log.info(
        "backup_test_restore",
        backup_id=entry.id,
        ok=result.ok,
        duration_s=result.duration_s,
        problems=list(result.problems),
    )
    counts_match = not any("rows, expected" in p or "missing" in p for p in result.problems)
    return RestoreTrial(
        ok=result.ok,
        at=ctx.now().isoformat(),
        duration_s=result.duration_s,
        counts_match=counts_match,
        detail="; ".join(result.problems),
    )
