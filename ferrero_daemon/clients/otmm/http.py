"""One OTMM HTTP exchange: credentials, ``X-Requested-By``, error mapping, retries.

Every call carries the bearer token (OAuth mode) and ``X-Requested-By`` (some
installs demand it on mutating calls, `ref/otmm-api.md` §2.1). A 401 fetches a new
token and sends the request once more, when its body can be sent again. Calls that
are safe to repeat are retried on ``TransientError`` with exponential backoff, or
after the ``Retry-After`` the server asked for.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ferrero_daemon import logs
from ferrero_daemon.clients.otmm.auth import TokenSource
from ferrero_daemon.clients.otmm.wire import error_for
from ferrero_daemon.errors import RateLimitedError, TransientError, is_retryable

log = logs.get_logger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
MAX_RETRY_AFTER = 300.0


class OtmmTransport:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        tokens: TokenSource | None,
        requested_by: str,
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.requested_by = requested_by
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep

    def url(self, path: str) -> str:
        return f"{self.base_url}/v6{path}"

    # -- retries ------------------------------------------------------------
    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return float(min(exc.retry_after, MAX_RETRY_AFTER))
        exponent: int = state.attempt_number - 1
        base = min(self.max_backoff, self.backoff * 2.0**exponent)
        return base * (0.5 + secrets.randbelow(1000) / 2000)

    def _before_sleep(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "dam_request_retry", attempt=state.attempt_number, wait_seconds=wait, error=str(exc)
        )

    async def retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            retry=retry_if_exception(is_retryable),
            before_sleep=self._before_sleep,
            sleep=self.sleep,
            reraise=True,
        ):
            with attempt:
                return await call()
        raise AssertionError("unreachable")  # pragma: no cover

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

        return await (self.retrying(once) if safe else once())

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
        try:
            return await self.http.request(method, self.url(path), headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise TransientError(f"{what}: OTMM unreachable ({type(exc).__name__})") from exc

    @asynccontextmanager
    async def stream(
        self, path: str, *, what: str, headers: dict[str, str]
    ) -> AsyncIterator[httpx.Response]:
        """A streamed GET (status not yet checked); a 401 refreshes the token once."""
        for attempt in range(2):
            all_headers, token = await self._headers(headers)
            request = self.http.build_request("GET", self.url(path), headers=all_headers)
            try:
                response = await self.http.send(request, stream=True)
            except httpx.TransportError as exc:
                raise TransientError(f"{what}: OTMM unreachable ({type(exc).__name__})") from exc
            if response.status_code == 401 and token and self.tokens and attempt == 0:
                await response.aclose()
                self.tokens.invalidate(token)
                continue
            try:
                yield response
            finally:
                await response.aclose()
            return
