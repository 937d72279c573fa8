"""One OTMM HTTP exchange: credentials, ``X-Requested-By``, and the HTTP boundary.

Every call carries the bearer token (OAuth mode) and ``X-Requested-By`` (some
installs demand it on mutating calls, `ref/otmm-api.md` §2.1). A 401 fetches a new
token and sends the request once more, when its body can be sent again. Answers and
failures become our errors through ``clients/http.py`` (``wire.OTMM``); calls that are
safe to repeat are retried by its ``Retry``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx

from ferrero_daemon import logs
from ferrero_daemon.clients.http import Retry
from ferrero_daemon.clients.otmm.auth import TokenSource
from ferrero_daemon.clients.otmm.wire import OTMM, error_for
from ferrero_daemon.errors import TransientError

log = logs.get_logger(__name__)
T = TypeVar("T")


class OtmmTransport:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        tokens: TokenSource | None,
        requested_by: str,
        *,
        retry: Retry | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.requested_by = requested_by
        self.retry = retry or Retry()

    def url(self, path: str) -> str:
        return f"{self.base_url}/v6{path}"

    async def retrying(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        return await self.retry.call(OTMM.name, what, call)

    # -- one exchange -------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        safe: bool,
        expect: Collection[int] = (200,),
        replayable: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send, map errors; retry when ``safe``. ``replayable``: the body can be re-sent."""

        async def once() -> httpx.Response:
            response = await self._authorized(method, path, what, replayable, kwargs)
            if response.status_code not in expect:
                raise error_for(response, what)
            return response

        return await (self.retrying(what, once) if safe else once())

    async def _headers(self, extra: dict[str, str] | None) -> tuple[dict[str, str], str | None]:
        headers = {"X-Requested-By": self.requested_by, "Accept": "application/json"}
        token = await self.tokens.get() if self.tokens else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers | (extra or {}), token

    async def _authorized(
        self, method: str, path: str, what: str, replayable: bool, kwargs: dict[str, Any]
    ) -> httpx.Response:
        extra = kwargs.get("headers")
        kwargs = {k: v for k, v in kwargs.items() if k != "headers"}
        headers, token = await self._headers(extra)
        response = await self._send(method, path, what, headers, kwargs)
        if response.status_code != 401 or token is None or self.tokens is None:
            return response
        self.tokens.invalidate(token)
        log.info("dam_token_refused", what=what)
        if not replayable:
            raise TransientError(f"{what}: OTMM refused an expired token; try again")
        headers, _ = await self._headers(extra)
        return await self._send(method, path, what, headers, kwargs)

    async def _send(
        self, method: str, path: str, what: str, headers: dict[str, str], kwargs: dict[str, Any]
    ) -> httpx.Response:
        with OTMM.mapped(what):
            return await self.http.request(method, self.url(path), headers=headers, **kwargs)

    @asynccontextmanager
    async def stream(
        self, path: str, *, what: str, headers: dict[str, str]
    ) -> AsyncIterator[httpx.Response]:
        """A streamed GET (status not yet checked); a 401 refreshes the token once."""
        for attempt in range(2):
            all_headers, token = await self._headers(headers)
            request = self.http.build_request("GET", self.url(path), headers=all_headers)
            with OTMM.mapped(what):
                response = await self.http.send(request, stream=True)
            if response.status_code == 401 and token and self.tokens and attempt == 0:
                await response.aclose()
                self.tokens.invalidate(token)
                continue
            try:
                yield response
            finally:
                await response.aclose()
            return
