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


async def peek(chunks: ByteStream, size: int) -> tuple[bytes, ByteStream]:
    """The first ``size`` bytes (fewer if the stream is shorter), and the whole stream again.

    Only the chunks that hold those bytes are read ahead and kept; the returned stream
    yields them first, then the rest of ``chunks`` as it comes. Nothing is read twice.
    """
    taken: list[bytes] = []
    held = 0
    async for chunk in chunks:
        taken.append(chunk)
        held += len(chunk)
        if held >= size:
            break
    return b"".join(taken)[:size], _replay(taken, chunks)


async def _replay(taken: list[bytes], rest: ByteStream) -> AsyncIterator[bytes]:
    while taken:
        yield taken.pop(0)
    async for chunk in rest:
        yield chunk
