"""What every HTTP emulator shares: a loopback aiohttp server, fault injection, a request log.

An emulator subclasses ``EmulatorServer``, adds its routes in ``routes()``, and is used
as ``async with OtmmEmulator() as emu: emu.base_url``. Every emulator answers
``/_admin/faults`` (POST a fault, DELETE to clear) and ``/_admin/requests`` (what
was asked of it), and the same is available as Python methods.

A fault applies to the next ``count`` requests whose method and path match:

    status         answer with this status (and ``body`` as JSON, if given)
    retry_after    with status 429 (the default when set): a ``Retry-After`` header, in
                   seconds, or as given when it is text (an HTTP-date)
    delay          seconds to wait before handling (then handle normally, or fault)
    drop           close the connection: before answering, or, with ``drop_after_bytes``,
                   after that many body bytes of a streamed response
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A typed key: aiohttp warns (an error under our pytest settings) on plain string keys.
DROP_AFTER_KEY = web.RequestKey("ferrero.drop_after_bytes", int)


@dataclass
class Fault:
    path: str
    method: str = "*"
    count: int = 1
    status: int | None = None
    body: Any = None
    retry_after: float | str | None = None
    delay: float = 0.0
    drop: bool = False
    drop_after_bytes: int | None = None
    raw: str | None = None  # the body as given (an HTML error page, JSON cut short), not JSON
    content_type: str = "text/html"  # of ``raw``
    _pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)
        if self.retry_after is not None and self.status is None:
            self.status = 429

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and bool(self._pattern.search(path))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        allowed = {
            k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "_pattern"
        }
        return cls(**allowed)


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]


class FaultInjector:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, path):
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                return fault
        return None


def drop_connection(request: web.Request) -> None:
    transport = request.transport
    if transport is not None:
        transport.abort()


async def write_stream(
    request: web.Request, response: web.StreamResponse, chunks: AsyncIterator[bytes]
) -> web.StreamResponse:
    """Write a streamed body, honouring a ``drop_after_bytes`` fault on this request."""
    drop_after: int | None = request.get(DROP_AFTER_KEY)
    sent = 0
    async for chunk in chunks:
        if drop_after is not None and sent + len(chunk) >= drop_after:
            await response.write(chunk[: max(0, drop_after - sent)])
            drop_connection(request)
            raise asyncio.CancelledError  # aiohttp ends the handler quietly
        await response.write(chunk)
        sent += len(chunk)
    await response.write_eof()
    return response


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        text=json.dumps(data), status=status, content_type="application/json", headers=headers
    )


class EmulatorServer:
    """Base of the HTTP emulators: loopback server, faults, request log, admin routes."""

    name = "emulator"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: Path | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.data_dir = data_dir
        self.ssl_context = ssl_context
        self.faults = FaultInjector()
        self.requests: list[LoggedRequest] = []
        self._runner: web.AppRunner | None = None

    # -- to override --------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        """Add the emulated system's routes to ``app``."""

    # -- lifecycle ----------------------------------------------------------
    @property
    def base_url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=1024**4)
        app.router.add_post("/_admin/faults", self._admin_add_fault)
        app.router.add_delete("/_admin/faults", self._admin_clear_faults)
        app.router.add_get("/_admin/requests", self._admin_requests)
        self.routes(app)
        return app

    async def start(self) -> str:
        self._runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self.ssl_context)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- faults and log -----------------------------------------------------
    def inject(self, path: str, **kwargs: Any) -> Fault:
        fault = Fault(path=path, **kwargs)
        self.faults.add(fault)
        return fault

    def requests_to(self, pattern: str, method: str = "*") -> list[LoggedRequest]:
        regex = re.compile(pattern)
        return [r for r in self.requests if regex.search(r.path) and method in ("*", r.method)]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = (
            None
            if request.path.startswith("/_admin/")
            else self.faults.take(request.method, request.path)
        )
        status = 0
        try:
            response = await self._apply(request, handler, fault)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.requests.append(
                LoggedRequest(
                    request.method,
                    request.path,
                    request.query_string,
                    status,
                    dict(request.headers),
                )
            )

    async def _apply(
        self, request: web.Request, handler: Handler, fault: Fault | None
    ) -> web.StreamResponse:
        if fault is None:
            return await handler(request)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop and fault.drop_after_bytes is None:
            drop_connection(request)
            raise asyncio.CancelledError
        if fault.drop_after_bytes is not None:
            request[DROP_AFTER_KEY] = fault.drop_after_bytes
            return await handler(request)
        if fault.status is not None:
            headers = (
                {"Retry-After": _header(fault.retry_after)} if fault.retry_after is not None else {}
            )
            if fault.raw is not None:
                return web.Response(
                    text=fault.raw,
                    status=fault.status,
                    headers=headers,
                    content_type=fault.content_type,
                )
            return json_response(fault.body or {"error": "injected fault"}, fault.status, headers)
        return await handler(request)

    async def _admin_add_fault(self, request: web.Request) -> web.Response:
        fault = Fault.from_json(await request.json())
        self.faults.add(fault)
        return json_response({"ok": True})

    async def _admin_clear_faults(self, _request: web.Request) -> web.Response:
        self.faults.clear()
        return json_response({"ok": True})

    async def _admin_requests(self, _request: web.Request) -> web.Response:
        return json_response(
            [
                {"method": r.method, "path": r.path, "query": r.query, "status": r.status}
                for r in self.requests
            ]
        )


def _header(retry_after: float | str) -> str:
    return retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
