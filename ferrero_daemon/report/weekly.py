"""``report --week``: the checklist's week-one summary (CUTOVER-TODOS §21, Day 7).

Seven consecutive report periods ending with the chosen one: per day and per workflow
what went through, with running totals, then the week as one period (its campaigns,
assets and overall success rate), the issues resolved (set-aside files taken back)
and the issues outstanding when it is read. Counted by the same rules as the daily
report (``domain/report_figures.py``); a mail and a ``--json`` document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Email
from ferrero_daemon.config import Config
from ferrero_daemon.domain import file_reasons
from ferrero_daemon.domain.local_time import local_label
from ferrero_daemon.domain.mails import WeeklyReportMail
from ferrero_daemon.domain.report_figures import (
    DONE,
    Figures,
    Running,
    describe,
    percent,
    running_totals,
)
from ferrero_daemon.domain.report_periods import Period, days_of_week
from ferrero_daemon.report import document
from ferrero_daemon.report.gather import State, figures_of, state_now
from ferrero_daemon.report.periods import schedule

TEMPLATE = WeeklyReportMail.TEMPLATE


@dataclass(frozen=True)
class Day:
    period: Period
    figures: Figures


@dataclass(frozen=True)
class WeeklyReport:
    zone: ZoneInfo
    days: tuple[Day, ...]
    week: Figures
    resolved: int
    state: State

    @property
    def period(self) -> Period:
        return Period(self.days[0].period.start, self.days[-1].period.end)

    @property
    def running(self) -> list[Running]:
        return running_totals([d.figures for d in self.days])


async def gather_week(db: Database, config: Config, last: Period, now: datetime) -> WeeklyReport:
    zone = config.settings.zone
    periods = days_of_week(schedule(config), last)
    days = tuple([Day(p, await figures_of(db, p)) for p in periods])
    whole = Period(periods[0].start, periods[-1].end)
    return WeeklyReport(
        zone=zone,
        days=days,
        week=await figures_of(db, whole),
        resolved=int(await db.fetchval("report_set_aside_resolved", whole.start, whole.end)),
        state=await state_now(db, now),
    )


def outstanding(report: WeeklyReport) -> list[str]:
    """What still needs someone, in words: the checklist's "Outstanding issues"."""
    state = report.state
    issues = [f"{w.workflow}: still failing: {f.item}: {f.reason}"
              for w in report.week.workflows for f in w.failing]  # fmt: skip
    issues += [
        f"set aside in {i.workflow}: {file_reasons.line(i.file_name, i.reason)}"
        for i in state.set_aside_open
    ]
    issues += [f"job {p.job} is paused" for p in state.paused]
    if state.outbox.failing:
        issues.append(f"{state.outbox.failing} mail(s) or webhook event(s) failing to send")
    if state.outbox.given_up:
        issues.append(
            f"{state.outbox.given_up} mail(s) or webhook event(s) given up for good: "
            "`ferrero-daemon outbox requeue` once fixed"
        )
    issues += [f"backups: {p}" for p in state.backups.problems]
    return issues


def _day_json(day: Day, running: Running, zone: tzinfo) -> dict[str, Any]:
    return {
        "date": document.day_of(day.period, zone),
        **document.period_json(day.period, zone),
        "workflows": {w.workflow: document.workflow_counts(w) for w in day.figures.workflows},
        "total": document.totals_json(day.figures.totals),
        "running": {
            "done": running.done,
            "assets": running.assets,
            "failed": running.failed,
            "by_workflow": dict(running.by_workflow),
        },
    }


def as_json(report: WeeklyReport) -> dict[str, Any]:
    zone = report.zone
    return {
        **document.head_json("weekly", report.period, zone),
        "days": [_day_json(d, r, zone) for d, r in zip(report.days, report.running, strict=True)],
        **document.figures_json(report.week),
        "issues_resolved": report.resolved,
        "outstanding_issues": outstanding(report),
        **document.state_json(report.state, zone),
    }


def _view(report: WeeklyReport) -> dict[str, Any]:
    zone = report.zone
    return {
        "first": document.day_of(report.days[0].period, zone),
        "last": document.day_of(report.days[-1].period, zone),
        "start": local_label(report.period.start, zone),
        "end": local_label(report.period.end, zone),
        "hours": f"{report.period.hours:g}",
        "as_of": local_label(report.state.read_at, zone),
        "columns": [name for name in DONE],
        "rate": percent(report.week.totals.success_rate),
        "workflows": [{"label": w.label, "what": describe(w)} for w in report.week.workflows],
    }


def context(report: WeeklyReport) -> WeeklyReportMail:
    return WeeklyReportMail(document=as_json(report), view=_view(report))


def email(report: WeeklyReport, *, note: str = "") -> Email:
    t, view = report.week.totals, _view(report)
    title = (
        f"Week summary {view['first']} to {view['last']}: {t.done} done, {t.failed} failed, "
        f"success rate {view['rate']}"
    ) + (f" ({note})" if note else "")
    return Email(to="reports", subject=title, context=context(report))
