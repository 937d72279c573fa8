"""What `ferrero-daemon check` says about the backups' needs, against the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from ferrero_daemon.backups import prerequisites
from ferrero_daemon.checks.connections import CheckOptions, ConnectionChecks, run_checks
from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from ferrero_daemon.errors import BackupError, ConfigError
from tests.postgres import PgServer

PASSWORD = "role-pw-for-tests"
MakeRole = Callable[..., Awaitable[str]]


@pytest.fixture
async def make_role(pg: PgServer) -> AsyncIterator[MakeRole]:
    """Roles made for one test (roles are cluster-wide: unique names, dropped after)."""
    made: list[str] = []

    async def make(*attributes: str) -> str:
        name = f"r_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(**pg.kwargs())
        try:
            await conn.execute(
                f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}' {' '.join(attributes)}"
            )
        finally:
            await conn.close()
        made.append(name)
        return name

    yield make
    conn = await asyncpg.connect(**pg.kwargs())
    try:
        for name in made:
            await conn.execute(f"DROP ROLE IF EXISTS {name}")
    finally:
        await conn.close()


def as_role(make_config: Callable[..., Config], ops_config: Config, role: str) -> Config:
    backups = ops_config.settings.backups.model_dump(mode="json")
    return make_config({"database": {"user": role}, "backups": backups}, {"db_password": PASSWORD})


async def test_check_shows_a_line_for_each_backup_prerequisite(ops_config: Config) -> None:
    checks = ConnectionChecks(ops_config, CheckOptions())
    try:
        results = {r.name: r for r in await run_checks(checks.backup_checks(), timeout=30)}
    finally:
        await checks.aclose()
    assert list(results) == ["backup tools", "backup replication", "backup root"]
    assert all(r.ok for r in results.values()), results
    assert "pg_basebackup" in results["backup tools"].detail
    assert "may open a replication connection" in results["backup replication"].detail
    assert "GB free (backups.min_free_gb = 0)" in results["backup root"].detail


async def test_a_role_without_the_replication_right_is_named_with_the_fix(
    make_config: Callable[..., Config], ops_config: Config, database: Database, make_role: MakeRole
) -> None:
    plain = await make_role()
    with pytest.raises(BackupError) as refused:
        await prerequisites.replication(as_role(make_config, ops_config, plain), database)
    message = str(refused.value)
    assert f"role {plain!r} may not open a replication connection" in message
    assert f"ALTER ROLE {plain} REPLICATION" in message and 'backups.weekly = "off"' in message

    granted = await make_role("REPLICATION")
    detail = await prerequisites.replication(as_role(make_config, ops_config, granted), database)
    assert detail.startswith(f"role {granted} may open a replication connection")

    # A managed database: weekly base backups off, and check no longer asks.
    settings = ops_config.settings
    off = settings.model_copy(
        update={"backups": settings.backups.model_copy(update={"weekly": "off"})}
    )
    checks = ConnectionChecks(Config(off, ops_config.secrets), CheckOptions())
    assert [c.name for c in checks.backup_checks()] == ["backup tools", "backup root"]


async def test_client_tools_older_than_the_server_are_refused(
    make_config: Callable[..., Config], database: Database, tmp_path: Path
) -> None:
    old = tmp_path / "pg9" / "bin"
    old.mkdir(parents=True)
    for tool in ("pg_dump", "pg_restore", "pg_basebackup", "pg_verifybackup"):
        stub = old / tool
        stub.write_text(f"#!/bin/sh\necho '{tool} (PostgreSQL) 9.6.24'\n")
        stub.chmod(0o755)
    config = make_config({"backups": {"pg_bin_dir": str(old)}})
    with pytest.raises(ConfigError) as refused:
        await prerequisites.client_tools(config, database)
    assert f"{old} (version 9, server is " in str(refused.value)
    assert "backups.pg_bin_dir" in str(refused.value)


@pytest.mark.skipif(os.geteuid() != 0, reason="handing files to another user needs root")
def test_the_backup_root_must_belong_to_the_service_user(
    make_config: Callable[..., Config], tmp_path: Path
) -> None:
    root = tmp_path / "backups"
    root.mkdir(mode=0o700)
    config = make_config({"backups": {"root": str(root)}, "runtime": {"service_user": "nobody"}})
    with pytest.raises(BackupError, match="is not writable by nobody"):
        prerequisites.backup_root(config)

    os.chown(root, *_ids("nobody"))
    (root / "daily").mkdir()  # made by root, as by a backup taken with sudo before
    with pytest.raises(BackupError) as foreign:
        prerequisites.backup_root(config)
    assert "1 path(s) under" in str(foreign.value)
    assert f"sudo chown -R nobody:{_group('nobody')} {root}" in str(foreign.value)
    os.chown(root / "daily", *_ids("nobody"))
    assert prerequisites.backup_root(config).startswith(f"{root} writable by nobody")


def _ids(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _group(user: str) -> str:
    import grp

    return grp.getgrgid(_ids(user)[1]).gr_name
