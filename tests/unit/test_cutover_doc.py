"""deploy/CUTOVER.md follows the operators' checklist section by section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CUTOVER = Path(__file__).resolve().parents[2] / "deploy" / "CUTOVER.md"

# The 25 sections of CUTOVER-TODOS.md, the checklist the operators already hold.
SECTIONS = (
    "Obtain production credentials",
    "Backup current system",
    "Prepare production server",
    "Deploy code to production server",
    "Install dependencies",
    "Configure production environment",
    "Initialize production database",
    "Make scripts executable",
    "Test all connections",
    "Test email notifications",
    "Test webhook delivery",
    "Test CreativeX extraction",
    "Dry run workflows",
    "Configure backup system",
    "Pre-go-live validation",
    "Cutover execution",
    "First campaign processing",
    "Agency upload testing",
    "CreativeX score integration",
    "First 24 hours",
    "Daily monitoring",
    "Week 1 validation",
    "Production sign-off",
    "Emergency rollback",
    "Final steps",
)

# Each step of the old scripts, and the daemon command that replaces it.
REPLACED = {
    "test_connection.py --auth-pfx": "ferrero-daemon check --auth-pfx",
    "scripts/test_connection.py": "ferrero-daemon check",
    "./database/backup.sh --daily": "ferrero-daemon backup daily",
    "./database/restore.sh <file>": "ferrero-daemon restore <ID>",
    "./database/restore.sh --list": "ferrero-daemon restore --list",
    "./database/check_backups.sh": "ferrero-daemon backup check",
    "crontab -e": "systemctl enable --now ferrero-daemon",
    "tail -f logs/*.log": "journalctl -u ferrero-daemon -f -o cat",
    "grep -i error logs/cron_*.log": "journalctl -u ferrero-daemon -p err --since today",
    "PGPASSWORD=<pw> psql": "ferrero-daemon psql",
    "database/init.sql": "ferrero-daemon migrate",
}


def sections() -> list[tuple[str, str]]:
    parts = re.split(r"^### (\d+)\. ", CUTOVER.read_text(encoding="utf-8"), flags=re.M)[1:]
    pairs = zip(parts[::2], parts[1::2], strict=True)
    return [(f"{n}. {body.splitlines()[0]}", body) for n, body in pairs]


def test_every_section_of_the_checklist_is_there_in_order() -> None:
    found = sections()
    assert len(found) == len(SECTIONS)
    for number, ((title, _), wanted) in enumerate(zip(found, SECTIONS, strict=True), 1):
        assert title.startswith(f"{number}. {wanted}"), title


@pytest.mark.parametrize("title", SECTIONS)
def test_each_section_says_what_to_run_what_good_looks_like_and_how_to_roll_back(
    title: str,
) -> None:
    [body] = [b for t, b in sections() if title in t]
    assert "**Run**" in body and "**Good result**" in body and "**Rollback**" in body


def test_each_old_script_step_has_its_replacement_in_the_table() -> None:
    text = CUTOVER.read_text(encoding="utf-8")
    table = text[: text.index("## PRE-CUTOVER PHASE")]
    for old, new in REPLACED.items():
        rows = [line for line in table.splitlines() if old in line]
        assert any(new in row for row in rows), (old, new)


def test_the_go_no_go_gate_runs_the_deep_check() -> None:
    [body] = [b for t, b in sections() if "Pre-go-live validation" in t]
    assert "ferrero-daemon check --deep" in body


def test_the_schema_version_shown_is_the_newest_migration() -> None:
    schema = Path(__file__).resolve().parents[2] / "schema"
    newest = max(int(f.name.split("_", 1)[0]) for f in schema.glob("[0-9]*_*.sql"))
    shown = re.findall(r"schema version (\d+)", CUTOVER.read_text(encoding="utf-8"))
    assert shown and {int(v) for v in shown} == {newest}
