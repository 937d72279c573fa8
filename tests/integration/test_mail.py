"""The Mailer against the SMTP emulator: STARTTLS, AUTH, both parts, each fault."""

from __future__ import annotations

import base64

import aiosmtplib
import pytest

from ferrero_daemon.clients.mail import Mailer
from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain.mails import CheckMail
from ferrero_daemon.errors import AuthError, CertificateError, PermanentError, TransientError
from ferrero_daemon.sandbox.smtp import SmtpEmulator
from tests import configs

REPORT = Email(
    to="reports",
    subject="Daily report",
    context=CheckMail(list="reports", server="smtp", environment="test"),
)


async def test_a_mail_goes_out_over_starttls_with_auth(
    smtp_server: SmtpEmulator, mailer: Mailer
) -> None:
    await mailer.send(REPORT, key="report:2026-12-01")
    (message,) = smtp_server.messages
    assert message.login == smtp_server.username
    assert message.rcpt_tos == ("managers@example.com",)
    assert message.subject == "[test] Daily report"
    assert message.sender == "Ferrero Automation <automation@example.com>"
    assert message.text is not None
    assert "to the reports recipients" in message.text
    assert message.html is not None
    assert "<b>reports</b>" in message.html
    assert message.headers["X-Ferrero-Notification"] == "report:2026-12-01"


async def test_a_wrong_password_is_refused_with_a_clear_auth_error(
    smtp_server: SmtpEmulator,
) -> None:
    wrong = Mailer.from_config(
        configs.config(emulators=[smtp_server], secrets={"smtp_password": "nope-nope"})
    )
    with pytest.raises(AuthError, match="refused the login of 'postmaster@") as caught:
        await wrong.probe()
    assert "nope-nope" not in str(caught.value)
    assert "smtp_password" in caught.value.hint
    assert smtp_server.auth_failures >= 1  # aiosmtplib tries LOGIN, then PLAIN
    assert smtp_server.messages == []


async def test_the_server_refuses_auth_before_starttls(smtp_server: SmtpEmulator) -> None:
    client = aiosmtplib.SMTP(hostname=smtp_server.host, port=smtp_server.port, start_tls=False)
    credentials = base64.b64encode(f"\0{smtp_server.username}\0{smtp_server.password}".encode())
    async with client:
        await client.ehlo()
        response = await client.execute_command(b"AUTH", b"PLAIN", credentials)
    assert response.code == 530  # "Must issue a STARTTLS command first"


async def test_an_untrusted_certificate_names_the_ca_bundle_setting(
    smtp_server: SmtpEmulator,
) -> None:
    untrusting = Mailer.from_config(
        configs.config(emulators=[smtp_server], overrides={"smtp": {"ca_bundle": None}})
    )
    with pytest.raises(CertificateError, match="not trusted") as caught:
        await untrusting.probe()
    assert "[smtp] ca_bundle" in caught.value.hint


async def test_probe_logs_in_and_sends_nothing(smtp_server: SmtpEmulator, mailer: Mailer) -> None:
    assert await mailer.probe() == f"logged in to {mailer.server} as {smtp_server.username}"
    assert smtp_server.messages == []


async def test_a_test_mail_reaches_the_error_and_report_recipients(
    smtp_server: SmtpEmulator, mailer: Mailer
) -> None:
    assert await mailer.send_test() == ["ops@example.com", "managers@example.com"]
    assert [m.rcpt_tos for m in smtp_server.messages] == [
        ("ops@example.com",),
        ("managers@example.com",),
    ]
    assert all(m.subject == "[test] Test mail" for m in smtp_server.messages)


@pytest.mark.parametrize(
    ("code", "error"), [(451, TransientError), (421, TransientError), (554, PermanentError)]
)
async def test_a_refused_delivery_reaches_the_client_as_our_error(
    smtp_server: SmtpEmulator, mailer: Mailer, code: int, error: type[Exception]
) -> None:
    smtp_server.fail_next(1, code)
    with pytest.raises(error, match=f"answered {code}"):
        await mailer.send(REPORT)
    await mailer.send(REPORT)  # the fault was for one delivery only
    assert len(smtp_server.messages) == 1


async def test_a_server_that_is_down_is_transient(
    smtp_server: SmtpEmulator, mailer: Mailer
) -> None:
    await smtp_server.stop()
    with pytest.raises(TransientError, match="unreachable"):
        await mailer.send(REPORT)
