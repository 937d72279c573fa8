"""``ferrero-daemon report [--date D] [--week] [--json] [--send [--to ADDR]]``.

Prints the daily report (or the week summary) of a period: by default the period in
progress, the one the next scheduled report will cover; ``--date D`` the period
reported on D. ``--json`` prints the same figures as one JSON document on stdout.
``--send`` mails it now, to the report recipients or to ``--to`` addresses: a copy sent
by hand, which never counts as the scheduled report of its period.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parseaddr

from ferrero_daemon import logs
from ferrero_daemon.clients import db as dbclient
from ferrero_daemon.clients.mail import Mailer
from ferrero_daemon.clients.types import Email
from ferrero_daemon.commands import DB_SECRETS, Subparsers, add_config_argument, output
from ferrero_daemon.config import Config, load_config
from ferrero_daemon.report import daily, document, periods, weekly
from ferrero_daemon.report.gather import gather
from ferrero_daemon.templates import render

COPY = "sent by hand"


@dataclass(frozen=True)
class Request:
    day: date | None = None
    week: bool = False
    as_json: bool = False
    send: bool = False
    to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Output:
    text: str
    document: dict[str, object]
    mail: Email


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-10-25"
        ) from None


def _address(text: str) -> str:
    _, address = parseaddr(text)
    if "@" not in address or address != text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not a mail address such as ops@example.com")
    return address


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "report",
        help="print (or mail) the daily report of a period, or the week summary",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    add_config_argument(parser)
    parser.add_argument("--date", type=_date, metavar="YYYY-MM-DD",
                        help="the report sent on that day, in the configured time zone "
                             "(default: the period in progress)")  # fmt: skip
    parser.add_argument("--week", action="store_true",
                        help="the week summary: the seven daily periods ending with that one")  # fmt: skip
    parser.add_argument("--json", action="store_true", dest="as_json",
                        help="print the figures as one JSON document (the shape is in the README)")  # fmt: skip
    parser.add_argument("--send", action="store_true",
                        help="also mail it now, as a copy: the scheduled report still goes out")  # fmt: skip
    parser.add_argument("--to", type=_address, action="append", default=[], metavar="ADDR",
                        help="with --send: mail only this address (repeatable) instead of "
                             "the report recipients")  # fmt: skip
    parser.set_defaults(handler=run, report_parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.to and not args.send:
        args.report_parser.error("--to goes with --send: report --send --to ADDR")
    request = Request(args.date, args.week, args.as_json, args.send, tuple(args.to))
    # Printing needs the database only; a copy by mail needs the SMTP secret too.
    secrets = (*DB_SECRETS, "smtp_password") if args.send else DB_SECRETS
    return asyncio.run(_report(load_config(args.config, secrets=secrets), request))


async def _report(config: Config, request: Request, now: datetime | None = None) -> int:
    logs.configure("warning", config.settings.environment.value, config.secrets.all_values())
    now = now or datetime.now(UTC)
    database = await dbclient.connect(config, min_size=1)
    try:
        built = await _build(database, config, request, now)
    finally:
        await database.close()
    if request.as_json:
        output.document(built.document)
    else:
        print(built.text, end="")
    if request.send:
        sent_to = await _send(config, built.mail, request.to)
        # stdout holds the report (or exactly one JSON document); this goes beside it.
        print(f"sent {built.mail.subject!r} to {', '.join(sent_to)}", file=sys.stderr)
    return 0


async def _build(
    database: dbclient.Database, config: Config, request: Request, now: datetime
) -> Output:
    period = await periods.chosen(database, config, request.day, now)
    if request.week:
        week = await weekly.gather_week(database, config, period, now)
        text = render(weekly.TEMPLATE, weekly.context(week).values()).text
        return Output(text, weekly.as_json(week), weekly.email(week, note=COPY))
    report = await gather(database, config, period, now)
    return Output(daily.text(report), document.as_json(report), document.email(report, note=COPY))


async def _send(config: Config, mail: Email, to: Sequence[str]) -> list[str]:
    """Straight to SMTP, not through the outbox: a copy is nobody's scheduled mail."""
    mailer = Mailer.from_config(config)
    message = mailer.compose(mail)
    recipients = list(to) or mailer.recipients(mail.to)
    if to:
        message.replace_header("To", ", ".join(to))
    await mailer.deliver(message)
    logs.get_logger(__name__).info("report_copy_sent", to=recipients, subject=mail.subject)
    return recipients
