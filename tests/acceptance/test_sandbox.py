"""The README's first command: ``ferrero-daemon sandbox`` plays the whole lifecycle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ferrero_daemon.sandbox.webhook import POSTS_FILE
from tests.webhook_schema import problems

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_sandbox_plays_every_step_of_the_lifecycle(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ferrero_daemon", "sandbox", "--json", "--workdir", str(tmp_path / "sbx")],
        cwd=REPO, capture_output=True, text=True, timeout=580, check=False,
    )  # fmt: skip
    assert done.stdout, done.stderr
    report = json.loads(done.stdout)
    failed = [s for s in report["steps"] if not s["ok"]]
    log = (tmp_path / "sbx" / "daemon.log").read_text(errors="replace")[-3000:]
    assert not failed, f"{failed}\n--- daemon.log (tail) ---\n{log}"
    assert report["ok"] and done.returncode == 0
    names = [s["name"] for s in report["steps"]]
    assert "A5→A6 sends the rejection back" in names and names[-1] == "clean stop on SIGTERM"
    _every_webhook_matches_the_schema(tmp_path / "sbx" / "webhook" / POSTS_FILE)


def _every_webhook_matches_the_schema(posts_file: Path) -> None:
    """What Make.com would have received, as the sandbox's webhook receiver kept it."""
    posts = [json.loads(line) for line in posts_file.read_text().splitlines()]
    assert {p["event"]: problems(p) for p in posts if problems(p)} == {}
    moves = [(p["old_status"], p["new_status"]) for p in posts if p["event"] != "test"]
    assert moves == [("A1", "A2"), ("A2", "A3"), ("A5", "A6")]  # B1→B2 posts none
    assert [p["event"] for p in posts].count("test") == 1  # check --send-test-webhook
