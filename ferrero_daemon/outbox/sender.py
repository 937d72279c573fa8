"""Delivering the outbox from the daemon: after every run and every ``outbox_interval_seconds``.

The mailer and the webhook client belong to the runtime, not to ``Services``: a job
only queues (``services.notifier``); what is queued goes out from here.
"""

from __future__ import annotations

from datetime import datetime

from ferrero_daemon import logs
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.mail import Mailer
from ferrero_daemon.clients.webhook import WebhookClient
from ferrero_daemon.config import Config
from ferrero_daemon.outbox import deliver as delivery
from ferrero_daemon.outbox.give_up import GiveUp

log = logs.get_logger(__name__)


class OutboxDelivery:
    def __init__(
        self, mailer: Mailer, webhook: WebhookClient, give_up: GiveUp | None = None
    ) -> None:
        self._mailer = mailer
        self._webhook = webhook
        self._give_up = give_up or GiveUp()

    @classmethod
    def from_config(cls, config: Config) -> OutboxDelivery:
        return cls(
            Mailer.from_config(config),
            WebhookClient.from_config(config),
            GiveUp.from_config(config),
        )

    async def deliver(self, db: Database, now: datetime) -> None:
        """Send what is due; a failure is logged here and retried by the next call."""
        try:
            await delivery.deliver_pending(
                db, self._mailer, self._webhook, now, give_up=self._give_up
            )
        except Exception:
            log.exception("outbox_delivery_crashed")

    async def aclose(self) -> None:
        await self._mailer.aclose()
        await self._webhook.aclose()
