"""The daily report job: every period that ended since the last report, mailed once.

A period ends at each scheduled report time (``periods.py``). The job reports every
period that ended since the last one recorded: one at 19:00 on an ordinary day, each
missed one after downtime (the runtime runs the job at start when its time passed
meanwhile, ``runtime/catchup.py``), none when run by hand before the next report time.
Each period's mail is queued in the transaction that records the period in
``report_periods``, under a key naming the period, so a crash, a retry or a second
daemon never mails a period twice and never skips one. A test send or a preview
(``report --send``, ``report``) goes through none of this: it cannot use up a period.
"""

from __future__ import annotations

from datetime import UTC

from ferrero_daemon import logs
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Notifier
from ferrero_daemon.domain.report_periods import Period
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.report import document, periods
from ferrero_daemon.report.gather import DailyReport, gather
from ferrero_daemon.services import Services
from ferrero_daemon.store.report_periods import ReportPeriods
from ferrero_daemon.templates import render

log = logs.get_logger(__name__)


def key(period: Period) -> str:
    """The outbox key of a period's scheduled mail: where the period ends (as
    ``report_periods`` does), never the time the mail was queued."""
    return f"daily_report:{period.end.astimezone(UTC).isoformat()}"


def text(report: DailyReport) -> str:
    return render(document.TEMPLATE, document.context(report).values()).text


async def queue(db: Database, notifier: Notifier, report: DailyReport, run_id: str) -> bool:
    """Record the period and queue its mail, together; False when it was reported before."""
    async with db.transaction() as tx:
        if not await ReportPeriods(tx).claim(report.period, run_id):
            return False
        await notifier.within(tx).email(key(report.period), document.email(report))
    return True


async def run_job(services: Services, run: RunContext) -> RunReport:
    now = run.now()
    config = services.config
    result = RunReport()
    due = await periods.due(services.db, config, now)
    if not due:
        result.count("nothing_due")
        log.info("daily_report_nothing_due")
    for period in due:
        report = await gather(services.db, config, period, now)
        if run.dry_run:
            result.count("would_report")
            continue
        queued = await queue(services.db, services.notifier, report, run.run_id)
        result.count("reported" if queued else "already_reported")
        log.info(
            "daily_report_queued" if queued else "daily_report_already_reported",
            period_start=report.period.start.isoformat(),
            period_end=report.period.end.isoformat(),
        )
    return result
