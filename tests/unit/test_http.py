"""The one HTTP boundary, without I/O: Retry-After, the status table, failures, retries."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs

from ferrero_daemon.clients.http import (
    Remote,
    Retry,
    error_class,
    parse_retry_after,
    tls_context,
    untrusted_certificate,
)
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

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def clock() -> float:
    return NOW.timestamp()


# -- Retry-After ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("2.5", 2.5),  # not RFC delta-seconds, but sent by some servers (and our emulators)
        ("Mon, 02 Mar 2026 10:01:30 GMT", 90.0),  # IMF-fixdate
        ("Monday, 02-Mar-26 10:00:05 GMT", 5.0),  # obsolete RFC 850 form
        ("Mon Mar  2 10:00:10 2026", 10.0),  # obsolete asctime form (no zone: UTC)
        ("Mon, 02 Mar 2026 09:00:00 GMT", 0.0),  # in the past: at once
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: str | None, seconds: float) -> None:
    assert parse_retry_after(value, clock) == seconds


def test_an_http_date_counts_from_the_injected_clock() -> None:
    date = format_datetime(NOW.replace(minute=5), usegmt=True)
    assert parse_retry_after(date, clock) == 300.0
    assert parse_retry_after(date, lambda: NOW.timestamp() + 60) == 240.0


# -- the table -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (408, TransientError),
        (425, TransientError),
        (500, TransientError),
        (502, TransientError),
        (503, TransientError),
        (504, TransientError),
        (429, RateLimitedError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (410, NotFoundError),
        (409, ConflictError),
        (412, ConflictError),
        (423, ConflictError),
        (400, InvalidInputError),
        (413, InvalidInputError),
        (422, InvalidInputError),
        (202, TransientError),
        (204, TransientError),
        (302, PermanentError),
    ],
)
def test_one_table_for_every_system(status: int, kind: type[FerreroError]) -> None:
    assert error_class(status) is kind


def test_a_503_with_retry_after_is_rate_limiting() -> None:
    assert error_class(503, retry_after=30.0) is RateLimitedError
    assert error_class(500, retry_after=30.0) is TransientError


EXAMPLE = Remote(
    "Example",
    "[example] ca_bundle",
    hints={AuthError: "check the example_token secret"},
    detail=lambda response: response.text[:20],
    clock=clock,
)


def test_an_answer_becomes_an_error_with_its_hint_and_retry_after() -> None:
    answer = httpx.Response(429, text="slow down", headers={"Retry-After": "30"})
    error = EXAMPLE.error(answer, "listing of X")
    assert isinstance(error, RateLimitedError)
    assert str(error) == "listing of X: Example answered 429: slow down"
    assert error.retry_after == 30.0
    assert error.hint == RateLimitedError.hint and not error.own_hint

    refused = EXAMPLE.error(httpx.Response(403, text=""), "listing of X")
    assert isinstance(refused, AuthError)
    assert str(refused) == "listing of X: Example answered 403"
    assert refused.hint == "check the example_token secret" and refused.own_hint


def test_an_oauth_token_endpoint_400_is_refused_credentials() -> None:
    answer = httpx.Response(400, text="invalid_client")
    assert type(EXAMPLE.error(answer, "token")) is InvalidInputError
    error = EXAMPLE.error(answer, "token", oauth=True)
    assert type(error) is AuthError and error.hint == "check the example_token secret"
    assert str(error) == "token: Example answered 400: invalid_client"


# -- failures without an answer ------------------------------------------------------
REQUEST = httpx.Request("GET", "https://example.invalid/x")


@pytest.mark.parametrize(
    ("exc", "kind", "words"),
    [
        (httpx.ConnectError("refused", request=REQUEST), TransientError, "Example unreachable"),
        (httpx.ConnectTimeout("slow", request=REQUEST), TransientError, "timed out"),
        (httpx.ReadTimeout("slow", request=REQUEST), TransientError, "timed out"),
        (httpx.PoolTimeout("busy", request=REQUEST), TransientError, "timed out"),
        (httpx.ReadError("reset", request=REQUEST), TransientError, "connection to Example lost"),
        (
            httpx.RemoteProtocolError("peer closed connection", request=REQUEST),
            TransientError,
            "connection to Example lost",
        ),
        (httpx.UnsupportedProtocol("ftp", request=REQUEST), PermanentError, "not http(s)"),
        (TimeoutError(), TransientError, "timed out"),
        (ConnectionError("down"), TransientError, "Example unreachable"),
    ],
)
def test_transport_failures_map_onto_the_tree(
    exc: BaseException, kind: type[FerreroError], words: str
) -> None:
    error = EXAMPLE.failure(exc, "download of Y")
    assert type(error) is kind
    assert str(error).startswith("download of Y: ") and words in str(error)


def verification_failure() -> httpx.ConnectError:
    cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cause.verify_message = "unable to get local issuer certificate"
    try:
        try:
            raise cause
        except ssl.SSLError as inner:
            raise OSError("wrapped by a lower layer") from inner
    except OSError as middle:
        error = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]", request=REQUEST)
        error.__cause__ = middle
        return error


def test_an_untrusted_certificate_is_found_down_the_cause_chain() -> None:
    error = EXAMPLE.failure(verification_failure(), "probe")
    assert isinstance(error, CertificateError)
    assert "unable to get local issuer certificate" in str(error)
    assert "[example] ca_bundle" in error.hint
    assert untrusted_certificate(httpx.ConnectError("refused")) is None


def test_mapped_turns_httpx_errors_into_ours_and_lets_ours_through() -> None:
    with pytest.raises(TransientError) as caught, EXAMPLE.mapped("upload of Z"):
        raise httpx.WriteError("broken pipe", request=REQUEST)
    assert isinstance(caught.value.__cause__, httpx.WriteError)
    with pytest.raises(NotFoundError), EXAMPLE.mapped("upload of Z"):
        raise NotFoundError("ours already")


def test_an_unreadable_ca_bundle_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[box\] ca_bundle: cannot read the CA bundle"):
        tls_context(tmp_path / "missing.pem", "[box] ca_bundle")
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match="PEM"):
        tls_context(tmp_path / "junk.pem", "[box] ca_bundle")
    assert tls_context(None, "[box] ca_bundle").verify_mode == ssl.CERT_REQUIRED


# -- retries -------------------------------------------------------------------------
class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def test_backoff_doubles_to_its_cap_with_jitter() -> None:
    low, high = Retry(jitter=lambda: 0.0, attempts=10), Retry(jitter=lambda: 1.0, attempts=10)
    error = TransientError("503")
    assert [low.wait(n, error) for n in (1, 2, 3)] == [0.25, 0.5, 1.0]
    assert [high.wait(n, error) for n in (1, 2, 3, 8, 9)] == [0.5, 1.0, 2.0, 30.0, 30.0]


def test_what_is_not_retried() -> None:
    retry = Retry(attempts=3)
    assert retry.wait(1, PermanentError("400")) is None
    assert retry.wait(1, ValueError("a bug")) is None
    assert retry.wait(3, TransientError("503")) is None  # the last attempt
    assert retry.wait(1, RateLimitedError("429", retry_after=61.0)) is None  # too long to wait here
    assert retry.wait(1, RateLimitedError("429", retry_after=60.0)) == 60.0  # exactly as asked


async def test_call_retries_transient_errors_waiting_as_told() -> None:
    sleeps = Sleeps()
    outcomes: list[Exception | str] = [
        TransientError("503"),
        RateLimitedError("429", retry_after=7.0),
        "done",
    ]

    async def operation() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    retry = Retry(sleep=sleeps, jitter=lambda: 1.0)
    with capture_logs() as logs:
        assert await retry.call("Example", "listing of X", operation) == "done"
    assert sleeps.waits == [0.5, 7.0]
    assert [(e["event"], e["remote"], e["attempt"]) for e in logs] == [
        ("http_retry", "Example", 1),
        ("http_retry", "Example", 2),
    ]


async def test_call_gives_up_with_the_last_error() -> None:
    sleeps, calls = Sleeps(), []

    async def operation() -> None:
        calls.append(1)
        raise TransientError(f"503 #{len(calls)}")

    with pytest.raises(TransientError, match="503 #3"):
        await Retry(attempts=3, sleep=sleeps).call("Example", "x", operation)
    assert len(calls) == 3 and len(sleeps.waits) == 2


async def test_a_permanent_error_is_raised_at_once() -> None:
    sleeps, calls = Sleeps(), []

    async def operation() -> None:
        calls.append(1)
        raise NotFoundError("404")

    with pytest.raises(NotFoundError):
        await Retry(sleep=sleeps).call("Example", "x", operation)
    assert calls == [1] and sleeps.waits == []
