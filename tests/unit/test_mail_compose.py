from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ferrero_daemon.clients.mail import KEY_HEADER, Mailer
from ferrero_daemon.clients.types import Email
from ferrero_daemon.config import Environment, Recipients, SmtpConfig
from ferrero_daemon.domain.mails import AlertMail
from ferrero_daemon.errors import InvalidInputError
from ferrero_daemon.outbox.deliver import backoff

SMTP = SmtpConfig(host="smtp.example.com", sender="Ferrero Automation <automation@mg.example.com>")
LISTS = Recipients(
    errors=["ops@example.com", "oncall@example.com"], success=["t@x.com"], reports=["m@x.com"]
)
ALERT = Email(
    to="errors",
    subject="Problem: A1→A2",
    context=AlertMail(
        scope="a1_a2",
        title="A1→A2 <failed>",
        problems=["file <script>alert(1)</script>.mp4 & co"],
        decision="raise",
    ),
)


def mailer(environment: Environment) -> Mailer:
    return Mailer(SMTP, LISTS, environment)


def test_a_mail_has_a_text_and_an_autoescaped_html_part() -> None:
    mail = mailer(Environment.PRODUCTION).compose(ALERT, key="alert:a1_a2:1")
    assert mail["To"] == "ops@example.com, oncall@example.com"
    assert mail["From"] == SMTP.sender
    assert mail[KEY_HEADER] == "alert:a1_a2:1"
    assert mail["Message-ID"].endswith("@mg.example.com>")
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "file <script>alert(1)</script>.mp4 & co" in text.get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.mp4 &amp; co" in html.get_content()
    assert "<script>" not in html.get_content()


@pytest.mark.parametrize(
    ("environment", "subject"),
    [
        (Environment.PRODUCTION, "Problem: A1→A2"),
        (Environment.STAGING, "[staging] Problem: A1→A2"),
        (Environment.SANDBOX, "[sandbox] Problem: A1→A2"),
        (Environment.TEST, "[test] Problem: A1→A2"),
    ],
)
def test_only_production_mails_go_without_an_environment_prefix(
    environment: Environment, subject: str
) -> None:
    assert mailer(environment).compose(ALERT)["Subject"] == subject


def test_a_missing_template_or_variable_is_a_clear_error(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    with_dir = Mailer(SMTP, LISTS, Environment.TEST, templates=templates)
    with pytest.raises(InvalidInputError, match=r"'alert.txt' is missing"):
        with_dir.compose(ALERT)
    (templates / "alert.txt").write_text("{{ severity }}")
    (templates / "alert.html").write_text("<p>{{ title }}</p>")
    with pytest.raises(InvalidInputError, match="'alert' cannot be rendered"):
        with_dir.compose(ALERT)


def test_backoff_doubles_up_to_an_hour_and_honours_retry_after() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(30) == timedelta(hours=1)
    assert backoff(1, retry_after=600) == timedelta(minutes=10)
    assert backoff(5, retry_after=1) == timedelta(minutes=8)
