"""An SMTP server on loopback as Mailgun offers it on 587: STARTTLS required, then AUTH.

aiosmtpd does the protocol; this module adds a throw-away certificate (``pki.py``),
one account (LOGIN and PLAIN), a mailbox of every accepted message (parsed: sender,
recipients, subject, text and HTML parts), optionally written to ``mail_dir`` as
``NNN-subject.eml`` (open it in a mail program) and ``.html`` (open it in a browser), and
faults: the next N deliveries answered with a 4xx or 5xx. Used in-process (``async with SmtpEmulator() as smtp``) and by
``ferrero-daemon emulate smtp``. The admin interface is Python methods only: SMTP
has no side door for it, and a test or the sandbox runs in the same process.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from html import escape
from pathlib import Path
from typing import Any, Self

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from ferrero_daemon.sandbox.pki import TestPki


class _QuietLoginData(logging.Filter):
    """aiosmtpd 1.4 sets its own deprecated ``Session.login_data`` after every AUTH and
    logs a warning about it, once per connection: not ours to fix, noise in our logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Session.login_data is deprecated")


logging.getLogger("mail.log").addFilter(_QuietLoginData())

DEFAULT_USER = "postmaster@mg.sandbox.test"
DEFAULT_PASSWORD = "sandbox-smtp-password"  # noqa: S105 (the sandbox's own, not a real one)


@dataclass(frozen=True)
class StoredMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str
    sender: str
    to: str
    text: str | None
    html: str | None
    headers: dict[str, str]
    raw: bytes
    login: str | None


@dataclass
class _SmtpFault:
    count: int
    code: int
    text: str


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    content: str = part.get_content()
    return content


def parse_message(envelope: Envelope, login: str | None) -> StoredMessage:
    raw = envelope.original_content or envelope.content or b""
    assert isinstance(raw, bytes)
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return StoredMessage(
        mail_from=envelope.mail_from or "",
        rcpt_tos=tuple(envelope.rcpt_tos),
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        text=_body(message, "plain"),
        html=_body(message, "html"),
        headers={k: str(v) for k, v in message.items()},
        raw=raw,
        login=login,
    )


def write_files(directory: Path, number: int, message: StoredMessage) -> tuple[Path, Path]:
    """``NNN-subject.eml`` (the message as sent) and ``NNN-subject.html`` (its HTML part,
    or its text in a ``<pre>``), so a person can read what the daemon mailed."""
    directory.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", message.subject).strip("-")[:60] or "no-subject"
    stem = directory / f"{number:03d}-{slug}"
    eml, html = stem.with_suffix(".eml"), stem.with_suffix(".html")
    eml.write_bytes(message.raw)
    body = message.html or f"<pre>{escape(message.text or '')}</pre>"
    head = (
        f"<!-- From: {escape(message.sender)} | To: {escape(message.to)} | "
        f"Subject: {escape(message.subject)} -->\n"
    )
    html.write_text(head + body, encoding="utf-8")
    return eml, html


class _Handler:
    def __init__(self, emulator: SmtpEmulator) -> None:
        self._emulator = emulator

    async def handle_DATA(self, _server: SMTP, session: Session, envelope: Envelope) -> str:
        return await self._emulator._accept(session, envelope)


class SmtpEmulator:
    """STARTTLS + AUTH SMTP on 127.0.0.1, keeping every message it accepts."""

    name = "smtp"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: Path | None = None,
        *,
        username: str = DEFAULT_USER,
        password: str = DEFAULT_PASSWORD,
        mail_dir: Path | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.username, self.password = username, password
        self._own_dir = data_dir is None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="ferrero-smtp-"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pki = TestPki("ferrero-smtp-ca")
        self.ca_file = self.pki.write_ca(self.data_dir / "smtp-ca.pem")
        self._tls = self.pki.server_context(self.data_dir)
        self.messages: list[StoredMessage] = []
        self.mail_dir = mail_dir
        self.auth_failures = 0
        self._faults: list[_SmtpFault] = []
        self._server: asyncio.Server | None = None
        self._arrived = asyncio.Condition()

    # -- lifecycle ------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def _factory(self) -> SMTP:
        return SMTP(
            _Handler(self),
            hostname="smtp.sandbox.test",
            tls_context=self._tls,
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            authenticator=self._authenticate,
        )

    async def start(self) -> str:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._factory, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.base_url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- what a client sees -----------------------------------------------------
    def _authenticate(
        self, _server: SMTP, _session: Session, _envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if mechanism not in ("LOGIN", "PLAIN") or not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = data.login.decode() == self.username and data.password.decode() == self.password
        if not ok:
            self.auth_failures += 1
        return AuthResult(success=ok, handled=False, auth_data=data.login.decode())

    async def _accept(self, session: Session, envelope: Envelope) -> str:
        if self._faults:
            fault = self._faults[0]
            fault.count -= 1
            if fault.count <= 0:
                self._faults.pop(0)
            return f"{fault.code} {fault.text}"
        login = session.auth_data if isinstance(session.auth_data, str) else None
        message = parse_message(envelope, login)
        self.messages.append(message)
        if self.mail_dir is not None:
            write_files(self.mail_dir, len(self.messages), message)
        async with self._arrived:
            self._arrived.notify_all()
        return "250 2.0.0 Ok: queued"

    # -- admin ------------------------------------------------------------------
    def fail_next(self, count: int = 1, code: int = 451, text: str | None = None) -> None:
        """The next ``count`` messages are refused at DATA with ``code`` (4xx or 5xx)."""
        default = "4.3.0 Try again later" if code < 500 else "5.7.1 Message refused"
        self._faults.append(_SmtpFault(count, code, text or default))

    def clear(self) -> None:
        self.messages.clear()
        self._faults.clear()
        self.auth_failures = 0

    def messages_to(self, address: str) -> list[StoredMessage]:
        return [m for m in self.messages if address in m.rcpt_tos]

    async def wait_for(self, count: int) -> list[StoredMessage]:
        """Wait until at least ``count`` messages have arrived; bound it with ``asyncio.timeout``."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.messages) >= count)
        return list(self.messages)

    def config_overrides(self) -> dict[str, Any]:
        return {
            "smtp": {
                "host": self.host,
                "port": self.port,
                "username": self.username,
                "starttls": True,
                "use_tls": False,
                "ca_bundle": str(self.ca_file),
            }
        }

    def secrets(self) -> dict[str, str]:
        return {"smtp_password": self.password}


def create(host: str = "127.0.0.1", port: int = 0, data_dir: Path | None = None) -> SmtpEmulator:
    return SmtpEmulator(host=host, port=port, data_dir=data_dir)
