"""Backup health criteria on synthetic facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ferrero_daemon.backups.health import Facts, KindFacts, Thresholds, assess, next_weekly
from ferrero_daemon.backups.manifest import RestoreTrial
from ferrero_daemon.config import parse_settings
from tests.configs import BASE_SETTINGS, deep_merge

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
LIMITS = Thresholds(
    daily_max_age=timedelta(hours=26),
    weekly_max_age=timedelta(days=8),
    size_drop_percent=50,
    floor=3,
)
GOOD_TRIAL = RestoreTrial(
    ok=True, at=(NOW - timedelta(days=1)).isoformat(), duration_s=1, counts_match=True
)


def facts(**changes: object) -> Facts:
    base: dict[str, object] = {
        "now": NOW,
        "daily": KindFacts(
            newest_at=NOW - timedelta(hours=6),
            count=7,
            sizes=(1000, 1010, 990, 1000),
            checked="20261201T010000Z",
            first_at=NOW - timedelta(days=30),
        ),
        "weekly": KindFacts(
            newest_at=NOW - timedelta(days=2),
            count=2,
            sizes=(5000,),
            checked="x",
            first_at=NOW - timedelta(days=30),
        ),
        "last_runs": {"backup_daily": ("succeeded", None), "backup_weekly": ("succeeded", None)},
        "test_restore": GOOD_TRIAL,
        "free_bytes": 50 * 10**9,
        "needed_bytes": 10 * 10**9,
    }
    return Facts(**{**base, **changes})  # type: ignore[arg-type]


def problems(f: Facts) -> list[str]:
    return [c.message for c in assess(f, LIMITS) if not c.ok]


def test_a_fresh_set_of_backups_is_healthy() -> None:
    assert problems(facts()) == []


def test_a_stale_daily_backup_is_a_problem() -> None:
    stale = KindFacts(
        newest_at=NOW - timedelta(hours=30), count=7, first_at=NOW - timedelta(days=30)
    )
    assert problems(facts(daily=stale)) == ["newest daily backup is 30.0 h old (limit 26 h)"]


def test_no_daily_backup_at_all_is_a_problem() -> None:
    assert "no verified daily backup exists" in problems(facts(daily=KindFacts()))


def test_no_weekly_backup_is_fine_on_a_fresh_install_only() -> None:
    young = KindFacts(
        newest_at=NOW - timedelta(hours=2), count=3, sizes=(1,), first_at=NOW - timedelta(days=2)
    )
    assert problems(facts(daily=young, weekly=KindFacts())) == []
    old = KindFacts(
        newest_at=NOW - timedelta(hours=2), count=7, sizes=(1,), first_at=NOW - timedelta(days=20)
    )
    assert problems(facts(daily=old, weekly=KindFacts())) == [
        "no verified weekly backup exists; backups began 20.0 days ago (limit 8 days)"
    ]


def test_a_fresh_install_is_told_when_its_first_weekly_is_due_by_the_schedule() -> None:
    young = KindFacts(newest_at=NOW, count=1, sizes=(1,), first_at=NOW - timedelta(hours=2))
    settings = parse_settings(deep_merge(BASE_SETTINGS, {"jobs": {"backup_weekly": {
        "schedule": "30 4 * * 3"}}}))  # fmt: skip
    due = next_weekly(settings, NOW)  # NOW is a Tuesday
    assert due == datetime(2026, 12, 2, 4, 30, tzinfo=ZoneInfo("Europe/Rome"))
    [check] = [c for c in assess(facts(daily=young, weekly=KindFacts(), weekly_due=due), LIMITS)
               if c.name == "weekly_age"]  # fmt: skip
    assert (
        check.ok and check.message == "no weekly backup yet (the first is due 2026-12-02 04:30 CET)"
    )


def test_a_missing_weekly_is_overdue_even_when_seven_dailies_exist() -> None:
    # Retention keeps 7 dailies, so the oldest on disk is never older than a week: the
    # age of the installation comes from when backups began under the root.
    week = KindFacts(
        newest_at=NOW - timedelta(hours=6), count=7, sizes=(1,), first_at=NOW - timedelta(days=6)
    )
    began = NOW - timedelta(days=30)
    assert problems(facts(daily=week, weekly=KindFacts(), since=began)) == [
        "no verified weekly backup exists; backups began 30.0 days ago (limit 8 days)"
    ]
    assert problems(facts(daily=week, weekly=KindFacts(), since=NOW - timedelta(days=3))) == []
    stale = KindFacts(newest_at=NOW - timedelta(days=9), count=1, first_at=began)
    assert problems(facts(daily=week, weekly=stale, since=began)) == [
        "newest weekly backup is 9.0 days old (limit 8 days)"
    ]


def test_with_weekly_base_backups_off_no_weekly_is_expected() -> None:
    off = replace(LIMITS, weekly=False)
    runs = {"backup_daily": ("succeeded", None), "backup_weekly": ("failed", "no replication")}
    checks = assess(facts(weekly=KindFacts(), last_runs=runs, since=NOW - timedelta(days=60)), off)
    assert [c.message for c in checks if not c.ok] == []
    assert 'weekly base backups are off (backups.weekly = "off")' in [c.message for c in checks]


def test_a_failed_last_run_is_a_problem_with_its_error() -> None:
    runs = {
        "backup_daily": ("failed", "pg_dump exited with 1: lock timeout"),
        "backup_weekly": ("succeeded", None),
    }
    assert problems(facts(last_runs=runs)) == [
        "last backup_daily run failed: pg_dump exited with 1: lock timeout"
    ]


def test_a_dump_half_the_size_of_recent_ones_is_a_problem() -> None:
    shrunk = KindFacts(
        newest_at=NOW - timedelta(hours=6),
        count=7,
        sizes=(400, 1000, 1010, 990),
        first_at=NOW - timedelta(days=30),
    )
    (problem,) = problems(facts(daily=shrunk))
    assert "dropped by more than 50 %" in problem


def test_too_few_retained_backups_is_a_problem_after_the_first_days() -> None:
    few = KindFacts(
        newest_at=NOW - timedelta(hours=6),
        count=2,
        sizes=(1000, 1000),
        first_at=NOW - timedelta(days=30),
    )
    assert problems(facts(daily=few)) == [
        "2 verified daily and 2 weekly backups retained (at least 3 daily expected)"
    ]


def test_a_failed_test_restore_and_little_disk_are_problems() -> None:
    failed = RestoreTrial(
        ok=False,
        at=NOW.isoformat(),
        duration_s=1,
        counts_match=False,
        detail="public.x: 1 rows, expected 2",
    )
    found = problems(facts(test_restore=failed, free_bytes=10**9))
    assert found == [
        "test restore at 2026-12-01 08:00 failed: public.x: 1 rows, expected 2",
        "1.0 GB free for backups, 10.0 GB needed for the next one",
    ]


def test_a_damaged_newest_backup_is_named() -> None:
    damaged = KindFacts(
        newest_at=NOW - timedelta(hours=6),
        count=7,
        sizes=(1000,),
        checked="20261201T010000Z",
        integrity="dump changed size",
        first_at=NOW - timedelta(days=30),
    )
    assert problems(facts(daily=damaged)) == [
        "newest daily backup 20261201T010000Z is damaged: dump changed size"
    ]
