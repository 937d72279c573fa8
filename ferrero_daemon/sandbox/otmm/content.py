"""Asset bytes for the OTMM emulator: seeded (generated) content and spooled imports.

Seeded content is never held whole: a 1 MiB block derived from the seed is repeated
with the block's counter written over its first 8 bytes, so every block differs and
any byte range can be produced on demand. Size is known up front; the SHA-1 is
computed once by generating the blocks (nothing stored) and cached.

Imported content is spooled to a file (the emulator's data directory or a private
temporary one) while its size and SHA-1 are computed, so it can be served back.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import random
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

BLOCK = 1024 * 1024
_COUNTER = 8


@functools.lru_cache(maxsize=8)
def _tail(seed: int) -> bytes:
    # Generated on first read, not at seeding: a sandbox seeds hundreds of assets.
    return random.Random(seed).randbytes(BLOCK - _COUNTER)


class Content(Protocol):
    @property
    def size(self) -> int: ...

    def sha1(self) -> str: ...

    def chunks(self, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Bytes ``start`` up to ``end`` (exclusive; default: the end)."""
        ...


@dataclass
class SeededContent:
    """Deterministic bytes: the same seed and size always give the same content."""

    seed: int
    size: int
    _sha1: str | None = field(default=None, init=False, repr=False)

    def block(self, index: int) -> bytes:
        counter = (index ^ self.seed) % 2**64
        return counter.to_bytes(_COUNTER, "big") + _tail(self.seed)

    def blocks(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        end = self.size if end is None else min(end, self.size)
        position = start
        while position < end:
            index, offset = divmod(position, BLOCK)
            piece = self.block(index)[offset : offset + (end - position)]
            yield piece
            position += len(piece)

    async def chunks(self, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        for piece in self.blocks(start, end):
            yield piece

    def sha1(self) -> str:
        if self._sha1 is None:
            digest = hashlib.sha1(usedforsecurity=False)
            for piece in self.blocks():
                digest.update(piece)
            self._sha1 = digest.hexdigest()
        return self._sha1


@dataclass
class SpooledContent:
    """Bytes received by an import, kept in a file; size and SHA-1 known on arrival."""

    path: Path
    size: int
    digest: str

    def sha1(self) -> str:
        return self.digest

    async def chunks(self, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        end = self.size if end is None else min(end, self.size)
        handle = await asyncio.to_thread(self.path.open, "rb")
        try:
            await asyncio.to_thread(handle.seek, start)
            remaining = end - start
            while remaining > 0:
                piece = await asyncio.to_thread(handle.read, min(BLOCK, remaining))
                if not piece:
                    break
                remaining -= len(piece)
                yield piece
        finally:
            handle.close()


@dataclass
class Spooler:
    """Writes one incoming stream to ``path`` while hashing it."""

    path: Path
    size: int = 0
    _digest: hashlib._Hash = field(
        default_factory=lambda: hashlib.sha1(usedforsecurity=False), repr=False
    )

    async def write_all(self, chunks: AsyncIterator[bytes]) -> SpooledContent:
        handle = await asyncio.to_thread(self.path.open, "wb")

        def consume(piece: bytes) -> None:
            # hashlib and file writes release the GIL: the loop keeps reading meanwhile.
            self._digest.update(piece)
            handle.write(piece)

        try:
            async for piece in chunks:
                self.size += len(piece)
                await asyncio.to_thread(consume, piece)
        finally:
            handle.close()
        return SpooledContent(self.path, self.size, self._digest.hexdigest())


class RangeNotSatisfiable(ValueError):
    pass


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` → (start, end exclusive); None: whole."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None  # unsupported forms are ignored, as servers may do
    first, _, last = spec.strip().partition("-")
    try:
        if not first:
            start, end = max(0, size - int(last)), size
        else:
            start = int(first)
            end = min(size, int(last) + 1) if last else size
    except ValueError:
        return None
    if start >= size or start >= end:
        raise RangeNotSatisfiable(header)
    return start, end
