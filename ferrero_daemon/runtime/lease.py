"""The scheduler lease: one row names the active daemon among those sharing a database.

The holder renews it every third of ``runtime.lease_seconds``; a standby claims it once
it has expired, so it takes over within the lease time after the active one dies, even
by ``kill -9``. The database clock decides expiry. ``decide`` is the pure rule; a holder
that cannot renew steps down before its lease can run out, so two never overlap.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ferrero_daemon.clients.db import Database
from ferrero_daemon.store.rows import from_row

Role = Literal["active", "standby"]
Action = Literal["promote", "demote", "stay"]
LEASE_NAME = "scheduler"


def holder_name(instance: str) -> str:
    """Unique per process: two daemons on one host, or a restart, never share a name."""
    return f"{instance}/{os.getpid()}/{uuid.uuid4().hex[:6]}"


def renew_interval(lease_seconds: float) -> float:
    return lease_seconds / 3


def decide(
    role: Role, claimed: bool | None, since_renewed_s: float, lease_seconds: float
) -> Action:
    """``claimed`` is None when the database could not be asked."""
    if claimed:
        return "promote" if role == "standby" else "stay"
    if role == "standby":
        return "stay"
    if claimed is False:
        return "demote"
    # Unreachable database: keep going while the lease surely still holds, step down
    # one renew interval before it could expire, so a standby never overlaps us.
    return "demote" if since_renewed_s >= lease_seconds - renew_interval(lease_seconds) else "stay"


@dataclass(frozen=True)
class LeaseInfo:
    holder: str
    acquired_at: datetime
    expires_at: datetime
    live: bool


class Lease:
    def __init__(self, db: Database, holder: str, seconds: float, name: str = LEASE_NAME) -> None:
        self._db = db
        self.holder = holder
        self.seconds = seconds
        self._name = name

    def use(self, db: Database, seconds: float) -> None:
        """After a reload: the new pool, the new lease length."""
        self._db = db
        self.seconds = seconds

    async def claim(self) -> bool:
        """Take or extend the lease; False when another daemon holds it."""
        return (
            await self._db.fetchval("lease_claim", self._name, self.holder, self.seconds)
            is not None
        )

    async def holds(self) -> bool:
        held: bool = await self._db.fetchval("lease_holds", self._name, self.holder)
        return held

    async def info(self) -> LeaseInfo | None:
        row = await self._db.fetchrow("lease_get", self._name)
        return None if row is None else from_row(LeaseInfo, row)

    async def release(self) -> None:
        await self._db.execute("lease_release", self._name, self.holder)
