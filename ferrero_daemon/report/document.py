"""The daily report as data: the ``--json`` document, and the mail built on it.

``as_json`` is the one shape (documented in the README): every figure the mail shows,
every time ISO 8601 with the offset of the report's zone. The mail's context is that
document plus ``view``, the same facts as display strings (``2026-10-25 02:30 CET``),
so the text and HTML parts cannot disagree with ``--json``. The context is plain
data: it is stored in the outbox as JSON and rendered at delivery.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain import file_reasons
from ferrero_daemon.domain.local_time import local_label
from ferrero_daemon.domain.mails import DailyReportMail
from ferrero_daemon.domain.report_figures import (
    DONE,
    NOTED,
    Figures,
    Totals,
    WorkflowFigures,
    describe,
    percent,
)
from ferrero_daemon.domain.report_periods import Period
from ferrero_daemon.report.gather import DailyReport, State

TEMPLATE = DailyReportMail.TEMPLATE


def iso(moment: datetime | None, zone: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def workflow_counts(w: WorkflowFigures) -> dict[str, int]:
    """A workflow's count of each thing it does or notes, then of done, set aside, failed:
    a day of the weekly report shows these; the daily report more."""
    kinds = (*DONE[w.workflow], *NOTED[w.workflow])
    counts = {kind: w.counts[kind] for kind in kinds}
    return {**counts, "done": w.done, "set_aside": w.set_aside, "failed": w.failed}


def workflow_json(w: WorkflowFigures) -> dict[str, Any]:
    return {
        **workflow_counts(w),
        "recovered": w.recovered,
        "success_rate": _rate(w.success_rate),
        "runs": w.runs,
        "failed_runs": w.failed_runs,
        "failing": [{"item": f.item, "reason": f.reason} for f in w.failing],
        "run_errors": [{"error": r.reason, "count": r.count} for r in w.run_errors],
    }


def totals_json(t: Totals) -> dict[str, Any]:
    return {
        "done": t.done,
        "failed": t.failed,
        "set_aside": t.set_aside,
        "assets": t.assets,
        "campaigns": t.campaigns,
        "success_rate": _rate(t.success_rate),
    }


def figures_json(figures: Figures) -> dict[str, Any]:
    return {
        "workflows": {w.workflow: workflow_json(w) for w in figures.workflows},
        "total": totals_json(figures.totals),
    }


def head_json(kind: str, period: Period, zone: tzinfo) -> dict[str, Any]:
    """What opens every report document: its kind, zone and period."""
    return {"report": kind, "zone": str(zone), **period_json(period, zone)}


def period_json(period: Period, zone: tzinfo) -> dict[str, Any]:
    return {
        "period_start": iso(period.start, zone),
        "period_end": iso(period.end, zone),
        "period_hours": round(period.hours, 2),
    }


def _item(workflow: str, file: str, reason: str, since: str | None) -> dict[str, Any]:
    return {"workflow": workflow, "file": file, "reason": reason, "since": since}


def state_json(state: State, zone: tzinfo) -> dict[str, Any]:
    backups = state.backups
    return {
        "as_of": iso(state.read_at, zone),
        "set_aside_open": [
            _item(i.workflow, i.file_name, i.reason, iso(i.since, zone))
            for i in state.set_aside_open
        ],
        "paused_jobs": [
            {"job": p.job, "since": iso(p.since, zone), "by": p.by} for p in state.paused
        ],
        "outbox": {
            "pending": state.outbox.pending,
            "failing": state.outbox.failing,
            "oldest_pending": iso(state.outbox.oldest, zone),
            "given_up": state.outbox.given_up,
            "last_error": state.outbox.last_error,
        },
        "backups": {
            "checked": backups.checked_at is not None,
            "healthy": backups.healthy,
            "checked_at": iso(backups.checked_at, zone),
            "problems": list(backups.problems),
        },
    }


def as_json(report: DailyReport) -> dict[str, Any]:
    zone = report.zone
    return {
        **head_json("daily", report.period, zone),
        **figures_json(report.figures),
        **state_json(report.state, zone),
    }


def day_of(period: Period, zone: tzinfo) -> str:
    """The report's date: the local day its period ends."""
    return f"{period.end.astimezone(zone):%Y-%m-%d}"


def _row(w: WorkflowFigures) -> dict[str, Any]:
    return {
        "label": w.label,
        "what": describe(w),
        "done": w.done,
        "failed": w.failed,
        "set_aside": w.set_aside,
        "rate": percent(w.success_rate),
        "failing": [f"{f.item}: {f.reason}" for f in w.failing],
        "recovered": w.recovered,
        "run_errors": [f"{r.count}× {r.reason}" for r in w.run_errors],
    }


def state_view(state: State, zone: tzinfo) -> dict[str, Any]:
    def label(moment: datetime | None) -> str:
        return "" if moment is None else local_label(moment, zone)

    return {
        "as_of": label(state.read_at),
        "set_aside_open": [
            _item(i.workflow, file_reasons.shown_name(i.file_name), i.reason, label(i.since))
            for i in state.set_aside_open
        ],
        "paused": [{"job": p.job, "since": label(p.since), "by": p.by or ""} for p in state.paused],
        "outbox_oldest": label(state.outbox.oldest),
        "backups_checked_at": label(state.backups.checked_at),
    }


def view(report: DailyReport) -> dict[str, Any]:
    zone, period, totals = report.zone, report.period, report.figures.totals
    return {
        "day": day_of(period, zone),
        "start": local_label(period.start, zone),
        "end": local_label(period.end, zone),
        "hours": f"{period.hours:g}",
        "rows": [_row(w) for w in report.figures.workflows],
        "total_rate": percent(totals.success_rate),
        **state_view(report.state, zone),
    }


def context(report: DailyReport) -> DailyReportMail:
    return DailyReportMail(document=as_json(report), view=view(report))


def subject(report: DailyReport) -> str:
    t = report.figures.totals
    return (
        f"Daily report {day_of(report.period, report.zone)}: {t.done} done, {t.failed} failed, "
        f"{t.set_aside} set aside"
    )


def email(report: DailyReport, *, note: str = "") -> Email:
    title = subject(report) + (f" ({note})" if note else "")
    return Email(to="reports", subject=title, context=context(report))
