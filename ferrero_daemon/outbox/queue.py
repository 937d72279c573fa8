"""``notification_outbox``: mails and webhook events waiting to be delivered.

``Outbox`` is the ``Notifier`` every workflow gets. Queuing is one INSERT keyed by
the announcement's dedupe key, so a repeated run queues nothing new. To queue in
the same transaction as the change being announced, ask the notifier for its view of
that transaction: ``async with db.transaction() as tx: ...; await
services.notifier.within(tx).email(key, mail)``; a rollback then takes the mail with
it. ``deliver.py`` sends what is queued.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ferrero_daemon import logs
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain.status_event import CampaignStatusChanged
from ferrero_daemon.store import Store
from ferrero_daemon.store.rows import from_row
from ferrero_daemon.templates import render

log = logs.get_logger(__name__)
Kind = Literal["email", "webhook"]


@dataclass(frozen=True)
class OutboxRow:
    id: int
    kind: Kind
    key: str
    payload: Mapping[str, Any]
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None
    outcome: str | None  # sent | skipped | failed (for good) | None: still to deliver
    note: str | None
    permanent_failures: int = 0


@dataclass(frozen=True)
class OutboxStats:
    pending: int  # still to be sent (given up not included)
    failing: int  # of those, tried at least once
    oldest_pending: datetime | None
    given_up: int = 0  # failed for good: waiting for an operator's requeue
    last_error: str | None = None  # why the most recent failing one failed
    emails: int = 0  # of pending, mails
    webhooks: int = 0  # of pending, webhook events


def email_payload(message: Email) -> dict[str, Any]:
    return {
        "to": message.to,
        "subject": message.subject,
        "template": message.template,
        "context": message.context.values(),
    }


class Outbox(Store):
    """Queues notifications (implements ``Notifier``)."""

    def within(self, tx: Database) -> Outbox:
        return Outbox(tx)

    async def email(self, key: str, message: Email) -> bool:
        # Rendered once here, so a context its template cannot use fails in the run that
        # queues it (InvalidInputError naming the template), not at every delivery attempt.
        render(message.template, message.context.values())
        return await self._queue("email", key, email_payload(message))

    async def webhook(self, key: str, event: CampaignStatusChanged) -> bool:
        return await self._queue("webhook", key, event.to_json())

    async def _queue(self, kind: Kind, key: str, payload: Mapping[str, Any]) -> bool:
        # default=str: dates and decimals in a mail's context arrive as their text.
        row_id = await self._db.fetchval(
            "outbox_insert", kind, key, json.dumps(payload, default=str)
        )
        new = row_id is not None
        log.info("notification_queued", kind=kind, key=key, new=new)
        return new

    async def get(self, key: str) -> OutboxRow | None:
        row = await self._db.fetchrow("outbox_get", key)
        if row is None:
            return None
        return from_row(OutboxRow, row, key=row["dedupe_key"], payload=json.loads(row["payload"]))

    async def stats(self) -> OutboxStats:
        row = await self._db.fetchrow("outbox_stats")
        assert row is not None
        return OutboxStats(**dict(row))

    async def requeue(self, now: datetime, keys: Sequence[str] | None = None) -> list[str]:
        """Rows failed for good (all, or those of ``keys``) are due again at ``now``."""
        rows = await self._db.fetch("outbox_requeue", now, list(keys) if keys else None)
        requeued = [str(r["dedupe_key"]) for r in rows]
        log.info("outbox_requeued", keys=requeued)
        return requeued
