"""Running the PostgreSQL tools: no shell, no password on the command line, no orphans."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from ferrero_daemon.backups import pgtools
from ferrero_daemon.backups.pgtools import TOOLS, find_tools, libpq_env, pgpass_line, run_process
from ferrero_daemon.config import DatabaseConfig
from ferrero_daemon.errors import ConfigError


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for init to reap it."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat_line.rsplit(")", 1)[1].split()[0] != "Z"


async def test_a_tool_past_its_timeout_is_killed_with_its_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    script = f"sleep 30 & echo $! > {pidfile}; wait"
    with pytest.raises(TimeoutError):
        await run_process(["/bin/sh", "-c", script], {"PATH": os.defpath}, time_limit=0.5)
    assert not alive(int(pidfile.read_text()))


async def test_a_cancelled_tool_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    task = asyncio.create_task(
        run_process(["/bin/sh", "-c", f"echo $$ > {pidfile}; exec sleep 30"], {}, time_limit=60)
    )
    while not (pidfile.exists() and pidfile.read_text().strip()):
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(int(pidfile.read_text()))


def fake_tools(directory: Path, version: str) -> Path:
    directory.mkdir()
    for tool in TOOLS:
        path = directory / tool
        path.write_text(f"#!/bin/sh\necho '{tool} (PostgreSQL) {version}'\n")
        path.chmod(0o755)
    return directory


async def test_tools_of_the_servers_major_version_are_found(tmp_path: Path) -> None:
    tools = await find_tools(fake_tools(tmp_path / "bin", "16.4"), 16, {})
    assert tools.major == 16
    assert tools.path("pg_verifybackup") == tmp_path / "bin" / "pg_verifybackup"


async def test_older_tools_are_refused_with_what_to_install(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match=r"postgresql-client-16.*backups.pg_bin_dir") as info:
        await find_tools(fake_tools(tmp_path / "bin", "15.8"), 16, {})
    assert "version 15, server is 16" in str(info.value)


def test_psql_is_looked_up_where_the_backup_tools_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(pgtools, "DEBIAN_ROOT", tmp_path / "postgresql")
    for major in ("15", "16"):  # Debian's client packages, psql not on PATH
        (tmp_path / "postgresql" / major / "bin").mkdir(parents=True)
        (tmp_path / "postgresql" / major / "bin" / "psql").write_text("")
    assert pgtools.find_client("psql", None) == tmp_path / "postgresql" / "16" / "bin" / "psql"
    assert pgtools.find_client("psql", fake_tools(tmp_path / "own", "17")) == (
        tmp_path / "postgresql" / "16" / "bin" / "psql"  # the configured dir has no psql
    )
    monkeypatch.setattr(pgtools, "DEBIAN_ROOT", tmp_path / "nowhere")
    with pytest.raises(ConfigError, match=r"psql is not installed here: tried .*own") as info:
        pgtools.find_client("psql", tmp_path / "own")
    assert "Install postgresql-client" in str(info.value)


def test_the_password_reaches_the_tools_only_through_a_private_pgpass(tmp_path: Path) -> None:
    settings = DatabaseConfig(host="db.example", name="tracking", user="tracker")
    with libpq_env(settings, "s3cr:et", tmp_path) as env:
        passfile = Path(env["PGPASSFILE"])
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
        assert passfile.read_text() == "*:*:*:*:s3cr\\:et\n"
        assert not any("s3cr" in value for value in env.values())
        assert "PGPASSWORD" not in env
    assert not passfile.exists()


def test_pgpass_escapes_backslashes_and_colons() -> None:
    assert pgpass_line("a\\b:c") == "*:*:*:*:a\\\\b\\:c\n"
