"""When the outbox gives a row up: the pure rule."""

from __future__ import annotations

import pytest

from ferrero_daemon.errors import (
    AuthError,
    CertificateError,
    ConfigError,
    InvalidInputError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    TransientError,
)
from ferrero_daemon.outbox.deliver import backoff
from ferrero_daemon.outbox.give_up import GiveUp


@pytest.mark.parametrize(
    "error",
    [
        TransientError("503"),
        RateLimitedError("429", 600.0),
        AuthError("535 the login was refused"),
        CertificateError("untrusted"),
        ConfigError("[webhook] url is empty"),
        NotFoundError("the scenario is gone"),
        PermanentError("550 the sender was refused"),
    ],
)
def test_a_transient_or_channel_wide_error_never_gives_up(error: Exception) -> None:
    assert not GiveUp(after=1).gives_up(error, permanent_failures=1000)


@pytest.mark.parametrize(
    "error", [InvalidInputError("400 about the payload"), KeyError("a template's missing key")]
)
def test_an_error_about_the_message_gives_up_at_the_bound(error: Exception) -> None:
    rule = GiveUp(after=5)
    assert [rule.gives_up(error, permanent_failures=n) for n in range(6)] == [
        False, False, False, False, True, True,
    ]  # fmt: skip


def test_backoff_doubles_to_an_hour_and_honours_retry_after() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [
        30, 60, 120, 240, 3600, 3600,
    ]  # fmt: skip
    assert backoff(1, retry_after=600).total_seconds() == 600
