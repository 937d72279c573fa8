"""The Make.com webhook: one JSON POST per event, with an optional bearer token.

An empty ``[webhook] url`` means no webhook: ``enabled`` is False and the outbox
marks webhook rows as skipped. Each POST carries the outbox key as
``X-Ferrero-Event-Key`` so the scenario can drop the rare repeat (delivery is at
least once). Retries belong to the outbox, not here: a POST is not safe to repeat
blindly. Answers and httpx errors become ours at the HTTP boundary (``clients/http.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from ferrero_daemon import logs
from ferrero_daemon.clients.http import Remote, tls_context
from ferrero_daemon.config import Config, url_origin
from ferrero_daemon.errors import AuthError, ConfigError, InvalidInputError, NotFoundError

log = logs.get_logger(__name__)
KEY_HEADER = "X-Ferrero-Event-Key"


class WebhookClient:
    """POSTs events to the configured URL; ``from_config`` for the process's one instance."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout: float = 15.0,
        environment: str = "",
        *,
        ca_bundle: Path | None = None,
    ) -> None:
        self.url = url
        self._environment = environment
        headers = {"User-Agent": "ferrero-daemon"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        verify = tls_context(ca_bundle, "[webhook] ca_bundle")
        self._http = httpx.AsyncClient(headers=headers, timeout=timeout, verify=verify)
        self._remote = Remote(
            f"webhook {self.target}",
            "[webhook] ca_bundle",
            hints={
                AuthError: "check the webhook_token secret",
                NotFoundError: "is the Make.com scenario still active? check [webhook] url",
                InvalidInputError: "the scenario refused the event: check what it expects "
                "against ferrero_daemon/schemas/webhook.schema.json",
            },
            detail=_detail,
        )

    @classmethod
    def from_config(cls, config: Config) -> WebhookClient:
        settings = config.settings
        return cls(
            settings.webhook.url,
            config.secrets.optional("webhook_token"),
            settings.webhook.timeout_seconds,
            settings.environment.value,
            ca_bundle=settings.webhook.ca_bundle,
        )

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @property
    def target(self) -> str:
        """The URL without its path: Make.com's path is itself a credential."""
        return url_origin(self.url) or "(no webhook url)"

    async def post(self, event: Mapping[str, Any], key: str | None = None) -> int:
        """Deliver one event; returns the HTTP status (2xx)."""
        self._require_url()
        headers = {KEY_HEADER: key} if key else {}
        what = f"event {key}" if key else "event"
        with self._remote.mapped(what):
            response = await self._http.post(self.url, json=dict(event), headers=headers)
        if not response.is_success:
            raise self._remote.error(response, what)
        log.info("webhook_sent", key=key, status=response.status_code)
        return response.status_code

    async def probe(self) -> str:
        """Is the URL reachable? Any HTTP answer below 500 counts.

        [INF] what Make.com answers to HEAD is not documented; we only ask that
        something answers, and send a real event only on ``send_test``.
        """
        self._require_url()
        with self._remote.mapped("probe"):
            response = await self._http.head(self.url)
        if response.status_code >= 500:
            raise self._remote.error(response, "probe")
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


def _detail(response: httpx.Response) -> str:
    return response.text[:200] if response.status_code < 500 else response.reason_phrase
