"""Reading what a report says from the tracking database.

Two kinds of facts: the *period's figures* (``figures_of``: records whose time falls in
the period, counted by ``domain/report_figures.py``), and the *state at the time of the
report* (``state_now``: open set-aside items, paused jobs, the outbox backlog, backup
health). A report re-rendered later shows the period's figures as they were, and the
state as it is when rendered, with the time it was read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ferrero_daemon.backups import health
from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from ferrero_daemon.domain.report_figures import Failure, Figures, RunRow, Thing, figures
from ferrero_daemon.domain.report_periods import Period
from ferrero_daemon.outbox.queue import Outbox
from ferrero_daemon.store.state import StateStore


@dataclass(frozen=True)
class SetAsideItem:
    workflow: str
    file_name: str
    reason: str
    since: datetime


@dataclass(frozen=True)
class PausedJob:
    job: str
    since: datetime | None
    by: str | None


@dataclass(frozen=True)
class Backlog:
    pending: int  # still to be sent
    failing: int  # of those, tried and failed (a channel refusing us: all of them)
    oldest: datetime | None
    given_up: int = 0  # failed for good, until `ferrero-daemon outbox requeue`
    last_error: str = ""  # why the most recent failing one failed


@dataclass(frozen=True)
class BackupHealth:
    checked_at: datetime | None  # None: no backup check has run yet
    healthy: bool
    problems: tuple[str, ...]


@dataclass(frozen=True)
class State:
    """What stands at ``read_at``, whatever the period."""

    read_at: datetime
    set_aside_open: tuple[SetAsideItem, ...]
    paused: tuple[PausedJob, ...]
    outbox: Backlog
    backups: BackupHealth


@dataclass(frozen=True)
class DailyReport:
    period: Period
    zone: ZoneInfo
    figures: Figures
    state: State


def _failures(raw: str | None) -> tuple[Failure, ...]:
    items: list[dict[str, Any]] = json.loads(raw or "[]")
    return tuple(Failure(str(f["item"]), str(f.get("reason") or "")) for f in items)


async def figures_of(db: Database, period: Period) -> Figures:
    things = [
        Thing(r["workflow"], r["kind"], r["key"])
        for r in await db.fetch("report_things", period.start, period.end)
    ]
    runs = [
        RunRow(r["job"], r["outcome"], r["error"], _failures(r["failures"]))
        for r in await db.fetch("report_runs", period.start, period.end)
    ]
    return figures(things, runs)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


async def backup_health(db: Database) -> BackupHealth:
    """The last backup check, as it recorded itself in the database (not ``health.json``:
    the backup root is the service user's alone, and an operator runs ``report`` too)."""
    data = await StateStore(db).get(*health.STATE)
    if not isinstance(data, dict):
        return BackupHealth(None, False, ())
    problems = tuple(str(c["message"]) for c in data.get("checks", []) if not c.get("ok"))
    return BackupHealth(_parse_time(data.get("checked_at")), bool(data.get("healthy")), problems)


async def _paused(db: Database) -> tuple[PausedJob, ...]:
    out = []
    for row in await db.fetch("pauses_list"):
        value = json.loads(row["value"]) if isinstance(row["value"], str) else row["value"]
        value = value if isinstance(value, dict) else {}
        since = _parse_time(value.get("at")) or row["updated_at"]
        out.append(PausedJob(row["job"], since, value.get("by")))
    return tuple(out)


async def state_now(db: Database, now: datetime) -> State:
    open_items = tuple(
        SetAsideItem(r["workflow"], r["file_name"], r["reason"], r["set_aside_at"])
        for r in await db.fetch("report_set_aside_open")
    )
    stats = await Outbox(db).stats()
    return State(
        read_at=now,
        set_aside_open=open_items,
        paused=await _paused(db),
        outbox=Backlog(
            stats.pending,
            stats.failing,
            stats.oldest_pending,
            stats.given_up,
            stats.last_error or "",
        ),
        backups=await backup_health(db),
    )


async def gather(db: Database, config: Config, period: Period, now: datetime) -> DailyReport:
    zone = config.settings.zone
    return DailyReport(
        period=period,
        zone=zone,
        figures=await figures_of(db, period),
        state=await state_now(db, now),
    )
