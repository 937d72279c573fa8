"""Delivering the outbox: every due mail and webhook event, retried until it goes or fails for good.

``deliver_pending`` claims due rows (``outbox_claim``: ``FOR UPDATE SKIP LOCKED`` and
a lease, so two daemons never send one row twice), sends each, and records the
result: sent, skipped (a webhook event with no webhook configured, with a note),
failed with its error and the time of the next attempt, or failed for good. The
runtime calls it every ``[runtime] outbox_interval_seconds`` and right after each job
run. Delivery is at least once: a process killed between sending and recording sends
that row again.

A transient error (a server down, a 5xx, a 429) is retried for as long as it lasts,
with a backoff (``backoff``) that caps at an hour, so a fixed problem is noticed soon;
never sooner than a ``Retry-After``. An error of the channel (a refused login, an
untrusted certificate, the channel's configuration) is retried for as long as it lasts
too, capped at ``CHANNEL_RETRY`` so the fix is seen within minutes; the first row that
meets it in a pass stands for the channel's other rows, which wait without being tried
(one login a pass, one ``outbox_channel_down`` error line). An error about the message
itself is retried ``[runtime] outbox_give_up_after`` times, since a reload often fixes
it: then the row fails for good and the error recipients are alerted once
(``give_up.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from asyncpg import Record

from ferrero_daemon import logs
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain.mails import read_context
from ferrero_daemon.errors import FerreroError, InvalidInputError, TransientError, describe
from ferrero_daemon.outbox.give_up import REQUEUE, GiveUp, channel_wide

log = logs.get_logger(__name__)

FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
# A channel refusing us (login, certificate, configuration) is fixed by an operator:
# once fixed, the waiting mails go within this long.
CHANNEL_RETRY = timedelta(minutes=5)
CLAIM_LEASE = timedelta(minutes=5)  # longer than any one send may take (its timeouts)
BATCH = 50
NO_WEBHOOK_NOTE = "no webhook configured ([webhook] url is empty); event not sent"


class MailSender(Protocol):
    async def send(self, message: Email, key: str | None = None) -> None: ...


class WebhookPoster(Protocol):
    @property
    def enabled(self) -> bool: ...

    async def post(self, event: Mapping[str, Any], key: str | None = None) -> int: ...


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped: int = 0
    failed: int = 0  # given up included
    given_up: int = 0
    postponed: int = 0  # not tried: their channel refused us earlier in the pass
    errors: list[str] = field(default_factory=list)  # "key: message", one per failure

    @property
    def attempted(self) -> int:
        return self.sent + self.skipped + self.failed


def backoff(
    attempts: int, retry_after: float | None = None, cap: timedelta = MAX_RETRY
) -> timedelta:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min, … at most ``cap`` (an
    hour), and never sooner than a remote's ``Retry-After``."""
    doublings = min(max(0, attempts - 1), 16)  # 2**16 × 30 s is far past the cap
    delay = min(FIRST_RETRY * (1 << doublings), cap)
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def _email(payload: Mapping[str, Any]) -> Email:
    try:
        context = read_context(payload["template"], payload.get("context", {}))
        return Email(to=payload["to"], subject=payload["subject"], context=context)
    except KeyError as exc:
        raise InvalidInputError(f"outbox mail without {exc.args[0]!r}") from exc


async def _send(row: Record, mailer: MailSender, webhook: WebhookPoster | None) -> str | None:
    """Deliver one row; the note to record when it was skipped, else None."""
    payload = json.loads(row["payload"])
    if row["kind"] == "email":
        await mailer.send(_email(payload), key=row["dedupe_key"])
        return None
    if webhook is None or not webhook.enabled:
        return NO_WEBHOOK_NOTE
    await webhook.post(payload, key=row["dedupe_key"])
    return None


