"""File content for the Box emulator: where bytes come from and where received ones go.

Nothing here holds a large file in memory. Seeded files are generated from a seed
(a 1 MiB block repeated, so any byte range is cheap to serve); received files are
hashed as they stream in and kept in memory only while small. Past that they are
spooled to a directory when one is given, or else reduced to size and SHA-1 (a
benchmark of gigabytes then costs neither memory nor disk).
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

BLOCK = 1024 * 1024
SERVE_CHUNK = 1024 * 1024
DEFAULT_MEMORY_LIMIT = 16 * 1024 * 1024


class ContentNotRetainedError(Exception):
    """The emulator kept only the size and SHA-1 of this file, not its bytes."""


class Content(Protocol):
    size: int
    sha1: str

    def chunks(self, start: int, end: int) -> AsyncIterator[bytes]:
        """The bytes in ``[start, end)``, in pieces of at most ``SERVE_CHUNK``."""
        ...


def _spans(start: int, end: int, step: int = SERVE_CHUNK) -> Iterator[tuple[int, int]]:
    for offset in range(start, end, step):
        yield offset, min(end, offset + step)


@dataclass
class MemoryContent:
    data: bytes
    size: int = 0
    sha1: str = ""

    def __post_init__(self) -> None:
        self.size = len(self.data)
        self.sha1 = hashlib.sha1(self.data, usedforsecurity=False).hexdigest()

    async def chunks(self, start: int, end: int) -> AsyncIterator[bytes]:
        view = memoryview(self.data)
        for lo, hi in _spans(start, end):
            yield bytes(view[lo:hi])


@dataclass
class SpooledContent:
    path: Path
    size: int
    sha1: str

    async def chunks(self, start: int, end: int) -> AsyncIterator[bytes]:
        with self.path.open("rb") as handle:
            handle.seek(start)
            for lo, hi in _spans(start, end):
                yield handle.read(hi - lo)


@dataclass
class HashOnlyContent:
    size: int
    sha1: str

    async def chunks(self, start: int, end: int) -> AsyncIterator[bytes]:
        raise ContentNotRetainedError
        yield b""  # pragma: no cover - makes this an async generator


class SeededContent:
    """``size`` deterministic bytes from ``seed``: byte ``i`` is ``block[i % BLOCK]``.

    ``head`` replaces the block's first bytes: a file that starts like the media its
    name says (``sandbox/media.py``).
    """

    def __init__(self, seed: int, size: int, head: bytes = b"") -> None:
        self.seed = seed
        self.size = size
        block = random.Random(seed).randbytes(min(BLOCK, max(size, 1)))
        self._block = (head + block[len(head) :])[: len(block)]
        self.sha1 = self._hash()

    def _hash(self) -> str:
        digest = hashlib.sha1(usedforsecurity=False)
        for lo, hi in _spans(0, self.size, len(self._block)):
            digest.update(self._block[: hi - lo])
        return digest.hexdigest()

    def read(self, start: int, end: int) -> bytes:
        block, pieces = self._block, []
        while start < end:
            at = start % len(block)
            piece = block[at : at + (end - start)]  # the whole block is not copied
            pieces.append(piece)
            start += len(piece)
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    async def chunks(self, start: int, end: int) -> AsyncIterator[bytes]:
        for lo, hi in _spans(start, end):
            yield self.read(lo, hi)


class Receiver:
    """Takes a file's bytes in order: hashes them, keeps them as the policy allows."""

    def __init__(self, spool_dir: Path | None, memory_limit: int = DEFAULT_MEMORY_LIMIT) -> None:
        self._digest = hashlib.sha1(usedforsecurity=False)
        self._buffer: bytearray | None = bytearray()
        self._spool_dir = spool_dir
        self._memory_limit = memory_limit
        self._file: IO[bytes] | None = None
        self._path: Path | None = None
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._digest.update(data)
        self.size += len(data)
        if self._file is not None:
            self._file.write(data)
        elif self._buffer is not None:
            self._buffer += data
            if len(self._buffer) > self._memory_limit:
                self._overflow()

    def _overflow(self) -> None:
        assert self._buffer is not None
        if self._spool_dir is not None:
            self._spool_dir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=self._spool_dir, prefix="box-", suffix=".bin")
            self._file = os.fdopen(fd, "wb")
            self._path = Path(name)
            self._file.write(self._buffer)
        self._buffer = None

    @property
    def sha1(self) -> str:
        return self._digest.hexdigest()

    def finish(self) -> Content:
        if self._file is not None:
            self._file.close()
            assert self._path is not None
            return SpooledContent(self._path, self.size, self.sha1)
        if self._buffer is not None:
            return MemoryContent(bytes(self._buffer))
        return HashOnlyContent(self.size, self.sha1)

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._path is not None:
            self._path.unlink(missing_ok=True)
        self._buffer = None


class Assembler:
    """Feeds parts that may arrive out of order to a ``Receiver`` in offset order.

    A part ahead of the next expected offset waits in memory until the gap fills;
    a client that uploads a bounded window of parts in offset order (as Box asks)
    therefore costs at most that window.
    """

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self._next = 0
        self._pending: dict[int, bytes | bytearray] = {}

    def add(self, offset: int, data: bytes | bytearray) -> None:
        self._pending[offset] = data
        while self._next in self._pending:
            piece = self._pending.pop(self._next)
            self.receiver.write(piece)
            self._next += len(piece)

    @property
    def complete_bytes(self) -> int:
        return self._next
