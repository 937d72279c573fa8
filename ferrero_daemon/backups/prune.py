"""Applying the retention plan to the backups on disk, logging every deletion.

Manual backups are never pruned: ``backup manual`` is what an operator takes before a
cut-over or a risky change, and only that operator knows when it may go.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ferrero_daemon import logs
from ferrero_daemon.backups import catalog
from ferrero_daemon.backups.catalog import Entry
from ferrero_daemon.backups.layout import Kind, Layout, fsync_dir
from ferrero_daemon.backups.retention import Candidate, Plan, Policy, plan
from ferrero_daemon.config import RetentionConfig

log = logs.get_logger(__name__)


PRUNED_KINDS = (Kind.DAILY, Kind.WEEKLY, Kind.SAFETY)


def policy(kind: Kind, settings: RetentionConfig) -> Policy:
    keep = {
        Kind.DAILY: settings.daily_keep,
        Kind.WEEKLY: settings.weekly_keep,
        Kind.SAFETY: settings.safety_keep,
    }[kind]
    return Policy(keep=keep, max_age=timedelta(days=settings.max_age_days), floor=settings.floor)


def plan_for(layout: Layout, kind: Kind, settings: RetentionConfig, now: datetime) -> Plan:
    found = catalog.entries(layout, [kind])
    candidates = [Candidate(e.id, e.created_at, e.valid, e.tested_at is not None) for e in found]
    return plan(candidates, policy(kind, settings), now)


def prune(layout: Layout, kind: Kind, settings: RetentionConfig, now: datetime) -> list[Entry]:
    """Delete what the plan says, oldest first; call only after a new verified backup."""
    if kind not in PRUNED_KINDS:
        return []
    decided = plan_for(layout, kind, settings, now)
    if decided.below_floor and kind in (Kind.DAILY, Kind.WEEKLY):
        log.warning("backup_retention_below_floor", kind=kind.value, floor=settings.floor)
    by_id = {e.id: e for e in catalog.entries(layout, [kind])}
    deleted = []
    for backup_id in decided.delete:
        entry = by_id[backup_id]
        entry.delete()
        deleted.append(entry)
        log.info("backup_pruned", kind=kind.value, backup_id=backup_id, state=entry.state())
    if deleted:
        fsync_dir(layout.kind_dir(kind))
    return deleted