async def _record_failure(
    db: Database, row: Record, exc: Exception, now: datetime, give_up: GiveUp
) -> tuple[str, bool]:
    """Reschedule the row, or give it up; its error as recorded, and whether given up."""
    # Our messages carry no secret; the redactor is the second line of defence.
    message = logs.REDACTOR.scrub_text(describe(exc))[:1000]
    fields = {"kind": row["kind"], "key": row["dedupe_key"], "attempts": row["attempts"]}
    if give_up.gives_up(exc, row["permanent_failures"]):
        await db.execute("outbox_give_up", row["id"], message)
        log.error("outbox_given_up", **fields, error=message, hint=REQUEUE)
        return message, True
    retry_after = exc.retry_after if isinstance(exc, FerreroError) else None
    cap = CHANNEL_RETRY if channel_wide(exc) else MAX_RETRY
    next_at = now + backoff(row["attempts"], retry_after, cap)
    counts = not isinstance(exc, TransientError) and not channel_wide(exc)
    await db.execute("outbox_mark_failed", row["id"], next_at, message, int(counts))
    level = log.warning if isinstance(exc, TransientError) else log.error
    level(
        "outbox_delivery_failed",
        **fields,
        error=message,
        retry_at=next_at.isoformat(),
        counts_toward_giving_up=counts,
    )
    return message, False


@dataclass
class _Run:
    db: Database
    mailer: MailSender
    webhook: WebhookPoster | None
    now: datetime
    give_up: GiveUp
    report: DeliveryReport = field(default_factory=DeliveryReport)
    down: dict[str, tuple[str, str]] = field(default_factory=dict)  # kind: (error, hint)
    waiting: dict[str, int] = field(default_factory=dict)  # kind: rows not tried

    async def deliver(self, row: Record) -> None:
        if row["kind"] in self.down:
            await self._postpone(row)
            return
        try:
            note = await _send(row, self.mailer, self.webhook)
        except Exception as exc:  # one bad row must not hold back the others
            self.report.failed += 1
            error, given_up = await _record_failure(self.db, row, exc, self.now, self.give_up)
            self.report.given_up += given_up
            self.report.errors.append(f"{row['dedupe_key']}: {error}")
            if channel_wide(exc):
                hint = exc.hint if isinstance(exc, FerreroError) else ""
                self.down[row["kind"]] = (error, hint)
            return
        outcome = "sent" if note is None else "skipped"
        await self.db.execute("outbox_mark_done", row["id"], self.now, outcome, note)
        if note is None:
            self.report.sent += 1
        else:
            self.report.skipped += 1
            log.info("outbox_skipped", kind=row["kind"], key=row["dedupe_key"], note=note)

    async def _postpone(self, row: Record) -> None:
        """The channel refused us for another row of this pass: wait, uncounted."""
        error, _ = self.down[row["kind"]]
        next_at = self.now + backoff(row["attempts"], cap=CHANNEL_RETRY)
        await self.db.execute("outbox_mark_failed", row["id"], next_at, error, 0)
        self.report.postponed += 1
        self.waiting[row["kind"]] = self.waiting.get(row["kind"], 0) + 1

    def channels_down(self) -> None:
        """One error line per channel that refused us in this pass."""
        for kind, (error, hint) in self.down.items():
            log.error(
                "outbox_channel_down",
                kind=kind,
                error=error,
                hint=f"{hint}; nothing is given up meanwhile: once fixed, everything "
                f"waiting goes within {CHANNEL_RETRY.seconds // 60} minutes",
                waiting=1 + self.waiting.get(kind, 0),
            )


async def deliver_pending(
    db: Database,
    mailer: MailSender,
    webhook: WebhookPoster | None,
    now: datetime,
    *,
    batch: int = BATCH,
    give_up: GiveUp | None = None,
) -> DeliveryReport:
    """Send every row due at ``now``; failures are rescheduled or given up, never lost."""
    give_up = give_up or GiveUp()
    run = _Run(db, mailer, webhook, now, give_up)
    while True:
        rows = await db.fetch("outbox_claim", batch, now, CLAIM_LEASE.total_seconds())
        for row in sorted(rows, key=lambda r: r["id"]):
            await run.deliver(row)
        if len(rows) < batch:
            break
    run.channels_down()
    report = run.report
    if report.attempted:
        log.info(
            "outbox_delivered",
            sent=report.sent,
            skipped=report.skipped,
            failed=report.failed,
            given_up=report.given_up,
            postponed=report.postponed,
        )
    await give_up.alert(db, now)
    return report
