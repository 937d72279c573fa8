"""A notifier that queues inside a given transaction, so a record and its mail commit
together (or not at all)."""

from __future__ import annotations

from typing import cast

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Notifier
from ferrero_daemon.outbox.queue import Outbox


def bound_to(notifier: Notifier, tx: Database) -> Notifier:
    """``notifier``, queuing in ``tx``: a notifier that says how (``within``) does so; the
    outbox is rebuilt on the transaction; any other (a test's recorder) is used as it is."""
    within = getattr(notifier, "within", None)
    if callable(within):
        return cast(Notifier, within(tx))
    return Outbox(tx) if isinstance(notifier, Outbox) else notifier
