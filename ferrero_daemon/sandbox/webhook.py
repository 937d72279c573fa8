"""A Make.com-style webhook receiver: records every JSON POST with its headers.

Any path except ``/_admin/`` accepts a POST (Make.com scenario URLs are
``/<token>``-style paths). A body that is not JSON gets 400; with ``token`` set, a
request without ``Authorization: Bearer <token>`` gets 401. A good one gets 200
``Accepted``, as Make.com answers. Faults come from ``EmulatorServer``.

Admin: ``GET /_admin/posts``, ``DELETE /_admin/posts``; in Python ``posts``,
``clear()`` and ``wait_for(n)``. With a ``data_dir`` (the sandbox gives it one), every
accepted body is also appended to ``<data_dir>/posts.jsonl``: what Make.com would have
received, one JSON object a line.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from ferrero_daemon.sandbox.http import EmulatorServer, json_response

HOOK_PATH = "/hook/ferrero-sandbox"
POSTS_FILE = "posts.jsonl"
DEFAULT_TOKEN = "sandbox-webhook-token"  # noqa: S105 (the sandbox's own, not a real one)


@dataclass(frozen=True)
class ReceivedPost:
    path: str
    headers: dict[str, str]
    body: Any


class WebhookReceiver(EmulatorServer):
    name = "webhook"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: Path | None = None,
        *,
        token: str | None = DEFAULT_TOKEN,
    ) -> None:
        super().__init__(host, port, data_dir)
        self.token = token
        self.posts: list[ReceivedPost] = []
        self.refused = 0
        self._arrived = asyncio.Condition()

    @property
    def url(self) -> str:
        return self.base_url + HOOK_PATH

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/_admin/posts", self._admin_posts)
        app.router.add_delete("/_admin/posts", self._admin_clear)
        app.router.add_post("/{tail:.*}", self._receive)
        app.router.add_route("HEAD", "/{tail:.*}", self._head)

    async def _receive(self, request: web.Request) -> web.StreamResponse:
        if (
            self.token is not None
            and request.headers.get("Authorization") != f"Bearer {self.token}"
        ):
            self.refused += 1
            return web.Response(status=401, text="Unauthorized")
        try:
            body = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="Body is not valid JSON")
        self.posts.append(ReceivedPost(request.path, dict(request.headers), body))
        self._keep(body)
        async with self._arrived:
            self._arrived.notify_all()
        return web.Response(status=200, text="Accepted")

    def _keep(self, body: Any) -> None:
        if self.data_dir is None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / POSTS_FILE).open("a", encoding="utf-8") as out:
            out.write(json.dumps(body, ensure_ascii=False) + "\n")

    async def _head(self, _request: web.Request) -> web.StreamResponse:
        return web.Response(status=200)

    async def _admin_posts(self, _request: web.Request) -> web.Response:
        return json_response(
            [{"path": p.path, "headers": p.headers, "body": p.body} for p in self.posts]
        )

    async def _admin_clear(self, _request: web.Request) -> web.Response:
        self.clear()
        return json_response({"ok": True})

    def clear(self) -> None:
        self.posts.clear()
        self.refused = 0

    async def wait_for(self, count: int) -> list[ReceivedPost]:
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.posts) >= count)
        return list(self.posts)

    def config_overrides(self) -> dict[str, Any]:
        return {"webhook": {"url": self.url}}

    def secrets(self) -> dict[str, str]:
        return {"webhook_token": self.token} if self.token else {}


def create(host: str = "127.0.0.1", port: int = 0, data_dir: Path | None = None) -> WebhookReceiver:
    return WebhookReceiver(host=host, port=port, data_dir=data_dir)
