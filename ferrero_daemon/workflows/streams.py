"""Byte streams between the DAM and Box: counted as they pass, never held whole."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ferrero_daemon.clients.types import ByteStream
from ferrero_daemon.jobs import Progress


async def counted(chunks: ByteStream, progress: Progress) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        progress.moved(len(chunk))
        yield chunk


async def once(data: bytes) -> AsyncIterator[bytes]:
    yield data
