"""``ferrero-daemon outbox requeue [KEY ...]``: send notifications that failed for good again.

A mail or webhook event is given up after ``[runtime] outbox_give_up_after`` permanent
errors, and the error recipients are alerted (``outbox/give_up.py``). Once the cause is
fixed (the secret, the template, the scenario URL), this makes them due at once; the
running daemon sends them within ``[runtime] outbox_interval_seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from ferrero_daemon.clients import db
from ferrero_daemon.commands import DB_SECRETS, Subparsers, add_config_argument
from ferrero_daemon.config import load_config
from ferrero_daemon.outbox.queue import Outbox


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("outbox", help="notifications that failed for good: requeue them")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    requeue = actions.add_parser(
        "requeue", help="send again the mails and webhook events given up (all, or KEYs)"
    )
    add_config_argument(requeue)
    requeue.add_argument("keys", nargs="*", metavar="KEY", help="outbox keys (default: all)")
    requeue.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_requeue(args.config, args.keys))


async def _requeue(path: str | None, keys: Sequence[str]) -> int:
    database = await db.connect(load_config(path, secrets=DB_SECRETS), min_size=1)
    try:
        requeued = await Outbox(database).requeue(datetime.now(UTC), keys or None)
    finally:
        await database.close()
    for key in requeued:
        print(f"requeued {key}")
    missing = sorted(set(keys) - set(requeued))
    for key in missing:
        print(f"not requeued {key}: no notification with this key failed for good")
    print(f"{len(requeued)} notification(s) due again; the daemon sends them on its next pass")
    return 1 if missing else 0
