"""The scheduled backup jobs, as the runtime calls them."""

from __future__ import annotations

from datetime import timedelta

from ferrero_daemon.backups import catalog
from ferrero_daemon.backups.layout import Kind, Layout
from ferrero_daemon.jobs import resolve
from ferrero_daemon.services import Services
from tests.fixtures.ops import Clock, RecordingNotifier, run_context


async def test_the_daily_job_backs_up_and_prunes_to_the_retention(
    ops_services: Services, clock: Clock
) -> None:
    daily = resolve("backup_daily")
    layout = Layout(ops_services.config.settings.backups.root)
    for _ in range(9):
        report = await daily(ops_services, run_context("backup_daily", clock))
        assert report.outcome == "succeeded"
        clock.now += timedelta(days=1)

    kept = catalog.entries(layout, [Kind.DAILY])
    assert len(kept) == ops_services.config.settings.backups.retention.daily_keep
    assert all(e.valid for e in kept)
    assert report.counts["pruned"] == 1


async def test_a_dry_run_writes_nothing(ops_services: Services, clock: Clock) -> None:
    report = await resolve("backup_daily")(
        ops_services, run_context("backup_daily", clock, dry_run=True)
    )
    layout = Layout(ops_services.config.settings.backups.root)
    assert report.counts == {"skipped": 1}
    assert catalog.entries(layout) == []


async def test_the_check_mails_the_error_recipients_once_per_change(
    ops_services: Services, clock: Clock, notifier: RecordingNotifier
) -> None:
    check = resolve("backup_check")
    await check(ops_services, run_context("backup_check", clock))
    await check(ops_services, run_context("backup_check", clock))
    (mail,) = notifier.emails.values()
    assert mail.to == "errors"
    assert mail.context.values()["problems"] == ["no verified daily backup exists"]

    await resolve("backup_daily")(ops_services, run_context("backup_daily", clock))
    await check(ops_services, run_context("backup_check", clock))
    subjects = [m.subject for m in notifier.emails.values()]
    assert subjects == [
        "Problem: Database backups are unhealthy",
        "Resolved: Database backups are unhealthy",
    ]
