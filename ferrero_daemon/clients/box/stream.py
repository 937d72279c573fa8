"""Byte streams for uploads: exact-size reads from arbitrary chunks, and sliced bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ferrero_daemon.clients.types import ByteStream
from ferrero_daemon.errors import InvalidInputError


class ExactReader:
    """Reads exact byte counts from a stream of arbitrary chunks, copying each byte once."""

    def __init__(self, chunks: ByteStream, what: str) -> None:
        self._chunks: AsyncIterator[bytes] = aiter(chunks)
        self._rest = memoryview(b"")
        self._what = what

    async def read(self, count: int) -> bytearray:
        out = bytearray(count)
        await self.read_into(memoryview(out))
        return out

    async def read_into(self, out: memoryview) -> memoryview:
        """Fill ``out`` (a caller's buffer, reused) with the next ``len(out)`` bytes."""
        count = len(out)
        have = 0
        while have < count:
            if not self._rest:
                try:
                    self._rest = memoryview(await anext(self._chunks))
                except StopAsyncIteration:
                    raise InvalidInputError(
                        f"{self._what}: the stream ended after {have} of {count} expected bytes"
                    ) from None
            take = min(count - have, len(self._rest))
            out[have : have + take] = self._rest[:take]
            self._rest = self._rest[take:]
            have += take
        return out

    async def finish(self) -> None:
        extra = len(self._rest)
        async for chunk in self._chunks:
            extra += len(chunk)
        if extra:
            raise InvalidInputError(f"{self._what}: the stream is {extra} bytes longer than said")


async def slices(
    data: bytearray | memoryview, size: int = 1024 * 1024
) -> AsyncIterator[memoryview]:
    """A part's body in pieces, so that the socket buffer never holds a second copy."""
    view = memoryview(data)
    for at in range(0, len(view), size):
        yield view[at : at + size]
