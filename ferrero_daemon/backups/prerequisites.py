"""What backups need from the host and the server, checked before the first one runs.

``ferrero-daemon check`` shows one line for each (``checks/connections.py``):

- the client tools (``pg_dump``, ``pg_restore``, ``pg_basebackup``, ``pg_verifybackup``)
  are found and of the server's major version or newer;
- with ``backups.weekly = "base"``, the role may open a replication connection, the
  one ``pg_basebackup`` opens (the REPLICATION attribute and a pg_hba ``replication``
  line), and the server has WAL senders to spare;
- ``backups.root`` is writable by the service user, holds nothing it cannot read, and
  has ``backups.min_free_gb`` free.

Each probe returns a one-line detail, or raises an error whose message says what to do.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg

from ferrero_daemon.backups.context import server_major
from ferrero_daemon.backups.ownership import lookup_owner, not_owned_by, writable_by
from ferrero_daemon.backups.pgtools import TOOLS, find_tools
from ferrero_daemon.clients.db import Database, dsn_kwargs
from ferrero_daemon.config import Config
from ferrero_daemon.errors import BackupError

GB = 1_000_000_000
_WAL_SENDERS_NEEDED = 2  # pg_basebackup --wal-method=stream: one for data, one for WAL


async def client_tools(config: Config, db: Database) -> str:
    major = await server_major(db)
    tools = await find_tools(config.settings.backups.pg_bin_dir, major, {})
    return f"{', '.join(TOOLS)} {tools.major} in {tools.bin_dir} (server {major})"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


async def replication(config: Config, db: Database) -> str:
    """Open the connection pg_basebackup opens, and ask the server who it is."""
    settings = config.settings.database
    kwargs = dsn_kwargs(settings, config.secrets.optional("db_password"))
    try:
        conn = await asyncpg.connect(**kwargs, timeout=15, server_settings={"replication": "true"})
    except asyncpg.InsufficientPrivilegeError as exc:
        raise BackupError(
            f"role {settings.user!r} may not open a replication connection ({_first_line(exc)}); "
            f"the weekly base backup needs it: ALTER ROLE {settings.user} REPLICATION, or set "
            'backups.weekly = "off" on a managed database'
        ) from None
    except asyncpg.InvalidAuthorizationSpecificationError as exc:
        raise BackupError(
            f"the server refuses a replication connection for {settings.user!r} "
            f"({_first_line(exc)}); add a pg_hba.conf line such as `host replication "
            f'{settings.user} 127.0.0.1/32 scram-sha-256` and reload, or set backups.weekly = "off"'
        ) from None
    try:
        await conn.execute("IDENTIFY_SYSTEM")
    finally:
        await conn.close()
    async with db.connection() as regular:
        wal_level = await regular.fetchval("SHOW wal_level")
        senders = int(await regular.fetchval("SHOW max_wal_senders"))
    if wal_level == "minimal" or senders < _WAL_SENDERS_NEEDED:
        raise BackupError(
            f"the server has wal_level = {wal_level}, max_wal_senders = {senders}; the weekly "
            f"base backup needs wal_level = replica and max_wal_senders >= {_WAL_SENDERS_NEEDED}"
        )
    return (
        f"role {settings.user} may open a replication connection "
        f"(wal_level {wal_level}, max_wal_senders {senders})"
    )


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def backup_root(config: Config) -> str:
    """The service user can write ``backups.root`` and read everything in it; space is free."""
    settings = config.settings.backups
    owner = lookup_owner(config.settings.runtime.service_user)
    root = settings.root
    existing = _nearest_existing(root)
    info = existing.stat()
    if not writable_by(info.st_mode, info.st_uid, info.st_gid, owner):
        what = f"{root}" if existing == root else f"{root} does not exist and {existing}"
        raise BackupError(
            f"{what} is not writable by {owner.name}: "
            f"sudo install -d -m 0700 -o {owner.name} -g {owner.group} {root}"
        )
    strangers = not_owned_by(root, owner)
    if strangers:
        raise BackupError(
            f"{len(strangers)} path(s) under {root} do not belong to {owner.name} (a backup "
            f"taken as root by an older version?), e.g. {strangers[0]}: "
            f"sudo chown -R {owner.name}:{owner.group} {root}"
        )
    free = shutil.disk_usage(existing).free
    if free < settings.min_free_gb * GB:
        raise BackupError(
            f"{free / GB:.1f} GB free under {existing}, below backups.min_free_gb = "
            f"{settings.min_free_gb:g}: free some space or move backups.root"
        )
    state = "" if existing == root else f" (created at the first backup, under {existing})"
    return (
        f"{root} writable by {owner.name}{state}; {free / GB:.1f} GB free "
        f"(backups.min_free_gb = {settings.min_free_gb:g})"
    )
