"""Bytes to and from OTMM without holding them: a resumable download, a streamed multipart.

A download that loses its connection mid-body asks for the rest with
``Range: bytes=<received>-`` and checks the ``Content-Range`` it gets; a server that
ignores the range (200) is tolerated by skipping what we already have. An upload
is one ``multipart/form-data`` body whose file part is the caller's byte stream,
with a ``Content-Length`` computed up front (so no chunked encoding).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx

from ferrero_daemon import logs
from ferrero_daemon.clients.otmm.http import OtmmTransport
from ferrero_daemon.clients.otmm.wire import OTMM, error_for
from ferrero_daemon.clients.types import ByteStream
from ferrero_daemon.errors import IntegrityError, InvalidInputError, TransientError

log = logs.get_logger(__name__)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_FILENAME = re.compile(r'filename="([^"]*)"')
MAX_STALLS = 5


class ResumableDownload:
    """The content of one asset; ``chunks()`` yields it once, resuming after drops."""

    def __init__(self, transport: OtmmTransport, asset_id: str) -> None:
        self.transport = transport
        self.asset_id = asset_id
        self.path = f"/assets/{asset_id}/contents"
        self.what = f"download of DAM asset {asset_id}"
        self.received = 0
        self.size: int | None = None
        self.name: str | None = None
        self._skip = 0
        self._response: httpx.Response | None = None
        self._stack = AsyncExitStack()

    async def open(self) -> None:
        await self.transport.retrying(self.what, self._open_once)

    async def _open_once(self) -> None:
        await self.aclose()
        headers = {"Range": f"bytes={self.received}-"} if self.received else {}
        stack = AsyncExitStack()
        response = await stack.enter_async_context(
            self.transport.stream(self.path, what=self.what, headers=headers)
        )
        try:
            await self._accept(response)
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self._response = stack, response

    async def _accept(self, response: httpx.Response) -> None:
        if response.status_code not in (200, 206):
            await response.aread()
            raise error_for(response, self.what)
        if response.status_code == 206:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != self.received:
                raise IntegrityError(f"{self.what}: OTMM resumed at the wrong offset")
            self.size = None if match.group(3) == "*" else int(match.group(3))
            self._skip = 0
        else:
            length = response.headers.get("Content-Length")
            self.size = int(length) if length and length.isdigit() else None
            self._skip = self.received
        if self.name is None:
            found = _FILENAME.search(response.headers.get("Content-Disposition", ""))
            self.name = found.group(1) if found else None

    async def chunks(self) -> AsyncIterator[bytes]:
        stalls = 0
        while True:
            before = self.received
            try:
                async for chunk in self._body():
                    yield chunk
                if self.size is None or self.received >= self.size:
                    return
            except TransientError as exc:
                log.warning(
                    "dam_download_interrupted",
                    asset_id=self.asset_id,
                    offset=self.received,
                    error=str(exc),
                )
            stalls = 0 if self.received > before else stalls + 1
            if stalls >= MAX_STALLS:
                raise TransientError(f"{self.what}: connection kept dropping at {self.received}")
            await self.open()
            log.info("dam_download_resumed", asset_id=self.asset_id, offset=self.received)

    async def _body(self) -> AsyncIterator[bytes]:
        assert self._response is not None
        with OTMM.mapped(self.what):  # a connection dropped mid-body: TransientError
            async for received in self._response.aiter_bytes():
                chunk = received
                if self._skip:  # the server ignored our Range: drop what we already have
                    dropped = min(self._skip, len(chunk))
                    self._skip -= dropped
                    chunk = chunk[dropped:]
                    if not chunk:
                        continue
                self.received += len(chunk)
                yield chunk

    async def aclose(self) -> None:
        stack, self._stack, self._response = self._stack, AsyncExitStack(), None
        await stack.aclose()


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "%22").replace("\r", "").replace("\n", "")


def _text_part(boundary: str, name: str, value: str, content_type: str) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n{value}\r\n"
    ).encode()


class StreamedMultipart:
    """A multipart body: text parts, then one file part streamed from ``chunks``."""

    def __init__(
        self,
        fields: list[tuple[str, str, str]],  # name, value, content type
        *,
        file_field: str,
        filename: str,
        mime_type: str,
        size: int,
        chunks: ByteStream,
    ) -> None:
        self.boundary = f"ferrero-{secrets.token_hex(16)}"
        parts = [_text_part(self.boundary, n, v, t) for n, v, t in fields]
        file_header = (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{_quote(filename)}"\r\nContent-Type: {mime_type}\r\n\r\n'
        ).encode()
        self.head = b"".join(parts) + file_header
        self.tail = f"\r\n--{self.boundary}--\r\n".encode()
        self.size = size
        self.sent = 0
        self._chunks = chunks

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": f"multipart/form-data; boundary={self.boundary}",
            "Content-Length": str(len(self.head) + self.size + len(self.tail)),
        }

    async def body(self) -> AsyncIterator[bytes]:
        yield self.head
        async for chunk in self._chunks:
            self.sent += len(chunk)
            if self.sent > self.size:
                raise InvalidInputError(
                    f"the stream is longer than its announced {self.size} bytes"
                )
            yield chunk
        if self.sent != self.size:
            raise InvalidInputError(
                f"the stream ended after {self.sent} of its announced {self.size} bytes"
            )
        yield self.tail
