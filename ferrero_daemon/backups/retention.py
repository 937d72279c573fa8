"""Which backups to keep: a pure decision over a list, unit-tested on synthetic lists.

Per kind: keep the ``keep`` newest valid backups that are younger than ``max_age``;
never fewer than ``floor`` valid ones whatever their age (the newest are kept); always
the newest one that passed a test restore. Invalid or interrupted backups older than
the newest valid one go. Pruning is only ever run right after a new backup of the same
kind was verified, so a failing backup job can never eat the good ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Candidate:
    id: str
    created_at: datetime
    valid: bool
    tested: bool = False


@dataclass(frozen=True)
class Policy:
    keep: int
    max_age: timedelta
    floor: int


@dataclass(frozen=True)
class Plan:
    keep: tuple[str, ...]
    delete: tuple[str, ...]
    below_floor: bool  # fewer valid backups than the floor exist: nothing valid is deleted


def plan(candidates: Sequence[Candidate], policy: Policy, now: datetime) -> Plan:
    ordered = sorted(candidates, key=lambda c: c.created_at, reverse=True)
    valid = [c for c in ordered if c.valid]
    floor = min(policy.floor, policy.keep)
    kept = {c.id for c in valid[: policy.keep] if now - c.created_at <= policy.max_age}
    kept |= {c.id for c in valid[:floor]}
    tested = next((c for c in valid if c.tested), None)
    if tested is not None:
        kept.add(tested.id)
    newest_valid = valid[0].created_at if valid else None
    delete = [
        c.id
        for c in ordered
        if c.id not in kept
        and (c.valid or (newest_valid is not None and c.created_at < newest_valid))
    ]
    return Plan(
        keep=tuple(c.id for c in ordered if c.id in kept),
        delete=tuple(reversed(delete)),  # oldest first
        below_floor=len(valid) < floor,
    )
