"""``ferrero-daemon report`` as an operator runs it: stdout, exit codes, wrong arguments."""

from __future__ import annotations

import json
from pathlib import Path

from tests.acceptance.ops.test_backup_cli import cli, config_file

__all__ = ["config_file"]  # the fixture, shared with the backup commands


def test_report_json_is_one_document_on_stdout_and_bad_arguments_exit_64(config_file: Path) -> None:
    done = cli(config_file, "report", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # nothing else on stdout
    assert document["zone"] == "Europe/Rome"
    assert document["period_end"].endswith(("+01:00", "+02:00"))
    assert set(document["workflows"]) == {"a1_a2", "b1_b2", "a2_a3", "a5_a6", "creativex"}
    assert document["workflows"]["a2_a3"]["new_assets"] == 0

    bad_date = cli(config_file, "report", "--date", "2026-13-01")
    assert bad_date.returncode == 64 and bad_date.stdout == ""
    assert "'2026-13-01' is not a date; write it as YYYY-MM-DD" in bad_date.stderr

    lone_to = cli(config_file, "report", "--to", "qa@example.com")
    assert lone_to.returncode == 64 and "--to goes with --send" in lone_to.stderr
