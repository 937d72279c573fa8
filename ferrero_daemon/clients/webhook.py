"""The Make.com webhook: one JSON POST per event, with an optional bearer token.

An empty ``[webhook] url`` means no webhook: ``enabled`` is False and the outbox
marks webhook rows as skipped. Each POST carries the outbox key as
``X-Ferrero-Event-Key`` so the scenario can drop the rare repeat (delivery is at
least once). Retries belong to the outbox, not here: a POST is not safe to repeat
blindly. httpx errors are mapped into ``errors.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from ferrero_daemon import logs
from ferrero_daemon.config import Config
from ferrero_daemon.errors import (
    AuthError,
    ConfigError,
    FerreroError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)

log = logs.get_logger(__name__)
KEY_HEADER = "X-Ferrero-Event-Key"


class WebhookClient:
    """POSTs events to the configured URL; ``from_config`` for the process's one instance."""

    def __init__(
        self, url: str, token: str | None = None, timeout: float = 15.0, environment: str = ""
    ) -> None:
        self.url = url
        self._environment = environment
        headers = {"User-Agent": "ferrero-daemon"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.AsyncClient(headers=headers, timeout=timeout)

    @classmethod
    def from_config(cls, config: Config) -> WebhookClient:
        settings = config.settings
        return cls(
            settings.webhook.url,
            config.secrets.optional("webhook_token"),
            settings.webhook.timeout_seconds,
            settings.environment.value,
        )

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @property
    def target(self) -> str:
        """The URL without its path: Make.com's path is itself a credential."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "(no webhook url)"

    async def post(self, event: Mapping[str, Any], key: str | None = None) -> int:
        """Deliver one event; returns the HTTP status (2xx)."""
        self._require_url()
        headers = {KEY_HEADER: key} if key else {}
        with self._errors():
            response = await self._http.post(self.url, json=dict(event), headers=headers)
        self._raise_for(response)
        log.info("webhook_sent", key=key, status=response.status_code)
        return response.status_code

    async def probe(self) -> str:
        """Is the URL reachable? Any HTTP answer below 500 counts.

        [INF] what Make.com answers to HEAD is not documented; we only ask that
        something answers, and send a real event only on ``send_test``.
        """
        self._require_url()
        with self._errors():
            response = await self._http.head(self.url)
        if response.status_code >= 500:
            self._raise_for(response)
        return f"{self.target} answered HTTP {response.status_code}"

    async def send_test(self, now: datetime) -> int:
        event = {
            "schema_version": 1,  # schemas/webhook.schema.json, like every event we post
            "event": "test",
            "source": "ferrero-daemon check",
            "environment": self._environment,
            "sent_at": now.isoformat(),
        }
        return await self.post(event, key=f"test:{now.isoformat()}")

    async def aclose(self) -> None:
        await self._http.aclose()

    def _require_url(self) -> None:
        if not self.url:
            raise ConfigError("no webhook is configured: set [webhook] url")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except FerreroError:
            raise
        except httpx.TimeoutException as exc:
            raise TransientError(f"webhook {self.target} timed out ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise TransientError(
                f"webhook {self.target} is unreachable: {type(exc).__name__}: {exc}"
            ) from exc

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        what = f"webhook {self.target} answered HTTP {status}"
        if status == 429:
            raise RateLimitedError(what, retry_after=_retry_after(response))
        if status >= 500 or status == 408:
            raise TransientError(what)
        if status in (401, 403):
            raise AuthError(f"{what}; check the webhook_token secret")
        if status in (404, 410):
            raise NotFoundError(f"{what}; is the scenario still active? check [webhook] url")
        raise InvalidInputError(f"{what}: {response.text[:200]}")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare enough that our own backoff is fine
