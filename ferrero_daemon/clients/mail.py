"""Mail over SMTP (Mailgun on 587): STARTTLS, AUTH, a plain-text and an HTML part.

A message names a recipient list (``errors``, ``success``, ``reports`` from
``[recipients]``) and a template (``render.py``); every environment except production
prefixes the subject with ``[<environment>] ``. One connection per send: the daemon
sends a handful of mails an hour, and a fresh connection never trips over a server
that closed an idle one. aiosmtplib errors are mapped into ``errors.py`` here.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path

import aiosmtplib

from ferrero_daemon import logs
from ferrero_daemon.clients.types import Email, Recipients
from ferrero_daemon.config import Config, Environment, SmtpConfig
from ferrero_daemon.config import Recipients as RecipientLists
from ferrero_daemon.domain.mails import CheckMail
from ferrero_daemon.errors import (
    AuthError,
    CertificateError,
    FerreroError,
    InvalidInputError,
    PermanentError,
    TransientError,
)
from ferrero_daemon.templates import TEMPLATES_DIR, render

log = logs.get_logger(__name__)
KEY_HEADER = "X-Ferrero-Notification"


class Mailer:
    """Renders and sends mails; ``from_config`` for the process's one instance."""

    def __init__(
        self,
        settings: SmtpConfig,
        recipients: RecipientLists,
        environment: Environment,
        password: str | None = None,
        templates: Path = TEMPLATES_DIR,
    ) -> None:
        self._settings = settings
        self._recipients = recipients
        self._environment = environment
        self._password = password
        self._templates = templates
        self._tls = _tls_context(settings.ca_bundle)

    @classmethod
    def from_config(cls, config: Config) -> Mailer:
        settings = config.settings
        password = config.secrets.require("smtp_password") if settings.smtp.username else None
        return cls(settings.smtp, settings.recipients, settings.environment, password)

    @property
    def server(self) -> str:
        return f"{self._settings.host}:{self._settings.port}"

    def recipients(self, to: Recipients) -> list[str]:
        addresses: list[str] = getattr(self._recipients, to)
        return list(addresses)

    def subject(self, subject: str) -> str:
        if self._environment is Environment.PRODUCTION:
            return subject
        return f"[{self._environment.value}] {subject}"

    def compose(self, message: Email, key: str | None = None) -> EmailMessage:
        """The MIME message: text first, HTML as the alternative mail clients prefer."""
        body = render(message.template, message.context.values(), self._templates)
        mail = EmailMessage()
        mail["From"] = self._settings.sender
        mail["To"] = ", ".join(self.recipients(message.to))
        mail["Subject"] = self.subject(message.subject)
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = make_msgid(domain=_domain(self._settings.sender))
        if key:
            mail[KEY_HEADER] = key
        mail.set_content(body.text)
        mail.add_alternative(body.html, subtype="html")
        return mail

    async def send(self, message: Email, key: str | None = None) -> None:
        mail = self.compose(message, key)
        await self.deliver(mail)
        log.info("mail_sent", to=message.to, template=message.template, key=key)

    async def deliver(self, mail: EmailMessage) -> None:
        with self._errors():
            async with self._client() as smtp:
                await smtp.send_message(mail)

    async def probe(self) -> str:
        """Connect, STARTTLS and log in, then quit: what ``check`` reports."""
        with self._errors():
            async with self._client():
                pass
        who = self._settings.username or "(no login)"
        return f"logged in to {self.server} as {who}"

    async def send_test(self, lists: Sequence[Recipients] = ("errors", "reports")) -> list[str]:
        """One test mail to each named list; returns the addresses written to."""
        sent: list[str] = []
        for to in lists:
            context = CheckMail(environment=self._environment.value, server=self.server, list=to)
            await self.send(Email(to=to, subject="Test mail", context=context))
            sent.extend(self.recipients(to))
        return sent

    async def aclose(self) -> None:
        """Nothing stays open between sends; here for the clients' common shape."""

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.host,
            port=s.port,
            username=s.username or None,
            password=self._password if s.username else None,
            use_tls=s.use_tls,
            start_tls=s.starttls and not s.use_tls,
            tls_context=self._tls,
            timeout=s.timeout_seconds,
        )

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except FerreroError:
            raise
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise AuthError(
                f"SMTP server {self.server} refused the login of {self._settings.username!r} "
                f"({exc.code})",
                hint="check the smtp_password secret and [smtp] username",
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            raise CertificateError(
                f"SMTP server {self.server}: its TLS certificate is not trusted "
                f"({exc.verify_message})",
                hint="set [smtp] ca_bundle to the CA that signed the server's certificate",
            ) from exc
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise _by_code(
                min(e.code for e in exc.recipients),
                f"SMTP server {self.server} refused {exc}",
                about_the_message=True,
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _by_code(
                exc.code,
                f"SMTP server {self.server} answered {exc.code} {exc.message}",
                # At DATA the server judged this message; before it (the sender, the
                # greeting), the channel: every message would be answered the same.
                about_the_message=isinstance(exc, aiosmtplib.SMTPDataError),
            ) from exc
        except aiosmtplib.SMTPNotSupported as exc:
            raise PermanentError(
                f"SMTP server {self.server}: {exc}", hint="check [smtp] starttls, use_tls and port"
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TransientError(
                f"SMTP server {self.server} is unreachable: {type(exc).__name__}: {exc}"
            ) from exc


def _by_code(code: int, message: str, *, about_the_message: bool) -> FerreroError:
    """4xx is "try again later" by definition of SMTP; 5xx will not change by itself:
    ``InvalidInputError`` when it is about this message (the outbox gives such a message
    up after a few tries), else ``PermanentError`` (the channel: it waits for a fix)."""
    if 400 <= code < 500:
        return TransientError(message)
    if about_the_message:
        return InvalidInputError(
            message, hint="the server refused this message or its recipients: check them"
        )
    return PermanentError(message, hint="check [smtp] sender and the account at the provider")


def _tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else None)


def _domain(sender: str) -> str:
    addresses = getaddresses([sender])
    address = addresses[0][1] if addresses else ""
    try:
        return Address(addr_spec=address).domain or "localhost"
    except (ValueError, IndexError):
        return "localhost"
