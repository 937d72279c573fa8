"""Where backups live under ``backups.root``, how they are named, and the one lock.

    <root>/                 0700
      daily/  manual/  safety/     <db>_<ID>.dump + <db>_<ID>.json (the manifest, written last)
      weekly/base_<ID>/            base.tar.gz, pg_wal.tar.gz, backup_manifest, meta.json
      tmp/                         *.partial while writing, verify scratch; swept after 24 h
      health.json                  the last ``backup check``, readable without the database
      backup.lock                  flock shared by the daemon and the CLI
      since                        when backups began here (the weekly is overdue only after)

IDs are UTC ``YYYYmmddTHHMMSSZ``: no colons, and their lexical order is their time order.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from ferrero_daemon import logs
from ferrero_daemon.errors import BackupLockedError

log = logs.get_logger(__name__)

ID_FORMAT = "%Y%m%dT%H%M%SZ"
ORPHAN_SECONDS = 24 * 3600
_LOCK_POLL_SECONDS = 0.2


class Kind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MANUAL = "manual"
    SAFETY = "safety"

    @property
    def logical(self) -> bool:
        return self is not Kind.WEEKLY


def new_id(now: datetime) -> str:
    return now.astimezone(UTC).strftime(ID_FORMAT)


def id_time(backup_id: str) -> datetime:
    return datetime.strptime(backup_id, ID_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Layout:
    root: Path

    def kind_dir(self, kind: Kind) -> Path:
        return self.root / kind.value

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def health_file(self) -> Path:
        return self.root / "health.json"

    @property
    def lock_file(self) -> Path:
        return self.root / "backup.lock"

    @property
    def since_file(self) -> Path:
        return self.root / "since"

    def ensure(self, now: datetime | None = None) -> None:
        """Create the tree with mode 0700: a dump holds every row of the database."""
        for path in (self.root, self.tmp, *(self.kind_dir(k) for k in Kind)):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.chmod(0o700)
        if not self.since_file.exists():
            partial = self.tmp / "since.partial"
            partial.write_text((now or datetime.now(UTC)).isoformat() + "\n", encoding="utf-8")
            partial.replace(self.since_file)

    def since(self) -> datetime | None:
        """When backups began under this root: retention never forgets it, unlike backups."""
        try:
            return datetime.fromisoformat(self.since_file.read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.root).free

    def sweep_tmp(self, now: float | None = None) -> list[Path]:
        """Remove leftovers of interrupted runs older than a day."""
        cutoff = (time.time() if now is None else now) - ORPHAN_SECONDS
        removed = []
        for path in self.tmp.iterdir():
            if path.lstat().st_mtime < cutoff:
                remove_path(path)
                removed.append(path)
                log.info("backup_orphan_removed", path=str(path))
        return removed


def remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def durable_replace(source: Path, target: Path) -> None:
    """Rename into place and fsync the directory, as PostgreSQL's durable_rename does."""
    source.replace(target)
    fsync_dir(target.parent)


@contextlib.asynccontextmanager
async def backup_lock(layout: Layout, wait_seconds: float) -> AsyncIterator[None]:
    """One backup, check or restore at a time across the daemon and the CLI.

    A second caller waits (the 03:00 weekly waits for a long 02:00 daily, and on the
    spring-forward night both fire at the same instant), up to ``wait_seconds``.
    """
    layout.ensure()
    fd = os.open(layout.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await _acquire(fd, layout.lock_file, wait_seconds)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


async def _acquire(fd: int, path: Path, wait_seconds: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if loop.time() >= deadline:
                raise BackupLockedError(
                    f"another backup, check or restore holds {path}; try again when it is done"
                ) from None
        await asyncio.sleep(_LOCK_POLL_SECONDS)
