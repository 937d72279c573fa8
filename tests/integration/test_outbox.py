"""The outbox: queued once per key, delivered from PostgreSQL, never lost while SMTP is down."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.mail import Mailer
from ferrero_daemon.clients.types import Email
from ferrero_daemon.clients.webhook import WebhookClient
from ferrero_daemon.commands.outbox import _requeue as requeue_command
from ferrero_daemon.domain.mails import CheckMail
from ferrero_daemon.domain.status_event import CampaignFigures, CampaignStatusChanged
from ferrero_daemon.outbox.deliver import NO_WEBHOOK_NOTE, deliver_pending
from ferrero_daemon.outbox.give_up import GIVE_UP_AFTER
from ferrero_daemon.outbox.queue import Outbox
from ferrero_daemon.sandbox.smtp import SmtpEmulator
from ferrero_daemon.sandbox.webhook import WebhookReceiver
from tests import configs
from tests.postgres import PgServer

MAIL = Email(
    to="success",
    subject="Masters sent to the agency",
    context=CheckMail(list="success", server="smtp", environment="test"),
)
EVENT = CampaignStatusChanged(
    workflow="a1_a2",
    campaign_id="C-1001",
    campaign_number="1001",
    campaign_name="Nutella Summer",
    campaign_type="Local comm",
    brand="Nutella",
    market="IT",
    old_status="A1",
    new_status="A2",
    counts=CampaignFigures(masters=3, bytes=3000, versions=0, rejected=0),
    box_folder_id="42",
    timestamp="2026-03-02T10:15:00+01:00",
    environment="test",
)


def later(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


async def test_a_key_is_queued_once(outbox: Outbox) -> None:
    assert await outbox.email("a1_a2:C-1001:A2", MAIL) is True
    assert await outbox.email("a1_a2:C-1001:A2", MAIL) is False
    assert await outbox.webhook("a1_a2:C-1001:A2:hook", EVENT) is True
    assert await outbox.webhook("a1_a2:C-1001:A2:hook", EVENT) is False
    assert (await outbox.stats()).pending == 2


async def test_queued_in_a_rolled_back_transaction_means_never_queued(database: Database) -> None:
    class Abort(Exception):
        pass

    try:
        async with database.transaction() as tx:
            assert await Outbox(tx).email("k-rollback", MAIL)
            raise Abort
    except Abort:
        pass
    async with database.transaction() as tx:
        assert await Outbox(tx).email("k-commit", MAIL)
    outbox = Outbox(database)
    assert await outbox.get("k-rollback") is None
    assert await outbox.get("k-commit") is not None


async def test_mail_and_webhook_are_delivered_and_marked_sent(
    database: Database,
    outbox: Outbox,
    smtp_server: SmtpEmulator,
    mailer: Mailer,
    webhook_receiver: WebhookReceiver,
    webhook_client: WebhookClient,
) -> None:
    await outbox.email("mail-1", MAIL)
    await outbox.webhook("hook-1", EVENT)
    now = later(0.1)
    report = await deliver_pending(database, mailer, webhook_client, now)
    assert (report.sent, report.failed) == (2, 0)
    assert smtp_server.messages[0].subject == "[test] Masters sent to the agency"
    assert smtp_server.messages[0].rcpt_tos == ("team@example.com",)
    assert webhook_receiver.posts[0].body == EVENT.to_json()
    row = await outbox.get("mail-1")
    assert row is not None
    assert (row.outcome, row.sent_at, row.attempts) == ("sent", now, 1)
    again = await deliver_pending(database, mailer, webhook_client, later(60))
    assert again.attempted == 0
    assert len(smtp_server.messages) == 1


async def test_while_smtp_is_down_the_mail_waits_and_goes_out_later(
    database: Database, outbox: Outbox, smtp_server: SmtpEmulator, mailer: Mailer
) -> None:
    await outbox.email("mail-down", MAIL)
    await smtp_server.stop()
    first = later(0.1)
    report = await deliver_pending(database, mailer, None, first)
    assert (report.sent, report.failed) == (0, 1)
    row = await outbox.get("mail-down")
    assert row is not None
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error is not None
    assert "unreachable" in row.last_error
    assert smtp_server.password not in row.last_error
    assert row.next_attempt_at == first + timedelta(seconds=30)

    # Not due yet: nothing is tried before the backoff has passed.
    assert (
        await deliver_pending(database, mailer, None, first + timedelta(seconds=10))
    ).attempted == 0

    await smtp_server.start()
    report = await deliver_pending(database, mailer, None, first + timedelta(seconds=31))
    assert report.sent == 1
    assert len(smtp_server.messages) == 1
    row = await outbox.get("mail-down")
    assert row is not None
    assert (row.outcome, row.attempts, row.last_error) == ("sent", 2, None)


async def test_a_refused_mail_backs_off_longer_each_time(
    database: Database, outbox: Outbox, smtp_server: SmtpEmulator, mailer: Mailer
) -> None:
    await outbox.email("mail-451", MAIL)
    smtp_server.fail_next(2, 451)
    now = later(0.1)
    for expected_wait in (30, 60):
        await deliver_pending(database, mailer, None, now)
        row = await outbox.get("mail-451")
        assert row is not None
        assert row.last_error is not None
        assert "451" in row.last_error
        assert row.next_attempt_at - now == timedelta(seconds=expected_wait)
        now = row.next_attempt_at
    assert (await deliver_pending(database, mailer, None, now)).sent == 1


async def test_a_webhook_event_without_a_webhook_is_skipped_with_a_note(
    database: Database, outbox: Outbox, mailer: Mailer
) -> None:
    await outbox.webhook("hook-none", EVENT)
    disabled = WebhookClient("")
    report = await deliver_pending(database, mailer, disabled, later(0.1))
    await disabled.aclose()
    assert (report.skipped, report.sent) == (1, 0)
    row = await outbox.get("hook-none")
    assert row is not None
    assert (row.outcome, row.note) == ("skipped", NO_WEBHOOK_NOTE)
    assert (await outbox.stats()).pending == 0


async def test_a_failing_webhook_does_not_hold_back_the_mail(
    database: Database,
    outbox: Outbox,
    smtp_server: SmtpEmulator,
    mailer: Mailer,
    webhook_receiver: WebhookReceiver,
    webhook_client: WebhookClient,
) -> None:
    await outbox.webhook("hook-429", EVENT)
    await outbox.email("mail-ok", MAIL)
    webhook_receiver.inject("/hook/", retry_after=600)
    now = later(0.1)
    report = await deliver_pending(database, mailer, webhook_client, now)
    assert (report.sent, report.failed) == (1, 1)
    assert report.errors[0].startswith("hook-429: RateLimitedError")
    row = await outbox.get("hook-429")
    assert row is not None
    assert row.next_attempt_at - now == timedelta(minutes=10)  # Retry-After beats 30 s


async def test_two_deliverers_at_once_send_each_row_exactly_once(
    database: Database, outbox: Outbox, smtp_server: SmtpEmulator, mailer: Mailer
) -> None:
    for i in range(12):
        await outbox.email(f"mail-{i}", MAIL)
    now = later(0.1)
    one, two = await asyncio.gather(
        deliver_pending(database, mailer, None, now, batch=3),
        deliver_pending(database, mailer, None, now, batch=3),
    )
    assert one.sent > 0
    assert two.sent > 0
    assert one.sent + two.sent == 12
    assert len(smtp_server.messages) == 12
    keys = sorted(m.headers["X-Ferrero-Notification"] for m in smtp_server.messages)
    assert keys == sorted(f"mail-{i}" for i in range(12))


async def test_a_refused_login_is_recorded_and_logged_without_the_password(
    database: Database, outbox: Outbox, smtp_server: SmtpEmulator
) -> None:
    wrong = Mailer.from_config(
        configs.config(emulators=[smtp_server], secrets={"smtp_password": "wrong-password-123"})
    )
    await outbox.email("mail-auth", MAIL)
    with capture_logs() as events:
        report = await deliver_pending(database, wrong, None, later(0.1))
    assert report.failed == 1
    row = await outbox.get("mail-auth")
    assert row is not None
    assert row.last_error is not None
    assert row.last_error.startswith("AuthError: SMTP server")
    assert "wrong-password-123" not in row.last_error
    (failed,) = [e for e in events if e["event"] == "outbox_delivery_failed"]
    assert (failed["log_level"], failed["key"], failed["attempts"]) == ("error", "mail-auth", 1)
    assert "wrong-password-123" not in repr(events)


# -- failing for good ---------------------------------------------------------------
async def test_a_permanent_error_is_given_up_after_bounded_tries_and_alerted_once(
    database: Database,
    outbox: Outbox,
    smtp_server: SmtpEmulator,
    mailer: Mailer,
    webhook_receiver: WebhookReceiver,
    webhook_client: WebhookClient,
) -> None:
    await outbox.webhook("hook-400", EVENT)
    webhook_receiver.inject("/hook/", status=400, count=100)
    now = later(0.1)
    waits = []
    with capture_logs() as events:
        for _ in range(GIVE_UP_AFTER):
            report = await deliver_pending(database, mailer, webhook_client, now)
            row = await outbox.get("hook-400")
            assert row is not None
            waits.append(row.next_attempt_at - now)
            now = max(now, row.next_attempt_at)
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert report.given_up == 1
    assert (row.outcome, row.permanent_failures, row.attempts) == ("failed", 5, 5)
    assert row.last_error is not None and row.last_error.startswith("InvalidInputError:")
    (gave_up,) = [e for e in events if e["event"] == "outbox_given_up"]
    assert gave_up["key"] == "hook-400" and "ferrero-daemon outbox requeue" in gave_up["hint"]

    # The alert goes out on the next pass; the row is never tried again, nor alerted again.
    for hours in (1, 2, 5):
        await deliver_pending(database, mailer, webhook_client, now + timedelta(hours=hours))
    assert len(webhook_receiver.requests_to("/hook/", "POST")) == GIVE_UP_AFTER
    (alert,) = smtp_server.messages
    assert alert.subject.startswith("[test] Problem: mails or webhook events given up")
    assert alert.text is not None and "webhook hook-400: InvalidInputError" in alert.text
    assert "ferrero-daemon outbox requeue" in alert.text

    # Fixed: the operator requeues it, it goes, and the alert is resolved once.
    webhook_receiver.faults.clear()
    later_on = now + timedelta(hours=6)
    assert await outbox.requeue(later_on) == ["hook-400"]
    assert (await deliver_pending(database, mailer, webhook_client, later_on)).sent == 1
    await deliver_pending(database, mailer, webhook_client, later_on + timedelta(minutes=1))
    assert [m.subject.split(":")[0] for m in smtp_server.messages] == [
        "[test] Problem",
        "[test] Resolved",
    ]
    row = await outbox.get("hook-400")
    assert row is not None and row.outcome == "sent"


async def test_transient_errors_are_never_given_up(
    database: Database,
    outbox: Outbox,
    smtp_server: SmtpEmulator,
    mailer: Mailer,
    webhook_receiver: WebhookReceiver,
    webhook_client: WebhookClient,
) -> None:
    await outbox.webhook("hook-503", EVENT)
    webhook_receiver.inject("/hook/", status=503, count=100)
    now = later(0.1)
    waits = []
    for _ in range(3 * GIVE_UP_AFTER):
        await deliver_pending(database, mailer, webhook_client, now)
        row = await outbox.get("hook-503")
        assert row is not None
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert (row.outcome, row.permanent_failures, row.attempts) == (None, 0, 15)
    assert max(waits) == waits[-1] == timedelta(hours=1)  # backing off, at most an hour
    assert smtp_server.messages == [] and (await outbox.stats()).given_up == 0


async def test_a_refused_smtp_login_gives_nothing_up_and_everything_arrives_once_fixed(
    database: Database, outbox: Outbox, smtp_server: SmtpEmulator, mailer: Mailer
) -> None:
    keys = ("report:2026-03-02", "alert:job a1_a2:1:abc", "a1_a2:C-1001:A2")
    for key in keys:
        await outbox.email(key, MAIL)
    smtp_server.password = "rotated-at-mailgun"  # the daemon still has the old one
    now = later(0.1)
    waits = []
    per_login = 0  # refusals one login attempt costs (aiosmtplib tries each mechanism)
    with capture_logs() as events:
        for _ in range(3 * GIVE_UP_AFTER):  # far past the give-up bound
            await deliver_pending(database, mailer, None, now)
            per_login = per_login or smtp_server.auth_failures
            rows = [await outbox.get(key) for key in keys]
            due = min(row.next_attempt_at for row in rows if row is not None)
            waits.append(due - now)
            now = due
    stats = await outbox.stats()
    assert (stats.given_up, stats.pending, stats.failing) == (0, 3, 3)
    assert max(waits) <= timedelta(minutes=5)  # still backing off, capped low
    assert smtp_server.auth_failures == per_login * 3 * GIVE_UP_AFTER  # a login a pass, not a mail
    down = [e for e in events if e["event"] == "outbox_channel_down"]
    assert down and all(e["log_level"] == "error" and e["kind"] == "email" for e in down)
    assert "AuthError" in down[0]["error"] and "smtp_password" in down[0]["hint"]
    assert not [e for e in events if e["event"] == "outbox_given_up"]

    # The operator puts the new password in the secret and restarts: everything goes.
    fixed = Mailer.from_config(
        configs.config(emulators=[smtp_server], secrets={"smtp_password": "rotated-at-mailgun"})
    )
    report = await deliver_pending(database, fixed, None, now + timedelta(minutes=5))
    assert report.sent == 3 and len(smtp_server.messages) == 3
    assert (await outbox.stats()).pending == 0


async def test_when_smtp_itself_refuses_the_alert_does_not_loop(
    database: Database, outbox: Outbox, smtp_server: SmtpEmulator, mailer: Mailer
) -> None:
    await outbox.email("mail-550", MAIL)
    smtp_server.fail_next(1000, code=550)
    now = later(0.1)
    with capture_logs() as events:
        for hour in range(4 * GIVE_UP_AFTER):
            await deliver_pending(database, mailer, None, now + timedelta(hours=hour))
    rows = await database.fetch("outbox_given_up")
    assert [r["dedupe_key"] for r in rows] == ["mail-550"]  # its alert is not listed
    stats = await outbox.stats()
    assert (stats.given_up, stats.pending) == (2, 0)  # the mail and its one alert, no more
    given_up = [e["key"] for e in events if e["event"] == "outbox_given_up"]
    assert given_up[0] == "mail-550" and given_up[1].startswith("alert:outbox:1:")
    assert len(given_up) == 2


async def test_the_requeue_command_takes_all_or_the_keys_named(
    pg: PgServer,
    pg_database: str,
    database: Database,
    outbox: Outbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key in ("hook-a", "hook-b", "hook-c"):
        await outbox.webhook(key, EVENT)
        await database.execute("outbox_give_up", (await outbox.get(key)).id, "InvalidInputError: x")  # type: ignore[union-attr]
    config = configs.write_toml(
        tmp_path / "config.toml", configs.settings(pg=pg, database=pg_database)
    )
    for name, value in configs.secret_values(pg=pg).items():
        monkeypatch.setenv(f"FERRERO_{name.upper()}", value)

    def printed() -> list[str]:  # what the command prints, without the log lines
        return [line for line in capsys.readouterr().out.splitlines() if "[info" not in line]

    assert await requeue_command(str(config), ["hook-b", "hook-x"]) == 1
    assert printed() == [
        "requeued hook-b",
        "not requeued hook-x: no notification with this key failed for good",
        "1 notification(s) due again; the daemon sends them on its next pass",
    ]
    assert await requeue_command(str(config), []) == 0
    assert printed()[:2] == ["requeued hook-a", "requeued hook-c"]
    assert (await outbox.stats()).given_up == 0
