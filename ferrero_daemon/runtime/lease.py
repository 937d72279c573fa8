"""The scheduler lease: one row names the active daemon among those sharing a database.

The holder renews it every third of ``runtime.lease_seconds``; a standby claims it once
it has expired, so it takes over within the lease time after the active one dies, even
by ``kill -9``. The database clock decides expiry. ``decide`` is the pure rule; a holder
that cannot renew steps down before its lease can run out, so two never overlap.

The row also names the holder's host and PID. A daemon on the same host (same name,
boot and PID namespace: ``host_identity``) whose holder's process is gone takes the
lease at once (``holder_gone``): after a ``kill -9`` and a restart by systemd, the new
process does not wait out the old one's lease. A holder elsewhere, or one whose PID is
alive (or cannot be checked), is waited out as before.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from ferrero_daemon import logs
from ferrero_daemon.clients.db import Database
from ferrero_daemon.store.rows import from_row

log = logs.get_logger(__name__)

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
    host: str | None = None
    pid: int | None = None


def _first_line(path: str) -> str:
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except OSError:
        return "?"


def host_identity() -> str:
    """Where PIDs mean the same thing: this host's name, its boot, its PID namespace."""
    try:
        namespace = str(Path("/proc/self/ns/pid").stat().st_ino)
    except OSError:
        namespace = "?"
    boot = _first_line("/proc/sys/kernel/random/boot_id")[:8]
    return f"{socket.gethostname()} (boot {boot}, pid ns {namespace})"


def process_alive(pid: int) -> bool:
    """Is ``pid`` a live process here? A zombie (killed, not yet reaped) is not."""
    if pid == os.getpid():
        return False  # asked about a holder that is not us: an earlier process with our PID
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return False
    except OSError:
        stat = ""
    if stat:
        return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


@dataclass(frozen=True)
class Process:
    """This daemon process as the lease row names it."""

    host: str = field(default_factory=host_identity)
    pid: int = field(default_factory=os.getpid)


def holder_gone(info: LeaseInfo, holder: str, me: Process, alive: Callable[[int], bool]) -> bool:
    """The live lease is another holder's, on this host, and its process is gone."""
    return (
        info.live
        and info.holder != holder
        and info.host is not None
        and info.host == me.host
        and info.pid is not None
        and not alive(info.pid)
    )


class Lease:
    def __init__(
        self,
        db: Database,
        holder: str,
        seconds: float,
        name: str = LEASE_NAME,
        *,
        process: Process | None = None,
        alive: Callable[[int], bool] = process_alive,
    ) -> None:
        self._db = db
        self.holder = holder
        self.seconds = seconds
        self._name = name
        self.process = process or Process()
        self._alive = alive

    def use(self, db: Database, seconds: float) -> None:
        """After a reload: the new pool, the new lease length."""
        self._db = db
        self.seconds = seconds

    async def claim(self) -> bool:
        """Take or extend the lease; False when another live daemon holds it."""
        me = self.process
        claimed = await self._db.fetchval(
            "lease_claim", self._name, self.holder, self.seconds, me.host, me.pid
        )
        return claimed is not None or await self._take_from_the_dead()

    async def _take_from_the_dead(self) -> bool:
        info = await self.info()
        if info is None or not holder_gone(info, self.holder, self.process, self._alive):
            return False
        me = self.process
        taken = await self._db.fetchval(
            "lease_take_over", self._name, info.holder, self.holder, self.seconds, me.host, me.pid
        )
        if taken is not None:
            log.info("lease_taken_over", previous=info.holder, previous_pid=info.pid)
        return taken is not None

    async def holds(self) -> bool:
        held: bool = await self._db.fetchval("lease_holds", self._name, self.holder)
        return held

    async def info(self) -> LeaseInfo | None:
        row = await self._db.fetchrow("lease_get", self._name)
        return None if row is None else from_row(LeaseInfo, row)

    async def release(self) -> None:
        await self._db.execute("lease_release", self._name, self.holder)
