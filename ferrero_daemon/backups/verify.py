"""Verification: every backup is read back in full, not only listed.

Logical: the SHA-256 against the manifest, then ``pg_restore --list`` (the TOC) and
``pg_restore -f /dev/null``, which reads and decompresses every block: a truncated or
bit-flipped dump lists fine but fails the full read (ref/backups.md L1).

Physical: ``pg_verifybackup`` of PostgreSQL 13-17 reads only plain backups, so the
tars are extracted into scratch space first and checked against ``backup_manifest``,
WAL included; 18+ could read the tar directly (``--no-parse-wal``), but extracting
works on every version.
"""

from __future__ import annotations

import asyncio
import tarfile
from pathlib import Path

from ferrero_daemon.backups import manifest
from ferrero_daemon.backups.context import OpsContext
from ferrero_daemon.backups.layout import remove_path
from ferrero_daemon.backups.manifest import FileEntry, Verification

WAL_TAR = "pg_wal.tar.gz"
BASE_TAR = "base.tar.gz"
BACKUP_MANIFEST = "backup_manifest"


def _verification(ctx: OpsContext, sha_ok: bool, read_ok: bool, detail: str) -> Verification:
    return Verification(sha_ok, read_ok, ctx.now().isoformat(), detail)


async def logical(ctx: OpsContext, dump: Path, files: tuple[FileEntry, ...]) -> Verification:
    problems = await asyncio.to_thread(manifest.check_files, dump.parent, files)
    if problems:
        return _verification(ctx, False, False, "; ".join(problems))
    return await full_read(ctx, dump)


async def full_read(ctx: OpsContext, dump: Path) -> Verification:
    listing = await ctx.tools.run("pg_restore", "--list", str(dump), time_limit=ctx.timeout)
    if not listing.ok:
        return _verification(ctx, True, False, listing.error("listing the dump").message)
    reading = await ctx.tools.run(
        "pg_restore", "--exit-on-error", "--file=/dev/null", str(dump), time_limit=ctx.timeout
    )
    if not reading.ok:
        return _verification(ctx, True, False, reading.error("reading the dump").message)
    return _verification(ctx, True, True, "")


def toc_entries(listing: bytes) -> int:
    return sum(1 for line in listing.splitlines() if line and not line.startswith(b";"))


async def physical(ctx: OpsContext, base_dir: Path, files: tuple[FileEntry, ...]) -> Verification:
    problems = await asyncio.to_thread(manifest.check_files, base_dir, files)
    if problems:
        return _verification(ctx, False, False, "; ".join(problems))
    scratch = ctx.layout.tmp / f"verify_{base_dir.name}"
    remove_path(scratch)
    try:
        await asyncio.to_thread(_extract, base_dir, scratch)
        result = await ctx.tools.run(
            "pg_verifybackup",
            f"--manifest-path={base_dir / BACKUP_MANIFEST}",
            str(scratch),
            time_limit=ctx.timeout,
        )
    except (OSError, tarfile.TarError) as exc:
        return _verification(ctx, True, False, f"cannot extract the base backup: {exc}")
    finally:
        await asyncio.to_thread(remove_path, scratch)
    if not result.ok:
        return _verification(ctx, True, False, result.error("pg_verifybackup").message)
    return _verification(ctx, True, True, "")


def _extract(base_dir: Path, scratch: Path) -> None:
    (scratch / "pg_wal").mkdir(mode=0o700, parents=True)
    with tarfile.open(base_dir / BASE_TAR) as tar:
        tar.extractall(scratch, filter="data")
    with tarfile.open(base_dir / WAL_TAR) as tar:
        tar.extractall(scratch / "pg_wal", filter="data")
