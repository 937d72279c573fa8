"""The webhook client against the receiver: bearer token, JSON, and each fault."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from ferrero_daemon.clients.webhook import KEY_HEADER, WebhookClient
from ferrero_daemon.errors import (
    AuthError,
    ConfigError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from ferrero_daemon.sandbox.webhook import WebhookReceiver
from tests import configs
from tests.webhook_schema import problems

EVENT = {"event": "campaign_status_changed", "campaign": "C-1001", "from": "A1", "to": "A2"}


async def test_an_event_is_posted_as_json_with_the_bearer_token(
    webhook_receiver: WebhookReceiver, webhook_client: WebhookClient
) -> None:
    assert await webhook_client.post(EVENT, key="status:C-1001:A2") == 200
    (post,) = webhook_receiver.posts
    assert post.body == EVENT
    assert post.headers["Authorization"] == f"Bearer {webhook_receiver.token}"
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers[KEY_HEADER] == "status:C-1001:A2"


async def test_a_wrong_token_is_an_auth_error(webhook_receiver: WebhookReceiver) -> None:
    client = WebhookClient.from_config(
        configs.config(emulators=[webhook_receiver], secrets={"webhook_token": "wrong-token"})
    )
    with pytest.raises(AuthError, match="answered 401") as caught:
        await client.post(EVENT)
    assert "webhook_token" in caught.value.hint
    await client.aclose()
    assert webhook_receiver.refused == 1
    assert webhook_receiver.posts == []


async def test_without_a_token_no_authorization_is_sent() -> None:
    async with WebhookReceiver(token=None) as receiver:
        client = WebhookClient(receiver.url)
        await client.post(EVENT)
        await client.aclose()
    assert "Authorization" not in receiver.posts[0].headers


@pytest.mark.parametrize(
    ("fault", "error", "match"),
    [
        ({"status": 503}, TransientError, "answered 503"),
        ({"retry_after": 7}, RateLimitedError, "answered 429"),
        ({"status": 404}, NotFoundError, "answered 404"),
        ({"status": 410}, NotFoundError, "answered 410"),
        ({"status": 408}, TransientError, "answered 408"),
        ({"status": 400}, InvalidInputError, "answered 400"),
        ({"drop": True}, TransientError, "connection to webhook .* lost"),
    ],
)
async def test_each_fault_reaches_the_client_as_our_error(
    webhook_receiver: WebhookReceiver,
    webhook_client: WebhookClient,
    fault: dict[str, object],
    error: type[Exception],
    match: str,
) -> None:
    webhook_receiver.inject("/hook/", method="POST", **fault)  # type: ignore[arg-type]
    with pytest.raises(error, match=match) as caught:
        await webhook_client.post(EVENT)
    if isinstance(caught.value, RateLimitedError):
        assert caught.value.retry_after == 7
    if isinstance(caught.value, NotFoundError):
        assert "[webhook] url" in caught.value.hint
    if isinstance(caught.value, InvalidInputError):
        assert "webhook.schema.json" in caught.value.hint
    assert webhook_receiver.posts == []


async def test_a_slow_webhook_times_out_as_transient(webhook_receiver: WebhookReceiver) -> None:
    client = WebhookClient(webhook_receiver.url, webhook_receiver.token, timeout=0.1)
    webhook_receiver.inject("/hook/", delay=0.4)
    with pytest.raises(TransientError, match="timed out"):
        await client.post(EVENT)
    await client.aclose()


async def test_probe_and_test_event(
    webhook_receiver: WebhookReceiver, webhook_client: WebhookClient
) -> None:
    assert await webhook_client.probe() == f"{webhook_receiver.base_url} answered HTTP 200"
    assert webhook_receiver.posts == []
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    await webhook_client.send_test(now)
    body = webhook_receiver.posts[0].body
    assert problems(body) == []
    assert body == {
        "schema_version": 1,
        "event": "test",
        "source": "ferrero-daemon check",
        "environment": "test",
        "sent_at": "2026-12-01T09:00:00+00:00",
    }


async def test_no_url_means_disabled_and_a_post_is_a_config_error() -> None:
    client = WebhookClient("")
    assert not client.enabled
    with pytest.raises(ConfigError, match=r"\[webhook\] url"):
        await client.post(EVENT)
    await client.aclose()


async def test_a_retry_after_http_date_is_read(
    webhook_receiver: WebhookReceiver, webhook_client: WebhookClient
) -> None:
    when = datetime.now(UTC) + timedelta(minutes=10)
    webhook_receiver.inject("/hook/", retry_after=format_datetime(when, usegmt=True))
    with pytest.raises(RateLimitedError) as caught:
        await webhook_client.post(EVENT)
    assert caught.value.retry_after is not None and 580 < caught.value.retry_after <= 600
