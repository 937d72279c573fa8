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
    """The status as an operator reads it; every time in the daemon's zone, named on top."""
    zone = ZoneInfo(status.get("timezone") or "UTC")
    lines = [*_head(status, zone)]
    if status.get("reload_error"):
        lines.append(f"last reload refused, still on the previous config: {status['reload_error']}")
    if status.get("database_error"):
        lines.append(f"DATABASE: {status['database_error']}")
    lines += ["", table([_row(job, zone) for job in status["jobs"]])]
    lines += _last_errors(status["jobs"], zone)
    lines += _outbox(status.get("outbox"), zone)
    lines += _set_aside(status.get("set_aside"), zone)
    return "\n".join(lines)


def zone_name(zone: ZoneInfo, at: datetime | None = None) -> str:
    """``Europe/Rome (CET, UTC+01:00)``: the zone, and what it is now."""
    moment = (at or datetime.now(zone)).astimezone(zone)
    offset = moment.strftime("%z")
    return f"{zone.key} ({moment.tzname()}, UTC{offset[:3]}:{offset[3:]})"


def _head(status: Mapping[str, Any], zone: ZoneInfo) -> list[str]:
    head = f"ferrero-daemon {status['role']} ({status['holder']}), {status['state']}"
    if status["role"] == "standby":
        active = status.get("active_holder") or "none (the lease is free)"
        head += f"; the active daemon is {active}"
    lines = [head]
    if status.get("pid"):
        lines.append(
            f"version {status.get('version', '?')}, pid {status['pid']}, "
            f"up {duration(status.get('uptime_s'))} (since {when(status.get('started_at'), zone)})"
        )
    lines.append(f"times in {zone_name(zone)}")
    return lines


def _last_errors(jobs: Sequence[Mapping[str, Any]], zone: ZoneInfo) -> list[str]:
    rows = [
        [
            job["job"],
            when(error.get("at"), zone),
            error.get("outcome", "-"),
            one_line(error["error"]),
        ]
        for job in jobs
        if (error := job.get("last_error"))
    ]
    if not rows:
        return ["", "last errors: none"]
    return [
        "",
        "last errors:",
        *("  " + line for line in table(rows, ("JOB", "AT", "OUTCOME", "ERROR")).splitlines()[1:]),
    ]


def _outbox(outbox: Mapping[str, Any] | None, zone: ZoneInfo) -> list[str]:
    if outbox is None:
        return []
    if not outbox["pending"]:
        return ["outbox: nothing waiting"]
    line = (
        f"outbox: {outbox['pending']} waiting ({outbox['emails']} mails, "
        f"{outbox['webhooks']} webhook events), oldest {duration(outbox['oldest_age_s'])} "
        f"(since {when(outbox['oldest_at'], zone)})"
    )
    if outbox["failing"]:
        line += (
            f"; {outbox['failing']} failing, last error: {one_line(outbox['last_error'] or '-')}"
        )
    if outbox.get("given_up"):
        line += f"; {outbox['given_up']} given up (`ferrero-daemon outbox requeue` once fixed)"
    return [line]


def _set_aside(folders: Sequence[Mapping[str, Any]] | None, zone: ZoneInfo) -> list[str]:
    if folders is None:
        return []
    if not folders:
        return ["set aside: none open"]
    lines = ["set aside (open, waiting for someone to fix or move them back):"]
    for folder in folders:
        names = ", ".join(folder["files"]) + (
            " …" if folder["count"] > len(folder["files"]) else ""
        )
        lines.append(
            f"  {folder['path']}: {folder['count']} since {when(folder['oldest_at'], zone)}: {names}"
        )
    return lines


def one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
