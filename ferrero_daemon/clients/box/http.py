"""One authenticated HTTP call to Box, through the HTTP boundary (``clients/http.py``).

``BoxHttp.call`` sends a request with the current bearer token; a 401 renews the
token once and sends again. Statuses the caller wants to look at itself (a 409 it
can resolve, a 404 that means "already gone") come back as responses; every other
answer, and every failure to get one, is raised as the boundary's table says
(``ref/box-api.md`` §3.8), with two exceptions of Box's own, by error code:

    400 bad_digest                   IntegrityError: the bytes sent do not match their SHA-1
    409 operation_blocked_temporary  TransientError: Box says to try again later

``retried`` runs a call that is safe to repeat under the one ``Retry`` policy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any, TypeVar

import httpx

from ferrero_daemon import logs
from ferrero_daemon.clients.box.auth import JwtTokens
from ferrero_daemon.clients.http import Remote, Retry
from ferrero_daemon.errors import (
    AuthError,
    FerreroError,
    IntegrityError,
    NotFoundError,
    TransientError,
)

log = logs.get_logger(__name__)
T = TypeVar("T")


def error_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("code") or "") if isinstance(body, dict) else ""


def _detail(response: httpx.Response) -> str:
    return error_code(response) or response.reason_phrase


BOX = Remote(
    "Box",
    "[box] ca_bundle",
    hints={
        AuthError: "check that the Box app's service account (or [box] as_user_id) can "
        "reach the item, and the box_jwt_config secret",
        NotFoundError: "the item does not exist or is not shared with the Box app's "
        "service account",
    },
    detail=_detail,
)


def box_error(response: httpx.Response, what: str) -> FerreroError:
    """Our error for a failed Box answer; ``what`` names the operation and its item."""
    code = error_code(response)
    if code == "bad_digest":
        return IntegrityError(f"{what}: Box answered {response.status_code}: {code}")
    if code == "operation_blocked_temporary":
        return TransientError(f"{what}: Box answered {response.status_code}: {code}")
    return BOX.error(response, what)


class BoxHttp:
    """httpx with the Box bearer token, 401 renewal and the HTTP boundary."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        tokens: JwtTokens,
        *,
        retry: Retry | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.client = client
        self.tokens = tokens
        self.retry = retry or Retry()
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
        with BOX.mapped(what):
            return await self.client.request(method, url, headers=headers, **options)

    async def retried(self, what: str, operation: Callable[[], Awaitable[T]]) -> T:
        """Run ``operation`` again on ``TransientError``: for calls safe to repeat."""
        return await self.retry.call(BOX.name, what, operation)
