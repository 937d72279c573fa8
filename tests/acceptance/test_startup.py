"""A daemon that cannot start says why at error priority, and tells systemd not to retry.

journald reads the ``<N>`` prefix of each stderr line as its priority; the unit has
``RestartPreventExitStatus=78``, so a configuration or schema problem (exit 78) is not
restarted ten times over.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests import configs
from tests.fixtures.runtime import ROOT, daemon_settings
from tests.postgres import PgServer, create_database, drop_database

EX_CONFIG = 78


def start(config: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERRERO_")}
    env.update({f"FERRERO_{k.upper()}": v for k, v in configs.TEST_SECRETS.items()})
    return subprocess.run(
        [sys.executable, "-m", "ferrero_daemon", "run", "--config", str(config)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def error_lines(stderr: str) -> list[dict[str, Any]]:
    """Every stderr line must be a prefixed JSON object; return those at priority 3."""
    found = []
    for line in stderr.splitlines():
        assert line[:1] == "<" and line[2:3] == ">", f"not journald-prefixed: {line!r}"
        event = json.loads(line[3:])
        if line.startswith("<3>"):
            found.append(event)
    return found


def test_a_bad_config_exits_78_with_an_error_priority_line(
    tmp_path: Path, pg: PgServer, pg_database: str
) -> None:
    bad = {"jobs": {"backup_daily": {"schedule": "61 2 * * *"}}, "box": {"folders": {"a2_a3": "0"}}}
    settings = configs.deep_merge(daemon_settings(tmp_path, "alpha"), bad)
    config = configs.write_toml(
        tmp_path / "bad.toml", configs.settings(settings, pg=pg, database=pg_database)
    )

    out = start(config)

    assert out.returncode == EX_CONFIG, out.stderr
    [event] = error_lines(out.stderr)
    assert event["event"] == "startup_failed" and event["reason"] == "config"
    assert [p.split(":")[0] for p in event["problems"]] == [
        "box.folders.a2_a3",
        "jobs.backup_daily.schedule",
    ]
    assert "ferrero-daemon config" in event["hint"]


def test_an_unmigrated_database_exits_78_and_says_to_migrate(tmp_path: Path, pg: PgServer) -> None:
    empty = asyncio.run(create_database(pg, template="template0"))
    try:
        settings = configs.settings(daemon_settings(tmp_path, "alpha"), pg=pg, database=empty)
        config = configs.write_toml(tmp_path / "config.toml", settings)
        out = start(config)
    finally:
        asyncio.run(drop_database(pg, empty))

    assert out.returncode == EX_CONFIG, out.stderr
    [event] = [e for e in error_lines(out.stderr) if e["event"] == "startup_failed"]
    assert event["reason"] == "schema" and "ferrero-daemon migrate" in event["hint"]
    assert "pending: 001_" in event["problems"][0]
