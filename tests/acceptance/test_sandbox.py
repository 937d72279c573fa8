"""The README's first command: ``ferrero-daemon sandbox`` plays the whole lifecycle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
