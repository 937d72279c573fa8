"""The scheduled backup jobs, as the runtime calls them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from ferrero_daemon.backups import catalog
from ferrero_daemon.backups.context import open_context
from ferrero_daemon.backups.jobs import take
from ferrero_daemon.backups.layout import Kind, Layout
from ferrero_daemon.errors import ConfigError
from ferrero_daemon.jobs import resolve
from ferrero_daemon.services import Services
from ferrero_daemon.store.state import StateStore
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


async def test_manual_backups_are_never_pruned(ops_services: Services, clock: Clock) -> None:
    # The pre-cut-over backup must outlive any retention: four manual backups, each older
    # than retention.max_age by the time the next is taken, and more than the floor.
    retention = ops_services.config.settings.backups.retention
    async with open_context(ops_services.config, ops_services.db, clock) as ctx:
        for _ in range(retention.floor + 1):
            _entry, pruned = await take(ctx, Kind.MANUAL)
            assert pruned == []
            clock.now += timedelta(days=retention.max_age_days + 5)
    manual = catalog.entries(ctx.layout, [Kind.MANUAL])
    assert len(manual) == retention.floor + 1 and all(e.valid for e in manual)


async def a_month_of_dailies_without_a_weekly(services: Services, clock: Clock) -> None:
    async with open_context(services.config, services.db, clock):
        pass  # backups begin under this root now
    clock.now += timedelta(days=30)  # a month later, still no weekly backup
    for _ in range(3):
        await resolve("backup_daily")(services, run_context("backup_daily", clock))
        clock.now += timedelta(hours=20)
    await resolve("backup_check")(services, run_context("backup_check", clock))


async def test_a_missing_weekly_backup_is_flagged_however_many_dailies_exist(
    ops_services: Services, clock: Clock, notifier: RecordingNotifier
) -> None:
    await a_month_of_dailies_without_a_weekly(ops_services, clock)
    (mail,) = notifier.emails.values()
    [problem] = mail.context.values()["problems"]
    assert problem.startswith("no verified weekly backup exists; backups began 32.")


async def test_with_weekly_base_backups_off_the_weekly_job_refuses_and_check_does_not_ask(
    ops_services: Services, clock: Clock, notifier: RecordingNotifier
) -> None:
    settings = ops_services.config.settings
    off = settings.model_copy(
        update={"backups": settings.backups.model_copy(update={"weekly": "off"})}
    )
    services = replace(ops_services, config=replace(ops_services.config, settings=off))
    with pytest.raises(ConfigError, match=r'backups\.weekly = "off"'):
        await resolve("backup_weekly")(services, run_context("backup_weekly", clock))
    await a_month_of_dailies_without_a_weekly(services, clock)
    assert notifier.emails == {}  # healthy without any weekly backup
    health = json.loads(Layout(settings.backups.root).health_file.read_text())
    assert health["healthy"]
    assert await StateStore(services.db).get("backups", "health") == health  # what reports read
    assert 'weekly base backups are off (backups.weekly = "off")' in str(health["checks"])
