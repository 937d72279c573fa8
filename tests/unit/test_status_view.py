from __future__ import annotations

from typing import Any

from ferrero_daemon.runtime.status_view import duration, progress_line, render

STATUS: dict[str, Any] = {
    "role": "active",
    "state": "running",
    "holder": "ferrero-1/4242/abc123",
    "active_holder": "ferrero-1/4242/abc123",
    "timezone": "Europe/Rome",
    "reload_error": None,
    "jobs": [
        {
            "job": "a1_a2",
            "schedule": "*/5 * * * *",
            "enabled": True,
            "paused": False,
            "next_run": "2026-12-01T09:15:00+00:00",
            "last_run": {
                "trigger": "schedule",
                "outcome": "partial",
                "started_at": "2026-12-01T09:10:00+00:00",
                "duration_s": 125.0,
            },
            "running": {
                "elapsed_s": 42.0,
                "stuck": False,
                "progress": {"done": 3, "total": 10, "bytes": 1_200_000_000, "current": "m.mp4"},
            },
        },
        {
            "job": "backup_daily",
            "schedule": "0 2 * * *",
            "enabled": True,
            "paused": True,
            "next_run": None,
            "last_run": None,
            "running": None,
        },
    ],
}


def test_the_table_shows_each_job_in_local_time() -> None:
    lines = render(STATUS).splitlines()
    assert lines[0] == "ferrero-daemon active (ferrero-1/4242/abc123), running"
    header, a1, backup = lines[3:6]
    assert header.split()[:3] == ["JOB", "SCHEDULE", "NEXT"]
    assert "2026-12-01 10:15" in a1 and "2026-12-01 10:10 (schedule)" in a1
    assert "partial" in a1 and "2m05s" in a1 and "3/10 items, 1.2 GB, m.mp4, 42.0s" in a1
    assert backup.split()[6:9] == ["paused", "-", "-"]


def test_a_standby_names_the_active_daemon_and_a_refused_reload_shows() -> None:
    standby = {
        **STATUS,
        "role": "standby",
        "active_holder": "ferrero-2/77/def456",
        "reload_error": "jobs.a1_a2.schedule: bad",
    }
    text = render(standby)
    assert "the active daemon is ferrero-2/77/def456" in text
    assert "last reload refused, still on the previous config: jobs.a1_a2.schedule: bad" in text


def test_durations_and_stuck_runs_read_well() -> None:
    assert [duration(s) for s in (None, 2.25, 75, 3723)] == ["-", "2.2s", "1m15s", "1h02m"]
    assert progress_line({"elapsed_s": 4000, "stuck": True, "progress": {}}) == "1h06m, STUCK"
