"""Retention on synthetic lists: counts and ages, never below the floor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ferrero_daemon.backups.retention import Candidate, Policy, plan

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
POLICY = Policy(keep=7, max_age=timedelta(days=35), floor=3)


def daily(days_ago: int, *, valid: bool = True, tested: bool = False) -> Candidate:
    at = NOW - timedelta(days=days_ago)
    return Candidate(at.strftime("%Y%m%dT%H%M%SZ"), at, valid, tested)


def test_the_newest_seven_are_kept_and_older_ones_go_oldest_first() -> None:
    backups = [daily(d) for d in range(10)]
    decided = plan(backups, POLICY, NOW)
    assert decided.keep == tuple(b.id for b in backups[:7])
    assert decided.delete == (backups[9].id, backups[8].id, backups[7].id)
    assert not decided.below_floor


def test_backups_past_the_maximum_age_go_but_never_below_the_floor() -> None:
    # The daemon was off for two months: every backup is older than max_age.
    backups = [daily(60 + d) for d in range(5)]
    decided = plan(backups, POLICY, NOW)
    assert decided.keep == tuple(b.id for b in backups[:3])
    assert set(decided.delete) == {backups[3].id, backups[4].id}


def test_with_fewer_valid_backups_than_the_floor_no_valid_one_is_deleted() -> None:
    backups = [daily(0), daily(1, valid=False), daily(50)]
    decided = plan(backups, POLICY, NOW)
    assert set(decided.keep) == {backups[0].id, backups[2].id}
    assert decided.delete == (backups[1].id,)
    assert decided.below_floor


def test_a_broken_backup_newer_than_every_valid_one_is_left_for_inspection() -> None:
    backups = [daily(0, valid=False), daily(1)]
    assert plan(backups, POLICY, NOW).delete == ()


def test_the_newest_test_restored_backup_is_kept_beyond_the_count() -> None:
    backups = [daily(d, tested=(d == 9)) for d in range(10)]
    decided = plan(backups, POLICY, NOW)
    assert backups[9].id in decided.keep
    assert backups[9].id not in decided.delete


def test_a_floor_above_the_count_is_capped_by_the_count() -> None:
    backups = [daily(60 + d) for d in range(4)]
    decided = plan(backups, Policy(keep=1, max_age=timedelta(days=35), floor=3), NOW)
    assert decided.keep == (backups[0].id,)
