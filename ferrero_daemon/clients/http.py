"""The one HTTP boundary: every answer and failure of an outside HTTP system, as our errors.

OTMM, OTDS, Box (REST, uploads, the JWT token), the Make.com webhook and LlamaCloud
all map here, so a 408 or a 409 means the same whichever system sent it:

    answer or failure                           error                 retried by ``Retry``
    ──────────────────────────────────────────  ────────────────────  ─────────────────────
    connect error, timeout, connection dropped   TransientError        yes
      (before the answer, or mid-body)
    TLS certificate not trusted                  CertificateError      no
    a URL httpx cannot send (no http/https)      PermanentError        no
    408 Request Timeout, 425 Too Early, 5xx      TransientError        yes
    429, or 503 with a Retry-After               RateLimitedError      yes, after Retry-After
    401, 403                                     AuthError             no (a 401 renews the
                                                                          token once, first)
    404, 410                                     NotFoundError         no
    409, 412, 423                                ConflictError         no
    any other 4xx                                InvalidInputError     no
    a 1xx or 2xx the caller did not expect       TransientError        yes (Box's 202 "not
                                                                          ready yet")
    a 3xx the caller did not expect              PermanentError        no (check the URL)

``Retry-After`` (delta-seconds or an HTTP-date) sets ``retry_after`` on any of them.
A system whose answer means something else says so in its own client, next to the
reason: OAuth2 token endpoints answer 400 for refused credentials (RFC 6749 §5.2,
``otmm/auth.py``, ``box/auth.py``); Box's 400 ``bad_digest`` and its 409 with our own
SHA-1 (``box/http.py``, ``box/upload.py``); OTMM's answer to a lock someone else
holds, 400 on some installs (``[dam.wire] lock_conflict_statuses``, ``otmm/client.py``).

``Retry.call`` retries a call on ``TransientError``: exponential backoff with jitter,
or the server's ``Retry-After`` when it is short enough to wait out inside the call.
Wrap only a call that is safe to repeat (a read, a PUT of the same values, a write
whose repeat is detected); a POST that creates is sent once, and the next run or the
outbox retries it.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState

from ferrero_daemon import logs
from ferrero_daemon.errors import (
    AuthError,
    CertificateError,
    ConfigError,
    ConflictError,
    FerreroError,
    InvalidInputError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    TransientError,
)

log = logs.get_logger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]  # seconds since the epoch, as time.time
Hints = Mapping[type[FerreroError], str]


# -- Retry-After --------------------------------------------------------------------
def parse_retry_after(value: str | None, now: Clock = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110 §10.2.3), or None.

    Delta-seconds (``"120"``; a fraction is accepted too) or an HTTP-date, which
    counts from ``now``; a date in the past is 0. Anything else is None: the caller
    backs off as it would without the header.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        return _until_date(text, now)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _until_date(text: str, now: Clock) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, as HTTP-dates always are
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


# -- the table ----------------------------------------------------------------------
_BY_STATUS: Mapping[int, type[FerreroError]] = {
    401: AuthError, 403: AuthError,
    404: NotFoundError, 410: NotFoundError,
    409: ConflictError, 412: ConflictError, 423: ConflictError,
    408: TransientError, 425: TransientError, 429: RateLimitedError,
}  # fmt: skip


def error_class(status: int, retry_after: float | None = None) -> type[FerreroError]:
    """The error for an answer with ``status`` that the caller did not expect."""
    if status == 503 and retry_after is not None:
        return RateLimitedError
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500 or status < 300:
        return TransientError
    return PermanentError if status < 400 else InvalidInputError


def hint_for(kind: type[FerreroError], hints: Hints) -> str | None:
    """The most specific of a system's own hints for ``kind`` (None: the class's)."""
    return next((hints[k] for k in kind.__mro__ if k in hints), None)


# -- one remote system --------------------------------------------------------------
def reason(response: httpx.Response) -> str:
    return response.reason_phrase


@dataclass(frozen=True)
class Remote:
    """An outside system as errors name it: ``name`` in messages, its own ``hints``.

    ``detail`` reads the part of an error answer worth showing (a JSON message, an
    error code); it must not return anything secret. ``ca_key`` names the config key
    of the system's CA bundle, for the hint of an untrusted certificate.
    """

    name: str
    ca_key: str
    hints: Hints = field(default_factory=dict)
    detail: Callable[[httpx.Response], str] = reason
    clock: Clock = time.time

    def error(self, response: httpx.Response, what: str, *, oauth: bool = False) -> FerreroError:
        """Our error for an answer the caller did not expect (its body already read)."""
        return self.status_error(
            response.status_code,
            what,
            self.detail(response),
            retry_after=self.retry_after(response),
            oauth=oauth,
        )

    def body(self, response: httpx.Response, what: str) -> dict[str, Any]:
        """The JSON object an answer carries. Anything else (an HTML page from a proxy or
        gateway, a body cut short, a JSON list) is a ``TransientError`` naming what came,
        not a ``JSONDecodeError`` from deep inside a client."""
        try:
            data = response.json()
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
            raise self._named(
                TransientError(
                    f"{what}: {self.name} answered {response.status_code} with "
                    f"{_content_type(response)} that is not JSON ({_start(response)})"
                ),
                what,
            ) from exc
        if not isinstance(data, dict):
            raise self._named(
                TransientError(
                    f"{what}: {self.name} answered {response.status_code} with JSON "
                    f"{type(data).__name__}, not an object ({_start(response)})"
                ),
                what,
            )
        return data

    def retry_after(self, response: httpx.Response) -> float | None:
        return parse_retry_after(response.headers.get("Retry-After"), self.clock)

    def status_error(
        self,
        status: int,
        what: str,
        detail: str = "",
        *,
        retry_after: float | None = None,
        oauth: bool = False,
    ) -> FerreroError:
        """The table's error for ``status``. ``oauth``: the answer of an OAuth2 token
        endpoint, whose 400 (``invalid_client``, ``invalid_grant``) means refused
        credentials (RFC 6749 §5.2) where other APIs answer 401."""
        message = f"{what}: {self.name} answered {status}" + (f": {detail}" if detail else "")
        kind = AuthError if oauth and status == 400 else error_class(status, retry_after)
        error = kind(message, hint=hint_for(kind, self.hints), retry_after=retry_after)
        return self._named(error, what)

    def _named(self, error: FerreroError, what: str) -> FerreroError:
        """Say which system it was and what it answered (the message less ``what``):
        the same for every request while a system is down."""
        error.remote = self.name
        error.answer = str(error).removeprefix(f"{what}: ")
        return error

    def failure(self, exc: BaseException, what: str) -> FerreroError:
        """Our error for a request that got no (whole) answer."""
        return self._named(self._failure(exc, what), what)

    def _failure(self, exc: BaseException, what: str) -> FerreroError:
        untrusted = untrusted_certificate(exc)
        if untrusted is not None:
            return CertificateError(
                f"{what}: {self.name}'s TLS certificate is not trusted ({untrusted})",
                hint=f"set {self.ca_key} to the CA that signed the server's certificate "
                "(a PEM file); verification is never turned off",
            )
        if isinstance(exc, httpx.UnsupportedProtocol):
            return PermanentError(
                f"{what}: {self.name}'s URL is not http(s)", hint="check the URL in config.toml"
            )
        kind = type(exc).__name__
        if isinstance(exc, httpx.TimeoutException | TimeoutError) or "Timeout" in kind:
            return TransientError(f"{what}: {self.name} timed out ({kind})")
        if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
            return TransientError(f"{what}: connection to {self.name} lost ({kind})")
        return TransientError(f"{what}: {self.name} unreachable ({kind})")

    @contextmanager
    def mapped(self, what: str) -> Iterator[None]:
        """httpx's request errors (also while a body streams) become ``failure``'s."""
        try:
            yield
        except httpx.RequestError as exc:
            raise self.failure(exc, what) from exc


def _content_type(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    return kind or "no content type"


def _start(response: httpx.Response, limit: int = 60) -> str:
    """The first characters of a body, printable: ``'<!DOCTYPE html><html>…'``."""
    text = response.content[:limit].decode("utf-8", errors="replace")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    more = "…" if len(response.content) > limit else ""
    return f"it starts {text + more!r}" if text.strip() else "an empty body"


def untrusted_certificate(exc: BaseException) -> str | None:
    """Why the server's certificate was refused, if that is what ``exc`` comes from."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return str(current.verify_message or current.reason or "certificate verify failed")
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


