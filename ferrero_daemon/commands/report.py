"""``ferrero-daemon report [--date D] [--send]``: the daily report, printed or mailed."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, date, datetime

from ferrero_daemon import logs
from ferrero_daemon.clients import db as dbclient
from ferrero_daemon.clients.mail import Mailer
from ferrero_daemon.clients.webhook import WebhookClient
from ferrero_daemon.commands import (
    DB_SECRETS,
    SEND_SECRETS,
    Subparsers,
    add_config_argument,
    output,
)
from ferrero_daemon.config import Config, load_config
from ferrero_daemon.outbox.deliver import deliver_pending
from ferrero_daemon.outbox.queue import Outbox
from ferrero_daemon.report import daily as report


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("report", help="print (or mail) the daily report of a day")
    add_config_argument(parser)
    parser.add_argument(
        "--date",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the day, in the configured time zone (default: today)",
    )
    parser.add_argument(
        "--send", action="store_true", help="also queue it for the report recipients and send it"
    )
    parser.add_argument("--json", action="store_true", help="the report's figures as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Printing needs the database only; sending needs the SMTP and webhook secrets too.
    config = load_config(args.config, secrets=SEND_SECRETS if args.send else DB_SECRETS)
    return asyncio.run(_report(config, args.date, send=args.send, as_json=args.json))


async def _report(config: Config, day: date | None, *, send: bool, as_json: bool) -> int:
    logs.configure("warning", config.settings.environment.value, config.secrets.all_values())
    day = day or datetime.now(UTC).astimezone(config.settings.zone).date()
    database = await dbclient.connect(config, min_size=1)
    try:
        daily = await report.gather(database, config, day)
        if not as_json:
            print(report.text(daily), end="")
        sent = await _send(config, database, daily) if send else None
    finally:
        await database.close()
    if as_json:
        output.document({**report.context(daily), "sent": sent})
    elif sent:
        print(f"daily report for {daily.day.isoformat()} {sent} to the report recipients")
    return 0


async def _send(config: Config, database: dbclient.Database, daily: report.DailyReport) -> str:
    queued = await report.queue(Outbox(database), daily)
    mailer, webhook = Mailer.from_config(config), WebhookClient.from_config(config)
    try:
        # Everything due goes, as the daemon would send it: a webhook event too.
        delivered = await deliver_pending(database, mailer, webhook, datetime.now(UTC))
    finally:
        await mailer.aclose()
        await webhook.aclose()
    state = "queued and sent" if queued and delivered.failed == 0 else "queued"
    if not queued:
        state = "was already queued today (one mail per day); pending mails were sent"
    return state
