"""The backup jobs the runtime schedules: daily dump, weekly base backup, health check.

A failed backup raises ``BackupError`` (the runner records it and mails the error
recipients); older backups are pruned only after a new one of the same kind verified.
The check reports through ``alerts.Alerts`` under scope ``backups``: one mail when the
set of problems changes, one when it clears.
"""

from __future__ import annotations

from ferrero_daemon import logs
from ferrero_daemon.backups import backup, health, prune
from ferrero_daemon.backups.catalog import Entry
from ferrero_daemon.backups.context import OpsContext, open_context
from ferrero_daemon.backups.layout import Kind
from ferrero_daemon.config import BackupConfig
from ferrero_daemon.errors import ConfigError
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.outbox.alerts import Alerts, Origin
from ferrero_daemon.services import Services

log = logs.get_logger(__name__)

ALERT_SCOPE = "backups"
ALERT_TITLE = "Database backups are unhealthy"


def refuse_weekly_when_off(settings: BackupConfig, kind: Kind) -> None:
    if kind is Kind.WEEKLY and settings.weekly == "off":
        raise ConfigError(
            'weekly base backups are off (backups.weekly = "off"): the database service '
            'backs itself up; set backups.weekly = "base" to take them here'
        )


async def take(ctx: OpsContext, kind: Kind) -> tuple[Entry, list[Entry]]:
    """A new verified backup of ``kind``, then retention for that kind."""
    refuse_weekly_when_off(ctx.settings, kind)
    ctx.layout.sweep_tmp()
    entry = await (
        backup.take_physical(ctx) if kind is Kind.WEEKLY else backup.take_logical(ctx, kind)
    )
    pruned = prune.prune(ctx.layout, kind, ctx.settings.retention, ctx.now())
    return entry, pruned


async def _backup_job(services: Services, run: RunContext, kind: Kind) -> RunReport:
    report = RunReport()
    refuse_weekly_when_off(services.config.settings.backups, kind)
    async with open_context(services.config, services.db, run.now) as ctx:
        if run.dry_run:
            facts = await backup.server_facts(ctx)
            estimate = facts.cluster_size if kind is Kind.WEEKLY else facts.db_size // 10
            backup.check_free_space(ctx, kind, estimate)
            report.count("skipped")
            return report
        entry, pruned = await take(ctx, kind)
    report.count("backups")
    report.count("bytes", entry.size)
    report.count("pruned", len(pruned))
    run.progress.moved(entry.size)
    return report


async def backup_daily(services: Services, run: RunContext) -> RunReport:
    return await _backup_job(services, run, Kind.DAILY)


async def backup_weekly(services: Services, run: RunContext) -> RunReport:
    return await _backup_job(services, run, Kind.WEEKLY)


async def backup_check(services: Services, run: RunContext) -> RunReport:
    async with open_context(services.config, services.db, run.now) as ctx:
        result = await health.run_check(ctx, record=not run.dry_run)
    report = RunReport()
    report.count("checks", len(result.checks))
    report.count("problems", len(result.problems))
    if not run.dry_run:
        origin = Origin.of_run(services.config, run.job, run.run_id, run.now())
        await Alerts(services.db, services.notifier).update(
            ALERT_SCOPE, ALERT_TITLE, result.problems, origin
        )
    log.info("backup_health", healthy=result.healthy, problems=result.problems)
    return report