# -- TLS ----------------------------------------------------------------------------
def tls_context(ca_bundle: Path | None, key: str) -> ssl.SSLContext:
    """Verification always on: the public CAs httpx trusts, or only those of ``ca_bundle``."""
    if ca_bundle is None:
        return httpx.create_ssl_context()
    try:
        return ssl.create_default_context(cafile=str(ca_bundle))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"{key}: cannot read the CA bundle {ca_bundle} ({type(exc).__name__}); "
            "it must be a readable PEM file of CA certificates"
        ) from exc


# -- retries ------------------------------------------------------------------------
def _jitter() -> float:
    return secrets.randbelow(1_000_000) / 1_000_000


@dataclass(frozen=True)
class Retry:
    """The one retry policy: ``attempts`` tries, backoff doubling from ``backoff`` up to
    ``max_backoff`` with jitter (half to all of it), or exactly the ``Retry-After`` the
    server asked for when it is at most ``max_wait``; a longer one is not waited out in
    the call: the error goes up, and the next run (or the outbox) retries later."""

    attempts: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_wait: float = 60.0
    sleep: Sleep = asyncio.sleep
    jitter: Callable[[], float] = _jitter

    def wait(self, attempt: int, exc: BaseException | None) -> float | None:
        """Seconds before try ``attempt + 1`` after ``exc``; None: do not try again."""
        if not isinstance(exc, TransientError) or attempt >= self.attempts:
            return None
        if exc.retry_after is not None:
            return exc.retry_after if exc.retry_after <= self.max_wait else None
        base = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        return base * (0.5 + self.jitter() / 2)

    async def call(self, remote: str, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        """``operation()``, tried again after each ``TransientError`` as ``wait`` says."""

        def decision(state: RetryCallState) -> float | None:
            return self.wait(state.attempt_number, _error(state))

        def log_retry(state: RetryCallState) -> None:
            log.warning(
                "http_retry",
                remote=remote,
                operation=what,
                attempt=state.attempt_number,
                wait_seconds=round(state.upcoming_sleep, 3),
                error=str(_error(state)),
            )

        async for attempt in AsyncRetrying(
            retry=lambda state: decision(state) is not None,
            wait=lambda state: decision(state) or 0.0,
            before_sleep=log_retry,
            sleep=self.sleep,
            reraise=True,
        ):
            with attempt:
                return await operation()
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover


def _error(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None
