"""The daily report (19:00): the day's figures per workflow, to the report recipients.

Gathered from ``asset_events``, ``job_runs``, ``creativex_scores``, ``derivative_assets``
and ``attention_items`` for the day in the configured zone, plus the last backup check
(``health.json``). ``report_figures`` holds the counting rules; the templates
``daily_report.txt|.html`` hold the layout. The mail is queued with one key per day,
so a repeated run (a retry, a catch-up, ``report --send``) mails it once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from ferrero_daemon import logs
from ferrero_daemon.backups.layout import Layout
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Email, Notifier
from ferrero_daemon.config import Config
from ferrero_daemon.domain.report_figures import (
    EventRow,
    RunRow,
    WorkflowFigures,
    all_workflows,
    day_bounds,
    percent,
)
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.templates import render

log = logs.get_logger(__name__)

TEMPLATE = "daily_report"


@dataclass(frozen=True)
class Attention:
    workflow: str
    file_name: str
    reason: str
    since: datetime


@dataclass(frozen=True)
class BackupSummary:
    checked_at: str | None
    healthy: bool | None
    problems: tuple[str, ...]


@dataclass(frozen=True)
class DailyReport:
    day: date
    zone: tzinfo
    workflows: tuple[WorkflowFigures, ...]
    scores_stored: int
    scores_missing: int
    attention: tuple[Attention, ...]
    backups: BackupSummary

    @property
    def key(self) -> str:
        return f"daily_report:{self.day.isoformat()}"

    @property
    def subject(self) -> str:
        assets = sum(w.assets for w in self.workflows)
        failed = sum(w.failed for w in self.workflows)
        return f"Daily report {self.day.isoformat()}: {assets} assets, {failed} failed"


async def gather(db: Database, config: Config, day: date) -> DailyReport:
    zone = config.settings.zone
    start, end = day_bounds(day, zone)
    events = [
        EventRow(r["workflow"], r["outcome"], r["campaign_id"], r["asset"], r["reason"])
        for r in await db.fetch("ops_report_events", start, end)
    ]
    runs = [
        RunRow(r["job"], r["outcome"], r["error"])
        for r in await db.fetch("ops_report_runs", start, end)
    ]
    attention = [
        Attention(r["workflow"], r["file_name"], r["reason"], r["set_aside_at"])
        for r in await db.fetch("ops_report_attention")
    ]
    return DailyReport(
        day=day,
        zone=zone,
        workflows=tuple(all_workflows(events, runs)),
        scores_stored=int(await db.fetchval("ops_report_scores_stored", start, end)),
        scores_missing=int(await db.fetchval("ops_report_scores_missing", start, end)),
        attention=tuple(attention),
        backups=backup_summary(Layout(config.settings.backups.root).health_file),
    )


def backup_summary(health_file: Path) -> BackupSummary:
    try:
        data = json.loads(health_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return BackupSummary(None, None, ())
    problems = tuple(c["message"] for c in data.get("checks", []) if not c.get("ok"))
    return BackupSummary(data.get("checked_at"), bool(data.get("healthy")), problems)


def _workflow_row(w: WorkflowFigures) -> dict[str, Any]:
    return {
        "label": w.label,
        "campaigns": w.campaigns,
        "assets": w.assets,
        "succeeded": w.succeeded,
        "failed": w.failed,
        "rate": percent(w.success_rate),
        "runs": w.runs,
        "failed_runs": w.failed_runs,
        "reasons": [{"reason": r.reason, "count": r.count} for r in w.reasons],
    }


def context(report: DailyReport) -> dict[str, Any]:
    """Plain data only: it is stored in the outbox as JSON and rendered at delivery."""
    assets = sum(w.assets for w in report.workflows)
    succeeded = sum(w.succeeded for w in report.workflows)
    checked = report.backups.checked_at
    return {
        "day": report.day.isoformat(),
        "zone": str(report.zone),
        "workflows": [_workflow_row(w) for w in report.workflows],
        "total": {
            "campaigns": sum(w.campaigns for w in report.workflows),
            "assets": assets,
            "succeeded": succeeded,
            "failed": sum(w.failed for w in report.workflows),
            "rate": percent(succeeded / assets if assets else None),
        },
        "scores": {"stored": report.scores_stored, "missing": report.scores_missing},
        "attention": [
            {
                "workflow": a.workflow,
                "file": a.file_name,
                "reason": a.reason,
                "since": a.since.astimezone(report.zone).strftime("%Y-%m-%d %H:%M"),
            }
            for a in report.attention
        ],
        "backups": {
            "known": report.backups.healthy is not None,
            "healthy": bool(report.backups.healthy),
            "checked_at": checked[:16].replace("T", " ") if checked else "",
            "problems": list(report.backups.problems),
        },
    }


def text(report: DailyReport) -> str:
    return render(TEMPLATE, context(report)).text


def email(report: DailyReport) -> Email:
    return Email(to="reports", subject=report.subject, template=TEMPLATE, context=context(report))


async def queue(notifier: Notifier, report: DailyReport) -> bool:
    """Queue the day's mail once; False when it was queued before."""
    return await notifier.email(report.key, email(report))


async def run_job(services: Services, run: RunContext) -> RunReport:
    day = run.now().astimezone(services.config.settings.zone).date()
    report = await gather(services.db, services.config, day)
    result = RunReport()
    result.count("assets", sum(w.assets for w in report.workflows))
    if run.dry_run:
        result.count("skipped")
        return result
    queued = await queue(services.notifier, report)
    result.count("queued" if queued else "already_queued")
    log.info("daily_report_queued", day=day.isoformat(), queued=queued)
    return result
