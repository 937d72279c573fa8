"""The backup and restore commands, run as an operator runs them."""

from __future__ import annotations

import getpass
import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest

from tests import configs
from tests.postgres import PgServer

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def config_file(tmp_path: Path, pg: PgServer, pg_database: str) -> Path:
    backups = {"root": str(tmp_path / "backups"), "min_free_gb": 0, "pg_bin_dir": str(pg.bin_dir)}
    data = configs.settings({"backups": backups}, pg=pg, database=pg_database)
    return configs.write_toml(tmp_path / "config.toml", data)


def cli(config: Path, *args: str, secrets: bool = True) -> subprocess.CompletedProcess[str]:
    """The CLI; ``secrets=False``: an operator's shell without the DAM/Box/LlamaCloud ones."""
    env = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}
    if secrets:
        env.update({f"FERRERO_{k.upper()}": v for k, v in configs.TEST_SECRETS.items()})
    return subprocess.run(
        [sys.executable, "-m", "ferrero_daemon", *args, "--config", str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.usefixtures("side_databases_dropped")
def test_backup_list_check_and_restore_from_the_command_line(config_file: Path) -> None:
    taken = cli(config_file, "backup", "daily")
    assert taken.returncode == 0, taken.stderr
    assert "daily backup" in taken.stdout and "written and verified" in taken.stdout
    backup_id = taken.stdout.split()[2]

    # Read-only commands: no DAM, Box, SMTP or LlamaCloud secret needed.
    listed = cli(config_file, "backup", "list", secrets=False)
    assert listed.returncode == 0, listed.stderr
    assert f"daily  {backup_id}" in listed.stdout and "verified" in listed.stdout
    [entry] = json.loads(cli(config_file, "backup", "list", "--json", secrets=False).stdout)[
        "backups"
    ]
    assert (entry["kind"], entry["id"], entry["valid"]) == ("daily", backup_id, True)

    healthy = cli(config_file, "backup", "check")
    assert healthy.returncode == 0, healthy.stdout
    assert healthy.stdout.strip().endswith("backups are healthy")
    assert json.loads(cli(config_file, "backup", "check", "--json").stdout)["healthy"] is True

    printed = cli(config_file, "report", "--date", "2026-12-01", secrets=False)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.startswith("Ferrero automation: daily report 2026-12-01\n")
    backups = next(line for line in printed.stdout.splitlines() if line.startswith("Backups:"))
    assert backups.startswith("Backups: healthy (checked ") and backups.endswith(
        (" CET)", " CEST)")
    )
    figures = cli(config_file, "report", "--date", "2026-12-01", "--json", secrets=False)
    assert json.loads(figures.stdout)["zone"] == "Europe/Rome", figures.stderr

    refused = cli(config_file, "restore", backup_id)  # no terminal, no --yes: a usage error
    assert refused.returncode == 64
    assert "pass --yes" in refused.stderr
    assert cli(config_file, "restore").returncode == 64  # no ID, no --list

    restored = cli(config_file, "restore", backup_id, "--yes")
    assert restored.returncode == 0, restored.stderr
    assert f"restored backup daily/{backup_id}" in restored.stdout
    assert "kept as " in restored.stdout
    assert "safety" in cli(config_file, "restore", "--list", secrets=False).stdout
    kinds = {
        b["kind"]
        for b in json.loads(cli(config_file, "restore", "--list", "--json").stdout)["backups"]
    }
    assert kinds == {"daily", "safety"}


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand files to another user")
def test_a_backup_taken_as_root_belongs_to_the_service_user(
    config_file: Path, tmp_path: Path
) -> None:
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(
        text.replace(f"service_user = {json.dumps(getpass.getuser())}", 'service_user = "nobody"'),
        encoding="utf-8",
    )
    taken = cli(config_file, "backup", "manual")
    assert taken.returncode == 0, taken.stderr

    nobody = pwd.getpwnam("nobody")
    root = tmp_path / "backups"
    written = [root, *root.rglob("*")]
    assert any(p.suffix == ".dump" for p in written)
    assert {(p.stat().st_uid, p.stat().st_gid) for p in written} == {(nobody.pw_uid, nobody.pw_gid)}


def test_psql_runs_the_checklists_queries_with_the_daemons_connection(config_file: Path) -> None:
    listed = cli(config_file, "psql", r"\dt", "SELECT count(*) AS masters FROM master_assets")
    assert listed.returncode == 0, listed.stderr
    for table in ("master_assets", "derivative_assets", "creativex_scores", "campaign_status",
                  "asset_events", "workflow_state"):  # fmt: skip
        assert f" {table} " in listed.stdout
    assert " masters \n" in listed.stdout and "(1 row)" in listed.stdout
    wrong = cli(config_file, "psql", "SELECT no_such_column FROM master_assets")
    assert wrong.returncode == 1 and "no_such_column" in wrong.stderr
