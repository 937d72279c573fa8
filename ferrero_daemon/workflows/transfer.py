"""One master, DAM → Box, streamed in bounded chunks and checked end to end.

The Box client hashes the bytes it reads from the DAM's stream and checks that SHA-1
against the one Box reports for the stored file, whether Box stored them now or
already had them (a 409 on the same name and the same SHA-1 counts as delivered: that
is what makes a repeated attempt after a crash harmless); it returns that SHA-1. This
module counts the bytes and checks sizes; it does not hash them a third time (the
client already needs the part and file SHA-1s: bench/NOTES.md has the cost).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from ferrero_daemon.clients.types import BoxClient, DamClient
from ferrero_daemon.domain.values import BoxItem
from ferrero_daemon.errors import IntegrityError, InvalidInputError


@dataclass(frozen=True)
class Delivered:
    item: BoxItem
    size: int
    sha1: str


class CountingStream:
    """Passes chunks through, counting them; ``drain`` reads what is left."""

    def __init__(self, chunks: AsyncIterator[bytes], on_chunk: Callable[[int], None]) -> None:
        self._chunks = chunks
        self._on_chunk = on_chunk
        self.size = 0

    def __aiter__(self) -> CountingStream:
        return self

    async def __anext__(self) -> bytes:
        chunk = await self._chunks.__anext__()
        self.size += len(chunk)
        self._on_chunk(len(chunk))
        return chunk

    async def drain(self) -> None:
        async for _ in self:
            pass


async def transfer(
    dam: DamClient,
    box: BoxClient,
    asset_id: str,
    *,
    folder_id: str,
    name: str,
    expected_size: int,
    on_chunk: Callable[[int], None],
) -> Delivered:
    """Stream DAM asset ``asset_id`` into Box folder ``folder_id`` as ``name``; verify it."""
    async with dam.download(asset_id) as download:
        size = download.size or expected_size
        stream = CountingStream(download.chunks, on_chunk)
        item = await box.upload(folder_id, name, size, stream)
        await stream.drain()  # a client that found the file already there may stop reading
    _check(item, stream, size, name)
    assert item.sha1 is not None  # the client's: of the bytes it read, checked against Box
    return Delivered(item, stream.size, item.sha1.lower())


def _check(item: BoxItem, stream: CountingStream, size: int, name: str) -> None:
    if stream.size != size:
        raise InvalidInputError(
            f"the DAM sent {stream.size} bytes for {name!r} but announced {size}; "
            "the asset may be changing in OTMM, the next run tries again"
        )
    if not item.sha1:
        raise IntegrityError(
            f"Box file {item.id} {name!r}: the upload returned no SHA-1 to check the DAM's "
            "bytes against; check the file in Box (remove it to have it re-sent)"
        )
    if item.size is not None and item.size != size:
        raise IntegrityError(
            f"Box file {item.id} {name!r} holds {item.size} bytes, the DAM sent {size}; "
            "remove it from Box to have it re-sent"
        )
