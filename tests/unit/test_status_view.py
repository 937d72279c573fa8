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


def test_process_backlog_set_aside_and_last_errors_read_in_the_zone() -> None:
    status = {
        **STATUS,
        "version": "1.4.0",
        "pid": 4242,
        "uptime_s": 7260.0,
        "started_at": "2026-12-01T07:00:00+00:00",
        "outbox": {
            "pending": 3,
            "emails": 2,
            "webhooks": 1,
            "failing": 1,
            "oldest_at": "2026-12-01T08:50:00+00:00",
            "oldest_age_s": 600.0,
            "last_error": "SMTP 451\n 4.3.0 Try again later",
        },
        "set_aside": [
            {
                "folder": "a2_a3",
                "box_folder_id": "1002",
                "path": "a2_a3/_needs_attention",
                "count": 21,
                "oldest_at": "2026-12-01T08:00:00+00:00",
                "files": ["a.mp4", "b.mp4"],
            }
        ],
        "jobs": [
            {
                **STATUS["jobs"][1],
                "last_error": {
                    "run_id": "r1",
                    "outcome": "failed",
                    "at": "2026-11-30T01:00:00+00:00",
                    "error": "BackupError: pg_dump\nexited 1",
                },
            }
        ],
    }
    text = render(status)
    lines = text.splitlines()
    assert lines[1] == "version 1.4.0, pid 4242, up 2h01m (since 2026-12-01 08:00)"
    assert lines[2].startswith("times in Europe/Rome (CE")  # CET or CEST, named
    errors = text.split("last errors:\n", 1)[1].splitlines()[0].split()
    assert errors[:4] == ["backup_daily", "2026-11-30", "02:00", "failed"]
    assert " ".join(errors[4:]) == "BackupError: pg_dump exited 1"
    assert (
        "outbox: 3 waiting (2 mails, 1 webhook events), oldest 10m00s (since 2026-12-01 09:50); "
        "1 failing, last error: SMTP 451 4.3.0 Try again later"
    ) in lines
    assert "  a2_a3/_needs_attention: 21 since 2026-12-01 09:00: a.mp4, b.mp4 …" in lines


def test_an_unreachable_database_is_said_on_top() -> None:
    text = render({**STATUS, "database_error": "the database did not answer: OSError: refused"})
    assert "DATABASE: the database did not answer: OSError: refused" in text.splitlines()
