"""The test suite's own entry to ``run`` (tests/daemon_main.py): its two seams."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ferrero_daemon.jobs import JOBS
from tests.daemon_main import FileClock, job_registry


def test_job_overrides_name_known_jobs_only() -> None:
    jobs = job_registry("a1_a2=tests.jobs:quick, a5_a6=tests.jobs:fail")
    assert jobs == {**JOBS, "a1_a2": "tests.jobs:quick", "a5_a6": "tests.jobs:fail"}
    assert job_registry("") == JOBS
    with pytest.raises(SystemExit, match="not known_job"):
        job_registry("nope=tests.jobs:quick")


def test_the_clock_runs_ahead_by_what_the_file_says_read_at_every_reading(tmp_path: Path) -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    path = tmp_path / "clock"
    clock = FileClock(path, now=lambda: start)
    assert clock() == start
    path.write_text("3600.5\n")
    assert clock() == start + timedelta(hours=1, milliseconds=500)
    path.write_text("")
    assert clock() == start
