"""One authenticated, retried HTTP call to Box, and Box's answers mapped to our errors.

``BoxHttp.call`` sends a request with the current bearer token; a 401 renews the
token once and sends again. Statuses the caller wants to look at itself (a 409 it
can resolve, a 404 that means "already gone") come back as responses; every other
failure is raised as our error tree (``ref/box-api.md`` §3.8):

    connect errors, timeouts, 5xx  TransientError
    429                            RateLimitedError (with Retry-After)
    401 after a renewal, 403       AuthError
    404                            NotFoundError
    409, 412                       ConflictError
    400 bad_digest                 IntegrityError
    other 4xx                      PermanentError

``retried`` wraps a call that is safe to repeat in tenacity: only ``TransientError``
is retried, with ``Retry-After`` honoured, otherwise exponential back-off.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ferrero_daemon import logs
from ferrero_daemon.clients.box.auth import JwtTokens
from ferrero_daemon.errors import (
    AuthError,
    ConflictError,
    FerreroError,
    IntegrityError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    TransientError,
    is_retryable,
)

log = logs.get_logger(__name__)
T = TypeVar("T")
MAX_RETRY_AFTER = 600.0


def error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code") or "") if isinstance(body, dict) else ""


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(value))) if value is not None else None
    except ValueError:
        return None


_BY_STATUS: dict[int, tuple[type[FerreroError], str]] = {
    401: (AuthError, "; check that the Box app's service account can reach the item"),
    403: (AuthError, "; check that the Box app's service account can reach the item"),
    404: (NotFoundError, "; the item does not exist or is not shared with the app"),
    409: (ConflictError, ""),
    412: (ConflictError, ""),
}


def box_error(response: httpx.Response, what: str) -> FerreroError:
    """Our error for a failed Box answer; ``what`` names the operation and its item."""
    status, code = response.status_code, error_code(response)
    text = f"Box {what}: {status} {code}".rstrip()
    if status == 429:
        return RateLimitedError(f"{text}; Box asked us to slow down", retry_after(response))
    if status >= 500 or status == 202:
        return TransientError(f"{text}; Box is unavailable, will retry")
    if status in _BY_STATUS:
        kind, hint = _BY_STATUS[status]
        return kind(text + hint)
    if code == "bad_digest":
        return IntegrityError(f"{text}; the bytes sent do not match their SHA-1")
    return PermanentError(text)


class BoxHttp:
    """httpx with the Box bearer token, 401 renewal and error mapping."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        tokens: JwtTokens,
        *,
        attempts: int = 5,
        backoff: float = 0.5,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.client = client
        self.tokens = tokens
        self.attempts = attempts
        self.backoff = backoff
        self._headers = headers or {}

    async def call(
        self,
        method: str,
        url: str,
        what: str,
        *,
        accept: Collection[int] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        """One request (no retry); statuses in ``accept`` are returned, not raised.

        A streamed body is passed as ``content=`` a function returning the stream, so
        that the send after a 401 can read it again.
        """
        response = await self._send(method, url, what, kwargs)
        if response.is_success or response.status_code in accept:
            return response
        raise box_error(response, what)

    async def _send(
        self, method: str, url: str, what: str, kwargs: dict[str, Any]
    ) -> httpx.Response:
        token = await self.tokens.get()
        response = await self._once(method, url, what, token, kwargs)
        if response.status_code == 401:
            log.info("box_token_rejected", operation=what)
            token = await self.tokens.refresh(token)
            response = await self._once(method, url, what, token, kwargs)
        return response

    async def _once(
        self, method: str, url: str, what: str, token: str, kwargs: dict[str, Any]
    ) -> httpx.Response:
        options = {k: v for k, v in kwargs.items() if k != "headers"}
        if callable(options.get("content")):  # a streamed body: a fresh stream for each send
            options["content"] = options["content"]()
        headers = {**self._headers, **kwargs.get("headers", {}), "Authorization": f"Bearer {token}"}
        try:
            response = await self.client.request(method, url, headers=headers, **options)
        except httpx.TransportError as exc:
            raise TransientError(f"Box {what}: {type(exc).__name__}, will retry") from exc
        return response

    async def retried(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        """Run ``operation`` again on ``TransientError``: for calls safe to repeat."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(is_retryable),
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            before_sleep=lambda state: _log_retry(what, state),
            reraise=True,
        ):
            with attempt:
                return await operation()
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return exc.retry_after
        return min(30.0, self.backoff * 2.0 ** (state.attempt_number - 1))


def _log_retry(what: str, state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning(
        "box_call_retry",
        operation=what,
        attempt=state.attempt_number,
        wait=round(state.upcoming_sleep, 3),
        error=str(exc),
    )
