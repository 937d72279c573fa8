"""``ferrero-daemon status`` as a table, and a run's progress as one line (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ferrero_daemon.domain.sizes import human_size

COLUMNS = ("JOB", "SCHEDULE", "NEXT RUN", "LAST RUN", "OUTCOME", "DURATION", "PAUSED", "RUNNING")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def when(iso: str | None, zone: ZoneInfo) -> str:
    if not iso:
        return "-"
    return datetime.fromisoformat(iso).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def progress_line(running: Mapping[str, Any]) -> str:
    """``3/10 items, 1.2 GB, master_01.mp4, 42s`` (only the parts that are known)."""
    progress = running.get("progress") or {}
    parts = []
    if progress.get("total"):
        parts.append(f"{progress['done']}/{progress['total']} items")
    elif progress.get("done"):
        parts.append(f"{progress['done']} items")
    if progress.get("bytes"):
        parts.append(human_size(progress["bytes"]))
    if progress.get("current"):
        parts.append(str(progress["current"]))
    parts.append(duration(running.get("elapsed_s")))
    if running.get("stuck"):
        parts.append("STUCK")
    return ", ".join(parts)


def _row(job: Mapping[str, Any], zone: ZoneInfo) -> list[str]:
    last = job.get("last_run") or {}
    running = job.get("running")
    schedule = job["schedule"] if job.get("enabled", True) else f"{job['schedule']} (disabled)"
    next_run = "paused" if job.get("paused") else when(job.get("next_run"), zone)
    started = when(last.get("started_at"), zone)
    if last:
        started += f" ({last.get('trigger')})"
    return [
        job["job"],
        schedule,
        next_run,
        started,
        last.get("outcome", "-"),
        duration(last.get("duration_s")),
        "yes" if job.get("paused") else "no",
        progress_line(running) if running else "-",
    ]


def table(rows: Sequence[Sequence[str]], header: Sequence[str] = COLUMNS) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)


def render(status: Mapping[str, Any]) -> str:
    zone = ZoneInfo(status.get("timezone") or "UTC")
    head = f"ferrero-daemon {status['role']} ({status['holder']}), {status['state']}"
    if status["role"] == "standby":
        active = status.get("active_holder") or "none (the lease is free)"
        head += f"; the active daemon is {active}"
    lines = [head, f"times in {zone.key}"]
    if status.get("reload_error"):
        lines.append(f"last reload refused, still on the previous config: {status['reload_error']}")
    lines += ["", table([_row(job, zone) for job in status["jobs"]])]
    return "\n".join(lines)
