"""Backup health: pure criteria over gathered facts, and the gathering itself.

``assess`` is the rule (unit-tested on synthetic facts); ``gather`` reads the disk,
re-verifies the newest backup of each kind, runs the periodic test restore and reads
the last scheduled runs. The result is printed by ``backup check``, recorded in the
database (``workflow_state``, scope ``backups``, key ``health``: what the daily report
shows, readable by anyone who can read the report's figures) and in ``health.json``
(readable when the database is down, by whoever may open the 0700 backup root), and
alerted by the daemon.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from ferrero_daemon.backups import backup, catalog, manifest, scratch
from ferrero_daemon.backups.catalog import Entry
from ferrero_daemon.backups.context import OpsContext
from ferrero_daemon.backups.layout import Kind
from ferrero_daemon.backups.manifest import RestoreTrial
from ferrero_daemon.config import BackupConfig, Settings
from ferrero_daemon.cron import LocalCronTrigger
from ferrero_daemon.domain.local_time import local_label
from ferrero_daemon.store.state import StateStore

BACKUP_JOBS = ("backup_daily", "backup_weekly")
STATE = ("backups", "health")  # workflow_state (scope, key) of the last check
GB = backup.GB


@dataclass(frozen=True)
class KindFacts:
    newest_at: datetime | None = None
    count: int = 0
    sizes: tuple[int, ...] = ()  # of valid backups, newest first
    checked: str | None = None  # ID of the newest complete backup, re-verified
    integrity: str | None = None  # why that one is unusable; None = it reads back in full
    first_at: datetime | None = None  # the oldest backup of any state, "since install"


@dataclass(frozen=True)
class Facts:
    now: datetime
    daily: KindFacts
    weekly: KindFacts
    last_runs: Mapping[str, tuple[str, str | None]]  # job -> (outcome, error)
    test_restore: RestoreTrial | None
    free_bytes: int
    needed_bytes: int
    since: datetime | None = None  # when backups began under this root (layout.since)
    weekly_due: datetime | None = None  # the next [jobs.backup_weekly] time, local


@dataclass(frozen=True)
class Thresholds:
    daily_max_age: timedelta
    weekly_max_age: timedelta
    size_drop_percent: float
    floor: int
    weekly: bool = True  # backups.weekly = "base"

    @classmethod
    def from_settings(cls, settings: BackupConfig) -> Thresholds:
        return cls(
            daily_max_age=timedelta(hours=settings.daily_max_age_hours),
            weekly_max_age=timedelta(days=settings.weekly_max_age_days),
            size_drop_percent=settings.size_drop_percent,
            floor=settings.retention.floor,
            weekly=settings.weekly == "base",
        )


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str


@dataclass(frozen=True)
class Health:
    checked_at: str
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def healthy(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[str]:
        return [c.message for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "healthy": self.healthy}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _label(moment: datetime) -> str:
    return local_label(moment, moment.tzinfo or UTC)


def next_weekly(settings: Settings, now: datetime) -> datetime | None:
    """When ``[jobs.backup_weekly] schedule`` fires next, in the configured zone."""
    trigger = LocalCronTrigger(settings.jobs.backup_weekly.schedule, settings.zone)
    fire = trigger.get_next_fire_time(None, now)
    return None if fire is None else fire.astimezone(settings.zone)


def _age(now: datetime, then: datetime) -> str:
    hours = (now - then).total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def check_daily_age(f: Facts, t: Thresholds) -> Check:
    newest = f.daily.newest_at
    if newest is None:
        return Check("daily_age", False, "no verified daily backup exists")
    ok = f.now - newest <= t.daily_max_age
    limit = t.daily_max_age.total_seconds() / 3600
    return Check(
        "daily_age", ok, f"newest daily backup is {_age(f.now, newest)} old (limit {limit:g} h)"
    )


def check_weekly_age(f: Facts, t: Thresholds) -> Check:
    if not t.weekly:
        return Check("weekly_age", True, 'weekly base backups are off (backups.weekly = "off")')
    newest = f.weekly.newest_at
    limit = t.weekly_max_age.days
    if newest is None:
        # A fresh install has no weekly until its first Sunday: not a problem yet. "Fresh"
        # is measured from when backups began, not from the oldest daily on disk: once
        # retention keeps 7 dailies, that one is never older than a week.
        since = f.since or f.daily.first_at or f.weekly.first_at
        if since is None or f.now - since <= t.weekly_max_age:
            due = f" (the first is due {_label(f.weekly_due)})" if f.weekly_due else ""
            return Check("weekly_age", True, f"no weekly backup yet{due}")
        return Check(
            "weekly_age",
            False,
            f"no verified weekly backup exists; backups began {_age(f.now, since)} ago "
            f"(limit {limit} days)",
        )
    ok = f.now - newest <= t.weekly_max_age
    return Check(
        "weekly_age", ok, f"newest weekly backup is {_age(f.now, newest)} old (limit {limit} days)"
    )


def check_counts(f: Facts, t: Thresholds) -> Check | None:
    if f.daily.newest_at is None:
        return None  # check_daily_age already says there is none
    days = (f.now - f.daily.first_at).days + 1 if f.daily.first_at else 1
    wanted = min(t.floor, days)
    said = f"{f.daily.count} verified daily and {f.weekly.count} weekly backups retained"
    short = f" (at least {wanted} daily expected)"
    return _at_least("retained", f.daily.count, wanted, said, short)


def check_last_runs(f: Facts, t: Thresholds) -> list[Check]:
    out = []
    for job, (outcome, error) in sorted(f.last_runs.items()):
        if job == "backup_weekly" and not t.weekly:
            continue
        ok = outcome == "succeeded"
        detail = "" if ok or not error else f": {error}"
        out.append(Check(f"last_{job}", ok, f"last {job} run {outcome}{detail}"))
    return out


def check_integrity(f: Facts, _t: Thresholds) -> list[Check]:
    out = []
    for kind, facts in (("daily", f.daily), ("weekly", f.weekly)):
        if facts.checked is not None:
            ok = facts.integrity is None
            state = "reads back in full" if ok else f"is damaged: {facts.integrity}"
            message = f"newest {kind} backup {facts.checked} {state}"
            out.append(Check(f"{kind}_integrity", ok, message))
    return out


def check_size(f: Facts, t: Thresholds) -> Check | None:
    if len(f.daily.sizes) < 2:
        return None
    newest, median = f.daily.sizes[0], statistics.median(f.daily.sizes[1:8])
    floor = median * (1 - t.size_drop_percent / 100)
    said = f"newest daily backup is {newest:,} bytes; recent median {median:,.0f} bytes"
    short = f" (dropped by more than {t.size_drop_percent:g} %)"
    return _at_least("daily_size", newest, floor, said, short)


def check_test_restore(f: Facts, _t: Thresholds) -> Check | None:
    trial = f.test_restore
    if trial is None:
        return None
    when = trial.at[:16].replace("T", " ")
    if trial.ok:
        return Check("test_restore", True, f"test restore at {when} matched the manifest")
    return Check("test_restore", False, f"test restore at {when} failed: {trial.detail}")


def check_disk(f: Facts, _t: Thresholds) -> Check:
    said = f"{f.free_bytes / GB:.1f} GB free for backups"
    short = f", {f.needed_bytes / GB:.1f} GB needed for the next one"
    return _at_least("free_disk", f.free_bytes, f.needed_bytes, said, short)


def _at_least(name: str, measured: float, least: float, said: str, short: str) -> Check:
    """A check that a measure reaches its floor: what was measured, and when it falls
    short, what was expected (``short``)."""
    ok = measured >= least
    return Check(name, ok, said if ok else said + short)


def assess(facts: Facts, thresholds: Thresholds) -> list[Check]:
    checks: list[Check | None] = [
        check_daily_age(facts, thresholds),
        check_weekly_age(facts, thresholds),
        check_counts(facts, thresholds),
        *check_last_runs(facts, thresholds),
        *check_integrity(facts, thresholds),
        check_size(facts, thresholds),
        check_test_restore(facts, thresholds),
        check_disk(facts, thresholds),
    ]
    return [c for c in checks if c is not None]


# ---- gathering -------------------------------------------------------------


async def _kind_facts(ctx: OpsContext, found: Sequence[Entry], kind: Kind) -> KindFacts:
    of_kind = [e for e in found if e.kind is kind]
    valid = [e for e in of_kind if e.valid]
    complete = next((e for e in of_kind if e.manifest is not None), None)
    return KindFacts(
        newest_at=valid[0].created_at if valid else None,
        count=len(valid),
        sizes=tuple(e.size for e in valid),
        checked=complete.id if complete else None,
        integrity=await _integrity(ctx, complete) if complete else None,
        first_at=of_kind[-1].created_at if of_kind else None,
    )


async def _integrity(ctx: OpsContext, entry: Entry) -> str | None:
    """Why the newest complete backup is unusable, or None when it reads back in full."""
    if not entry.valid:
        return entry.problem
    verification = await backup.reverify(ctx, entry)
    return None if verification.ok else verification.detail


async def latest_trial(ctx: OpsContext, found: Sequence[Entry]) -> RestoreTrial | None:
    """The newest test restore; a new one on the newest daily when one is due."""
    trials = [e.manifest.verification.test_restore for e in found if e.manifest]
    done = sorted((t for t in trials if t is not None), key=lambda t: t.at)
    last = done[-1] if done else None
    every = timedelta(days=ctx.settings.test_restore_every_days)
    due = last is None or ctx.now() - datetime.fromisoformat(last.at) >= every
    newest = catalog.newest_valid(found, Kind.DAILY)
    if not due or newest is None or newest.manifest is None:
        return last
    result = await scratch.trial(ctx, newest)
    verification = newest.manifest.verification
    manifest.write(
        newest.manifest.with_verification(
            manifest.Verification(
                verification.sha256_ok,
                verification.full_read_ok,
                verification.at,
                verification.detail,
                test_restore=result,
            )
        ),
        newest.manifest_path,
    )
    return result


async def last_runs(ctx: OpsContext) -> dict[str, tuple[str, str | None]]:
    rows = await ctx.db.fetch("ops_last_runs", list(BACKUP_JOBS))
    return {r["job"]: (r["outcome"], r["error"]) for r in rows}


async def gather(ctx: OpsContext) -> Facts:
    found = catalog.entries(ctx.layout)
    daily = await _kind_facts(ctx, found, Kind.DAILY)
    weekly = await _kind_facts(ctx, found, Kind.WEEKLY)
    estimate = max([*daily.sizes[:3], *weekly.sizes[:1], 0])
    return Facts(
        now=ctx.now(),
        daily=daily,
        weekly=weekly,
        last_runs=await last_runs(ctx),
        test_restore=await latest_trial(ctx, found),
        free_bytes=ctx.layout.free_bytes(),
        needed_bytes=int(ctx.settings.min_free_gb * GB) + 2 * estimate,
        since=ctx.layout.since(),
        weekly_due=next_weekly(ctx.config.settings, ctx.now()),
    )


async def run_check(ctx: OpsContext, *, record: bool = True) -> Health:
    """Check the backups; ``record`` (not in a dry run): in the database and health.json."""
    facts = await gather(ctx)
    health = Health(
        ctx.now().isoformat(), tuple(assess(facts, Thresholds.from_settings(ctx.settings)))
    )
    if record:
        await StateStore(ctx.db).put(*STATE, health.to_dict())
        _write_file(ctx, health)
    return health


def _write_file(ctx: OpsContext, health: Health) -> None:
    path = ctx.layout.health_file
    partial = path.with_name(path.name + ".partial")
    partial.write_text(health.to_json(), encoding="utf-8")
    partial.replace(path)
