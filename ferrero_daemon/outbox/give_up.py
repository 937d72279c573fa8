"""Outbox rows that fail for good: given up after a bounded number of errors about them.

Only an error about the message itself counts against its row (``about_the_message``):
a recipient refused, a message the server refuses at DATA, a payload the webhook
answers 4xx for, a mail whose template cannot render. At ``GiveUp.after`` of them the
row is marked ``failed`` and no longer tried, and the error recipients get one alert
listing every row in that state (``outbox.alerts``: once per change of the list, and a
"resolved" mail when it empties).

An error of the channel never counts (``channel_wide``): a refused login (a rotated
Mailgun password), an untrusted certificate, the channel's configuration (a webhook URL
that is gone, a sender refused). Every row would fail the same way, so giving them up
would lose the day's report, the alerts and the success mails for a fix that takes a
minute: they wait, backing off (``deliver.CHANNEL_RETRY`` at most), and go as soon as
the channel is fixed. Transient errors (a server down, a 5xx, a 429) never count either.

After fixing the cause, an operator sends them again with ``ferrero-daemon outbox
requeue [KEY ...]`` (or the SQL in deploy/README.md).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from ferrero_daemon.errors import FerreroError, InvalidInputError, TransientError
from ferrero_daemon.outbox.alerts import Alerts, Decision, Origin
from ferrero_daemon.outbox.queue import Outbox

SCOPE = "outbox"
REQUEUE = "fix the cause, then send them again: `ferrero-daemon outbox requeue`"
TITLE = f"mails or webhook events given up after repeated permanent errors; {REQUEUE}"
GIVE_UP_AFTER = 5  # with the outbox's backoff: about 8 minutes from the first failure


def about_the_message(exc: BaseException) -> bool:
    """An error about this row's message or payload: it counts toward giving it up.

    Our clients raise ``InvalidInputError`` for those; an exception from outside our
    tree is this row's rendering or payload failing (the template, the JSON)."""
    return isinstance(exc, InvalidInputError) or not isinstance(exc, FerreroError)


def channel_wide(exc: BaseException) -> bool:
    """A permanent error of the channel (login, certificate, configuration, URL): every
    row would fail alike; it never counts, and the channel's other rows wait."""
    return not isinstance(exc, TransientError) and not about_the_message(exc)


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
        """True when ``exc`` is about the message and the row's last allowed one."""
        return about_the_message(exc) and permanent_failures + 1 >= self.after

    async def alert(self, db: Database, now: datetime) -> Decision:
        """One alert per change of the rows failed for good (none: "resolved", or quiet)."""
        problems = [
            f"{row['kind']} {row['dedupe_key']}: {row['last_error']}"
            for row in await db.fetch("outbox_given_up")
        ]
        origin = Origin(self.host, SCOPE, None, now, self.zone)
        return await Alerts(db, Outbox(db)).update(SCOPE, TITLE, problems, origin)
