"""Outbox rows that fail for good: given up after a bounded number of permanent errors.

A permanent error (anything but ``TransientError``: a refused login, a 4xx, a mail
whose template cannot render) counts against its row. At ``GiveUp.after`` of them the
row is marked ``failed`` and no longer tried, and the error recipients get one alert
listing every row in that state (``outbox.alerts``: once per change of the list, and a
"resolved" mail when it empties). Transient errors never count: those rows keep
waiting, with backoff, for the server to come back.

After fixing the cause, an operator sends them again with ``ferrero-daemon outbox
requeue [KEY ...]`` (or the SQL in deploy/README.md).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from ferrero_daemon.errors import TransientError
from ferrero_daemon.outbox.alerts import Alerts, Decision, Origin
from ferrero_daemon.outbox.queue import Outbox

SCOPE = "outbox"
REQUEUE = "fix the cause, then send them again: `ferrero-daemon outbox requeue`"
TITLE = f"mails or webhook events given up after repeated permanent errors; {REQUEUE}"
GIVE_UP_AFTER = 5  # with the outbox's backoff: about 8 minutes from the first failure


@dataclass(frozen=True)
class GiveUp:
    """After how many permanent failures a row is given up, and where alerts say it was."""

    after: int = GIVE_UP_AFTER
    host: str = field(default_factory=socket.gethostname)
    zone: tzinfo = UTC

    @classmethod
    def from_config(cls, config: Config) -> GiveUp:
        runtime = config.settings.runtime
        return cls(runtime.outbox_give_up_after, config.instance, config.settings.zone)

    def gives_up(self, exc: BaseException, permanent_failures: int) -> bool:
        """True when ``exc`` is permanent and the row's last allowed permanent failure."""
        return not isinstance(exc, TransientError) and permanent_failures + 1 >= self.after

    async def alert(self, db: Database, now: datetime) -> Decision:
        """One alert per change of the rows failed for good (none: "resolved", or quiet)."""
        problems = [
            f"{row['kind']} {row['dedupe_key']}: {row['last_error']}"
            for row in await db.fetch("outbox_given_up")
        ]
        origin = Origin(self.host, SCOPE, None, now, self.zone)
        return await Alerts(db, Outbox(db)).update(SCOPE, TITLE, problems, origin)
