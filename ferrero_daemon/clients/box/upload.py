"""Uploads to Box from an async byte stream of known size (``ref/box-api.md`` §3.5–3.9).

Below the chunked threshold (Box: 20 MB) the bytes are gathered and sent in one
multipart request with their SHA-1 (``Content-MD5``, misnamed by Box). From the
threshold on, a chunked session: parts of Box's ``part_size`` are read in order and
sent in parallel, each with its ``Digest``. The ``parallelism`` slots are the
uploader's, shared by every upload in flight: a slot is taken before a part is read,
so the process holds at most part size × parallelism of parts however many files it
sends at once (bench/NOTES.md: four 20 MB masters held 12 parts before, 4 now).
The commit carries the whole file's digest and is repeated on 202 after
``Retry-After``.

The item returned carries the SHA-1 of the bytes read from the stream, checked
against the one Box reports: a caller need not hash the stream again.

A 409 ``item_name_in_use`` whose existing file has our SHA-1 is an upload that
already happened (a retried POST, a re-run after a crash): its item is returned.
Any other content under that name is a ``ConflictError`` naming the file.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import httpx

from ferrero_daemon import logs
from ferrero_daemon.clients.box.http import BOX, BoxHttp
from ferrero_daemon.clients.box.items import b64, conflict_of, item_from, sha1_hex
from ferrero_daemon.clients.box.stream import ExactReader, slices
from ferrero_daemon.clients.types import ByteStream
from ferrero_daemon.domain.values import BoxItem
from ferrero_daemon.errors import (
    ConflictError,
    FerreroError,
    IntegrityError,
    NotFoundError,
    TransientError,
)

log = logs.get_logger(__name__)

CHUNKED_THRESHOLD = 20_000_000
MAX_COMMIT_POLLS = 60
HASH_READ = 1024 * 1024
Sleep = Callable[[float], Awaitable[None]]


class Lookup(Protocol):
    """The reads an upload needs to find out whether a lost answer had succeeded."""

    async def list_folder(self, folder_id: str) -> list[BoxItem]: ...

    async def file_info(self, file_id: str) -> BoxItem: ...


@dataclass(frozen=True)
class Target:
    """Where an upload goes: a new file in a folder, or a new version of ``file_id``."""

    folder_id: str
    name: str
    file_id: str | None = None

    def describe(self) -> str:
        if self.file_id:
            return f"upload of a new version of file {self.file_id} ({self.name!r})"
        return f"upload of {self.name!r} to folder {self.folder_id}"


class Uploader:
    def __init__(
        self,
        http: BoxHttp,
        upload_url: str,
        lookup: Lookup,
        *,
        parallelism: int,
        threshold: int = CHUNKED_THRESHOLD,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.http = http
        self.upload_url = upload_url.rstrip("/")
        self.lookup = lookup
        self.parallelism = parallelism
        self.threshold = threshold
        self._sleep = sleep
        self._slots = asyncio.Semaphore(parallelism)  # parts in memory, all uploads together
        self._buffers: list[bytearray] = []  # free part buffers, reused (at most parallelism)
        self._in_use = 0

    async def upload(self, target: Target, size: int, chunks: ByteStream) -> BoxItem:
        what = target.describe()
        if size < self.threshold:
            reader = ExactReader(chunks, what)
            data = bytes(await reader.read(size))
            await reader.finish()
            item = await self._direct(target, data)
        else:
            item = await self._chunked(target, size, chunks)
        log.info(
            "box_file_uploaded",
            folder_id=target.folder_id,
            file_id=item.id,
            name=target.name,
            bytes=size,
            chunked=size >= self.threshold,
        )
        return item

    # -- direct -----------------------------------------------------------------------
    async def _direct(self, target: Target, data: bytes) -> BoxItem:
        sha1 = await asyncio.to_thread(sha1_hex, data)
        what = target.describe()
        if target.file_id:
            url = f"{self.upload_url}/files/{target.file_id}/content"
            attributes: dict[str, Any] = {"name": target.name}
        else:
            url = f"{self.upload_url}/files/content"
            attributes = {"name": target.name, "parent": {"id": target.folder_id}}
        attempts = 0

        async def send() -> BoxItem:
            nonlocal attempts
            attempts += 1
            if attempts > 1 and target.file_id and await self._has_content(target, sha1):
                return await self.lookup.file_info(target.file_id)  # a lost answer had succeeded
            response = await self.http.call(
                "POST",
                url,
                what,
                accept=(409,),
                data={"attributes": json.dumps(attributes)},
                files={"file": (target.name, data, "application/octet-stream")},
                headers={"Content-MD5": sha1},
            )
            return self._result(target, response, sha1, len(data))

        return await self.http.retried(what, send)

    def _result(self, target: Target, response: httpx.Response, sha1: str, size: int) -> BoxItem:
        if response.status_code == 409:
            return self._same_or_conflict(target, conflict_of(response), sha1, size)
        item = item_from(response.json()["entries"][0], target.folder_id)
        if item.sha1 and item.sha1 != sha1:
            raise IntegrityError(
                f"Box {target.describe()}: Box stored SHA-1 {item.sha1}, we sent {sha1}"
            )
        return replace(item, sha1=sha1)

    def _same_or_conflict(
        self, target: Target, conflict: dict[str, Any], sha1: str, size: int
    ) -> BoxItem:
        theirs = str(conflict.get("sha1") or "").lower()
        if conflict.get("type", "file") == "file" and theirs == sha1:
            log.info(
                "box_upload_already_present",
                folder_id=target.folder_id,
                file_id=conflict.get("id"),
                name=target.name,
            )
            return BoxItem(
                id=str(conflict["id"]),
                name=str(conflict.get("name", target.name)),
                type="file",
                size=size,
                sha1=sha1,
                parent_id=target.folder_id,
            )
        raise _conflict_error(target, conflict, f"SHA-1 {theirs or 'unknown'}, ours {sha1}")

    async def _has_content(self, target: Target, sha1: str) -> bool:
        assert target.file_id is not None
        return (await self.lookup.file_info(target.file_id)).sha1 == sha1

    # -- chunked ----------------------------------------------------------------------
    async def _chunked(self, target: Target, size: int, chunks: ByteStream) -> BoxItem:
        what = target.describe()
        reader = ExactReader(chunks, what)
        response = await self.http.retried(what, lambda: self._open(target, size))
        if response.status_code == 409:
            return await self._early_conflict(target, conflict_of(response), size, reader)
        session = response.json()
        endpoints = session["session_endpoints"]
        try:
            parts, sha1 = await self._send_parts(
                what, endpoints, int(session["part_size"]), size, reader
            )
            await reader.finish()
            return await self._commit(target, endpoints["commit"], parts, sha1, size)
        except FerreroError:
            await self._abort(what, endpoints["abort"])
            raise

    async def _open(self, target: Target, size: int) -> httpx.Response:
        if target.file_id:
            url = f"{self.upload_url}/files/{target.file_id}/upload_sessions"
            body: dict[str, Any] = {"file_size": size, "file_name": target.name}
        else:
            url = f"{self.upload_url}/files/upload_sessions"
            body = {"folder_id": target.folder_id, "file_size": size, "file_name": target.name}
        return await self.http.call("POST", url, target.describe(), accept=(409,), json=body)

    async def _early_conflict(
        self, target: Target, conflict: dict[str, Any], size: int, reader: ExactReader
    ) -> BoxItem:
        """A 409 before any byte was read: hash the stream (without keeping it) to decide."""
        if conflict.get("size") not in (None, size):
            raise _conflict_error(target, conflict, f"{conflict['size']} bytes, ours {size}")
        digest = hashlib.sha1(usedforsecurity=False)
        for offset in range(0, size, HASH_READ):
            digest.update(await reader.read(min(HASH_READ, size - offset)))
        await reader.finish()
        return self._same_or_conflict(target, conflict, digest.hexdigest(), size)

    async def _send_parts(
        self, what: str, endpoints: dict[str, str], part_size: int, size: int, reader: ExactReader
    ) -> tuple[list[dict[str, Any]], str]:
        digest = hashlib.sha1(usedforsecurity=False)
        slots = self._slots
        parts: dict[int, dict[str, Any]] = {}
        try:
            async with asyncio.TaskGroup() as group:
                for offset in range(0, size, part_size):
                    await slots.acquire()  # before reading: memory = part_size × parallelism
                    buffer = self._buffer(part_size)
                    try:
                        count = min(part_size, size - offset)
                        data = await reader.read_into(memoryview(buffer)[:count])
                        digest.update(data)
                        part = _PartUpload(self.http, endpoints, what, offset, data, size)
                        task = group.create_task(part.send(parts))
                    except BaseException:
                        self._give_back(buffer)
                        raise
                    # A callback, not the coroutine's finally: a task cancelled before it
                    # started never runs its body, and the slot is the whole process's.
                    task.add_done_callback(functools.partial(self._give_back, buffer))
                    del data, part, buffer  # the task holds the part until it is sent
        except BaseExceptionGroup as group:
            raise _first_error(group) from None
        return [parts[k] for k in sorted(parts)], digest.hexdigest()

    def _buffer(self, part_size: int) -> bytearray:
        """A free part buffer of at least ``part_size``, else a new one (a slot is held).

        Reused while parts are in flight rather than allocated per part: the same few
        buffers carry every part, so the process's memory does not grow with the number
        of parts sent (freed 8 MiB blocks are not always given back to the system).
        """
        self._in_use += 1
        while self._buffers:
            buffer = self._buffers.pop()
            if len(buffer) >= part_size:
                return buffer
        return bytearray(part_size)

    def _give_back(self, buffer: bytearray, _done: object = None) -> None:
        """Return a part's buffer and slot; with no part in flight, free them all (at rest
        the daemon holds no part buffer)."""
        self._in_use -= 1
        self._buffers.append(buffer)
        if not self._in_use:
            self._buffers.clear()
        self._slots.release()

    async def _commit(
        self, target: Target, url: str, parts: list[dict[str, Any]], sha1: str, size: int
    ) -> BoxItem:
        what = f"commit of the {target.describe()}"
        headers = {"Digest": f"sha={b64(sha1)}"}
        for _ in range(MAX_COMMIT_POLLS):
            response = await self.http.retried(
                what,
                lambda: self.http.call(
                    "POST",
                    url,
                    what,
                    accept=(202, 404, 409),
                    json={"parts": parts},
                    headers=headers,
                ),
            )
            if response.status_code == 202:
                wait = BOX.retry_after(response) or 1.0
                log.info("box_commit_pending", name=target.name, retry_after=wait)
                await self._sleep(wait)
                continue
            if response.status_code == 404:
                return await self._committed_before(target, sha1, size)
            return self._result(target, response, sha1, size)
        raise TransientError(f"{what}: Box still processing after {MAX_COMMIT_POLLS} polls")

    async def _committed_before(self, target: Target, sha1: str, size: int) -> BoxItem:
        """The session is gone: a retried commit whose first attempt had succeeded?"""
        if target.file_id:
            item = await self.lookup.file_info(target.file_id)
            if item.sha1 == sha1:
                return item
        else:
            for item in await self.lookup.list_folder(target.folder_id):
                if item.name.casefold() == target.name.casefold() and item.sha1 == sha1:
                    return item
        raise NotFoundError(f"Box {target.describe()}: the upload session expired; upload again")

    async def _abort(self, what: str, url: str) -> None:
        try:
            await self.http.call("DELETE", url, f"abort of the {what}", accept=(404,))
        except FerreroError as exc:
            log.warning("box_upload_abort_failed", operation=what, error=str(exc))


@dataclass
class _PartUpload:
    http: BoxHttp
    endpoints: dict[str, str]
    what: str
    offset: int
    data: memoryview  # of one of the uploader's part buffers
    total: int

    async def send(self, parts: dict[int, dict[str, Any]]) -> None:
        try:
            sha1 = await asyncio.to_thread(sha1_hex, self.data)
            response = await self.http.retried(self.describe(), lambda: self._put(sha1))
            if response.status_code == 409:  # a retry of a part Box had already stored
                parts[self.offset] = await self._stored(sha1)
            else:
                parts[self.offset] = self._checked(response.json()["part"], sha1)
        finally:
            self.data = memoryview(b"")  # the buffer goes back to the uploader

    def describe(self) -> str:
        return f"part at {self.offset} of the {self.what}"

    async def _put(self, sha1: str) -> httpx.Response:
        end = self.offset + len(self.data) - 1
        return await self.http.call(
            "PUT",
            self.endpoints["upload_part"],
            self.describe(),
            accept=(409,),
            content=lambda: slices(self.data),
            headers={
                "Content-Length": str(len(self.data)),
                "Digest": f"sha={b64(sha1)}",
                "Content-Range": f"bytes {self.offset}-{end}/{self.total}",
                "Content-Type": "application/octet-stream",
            },
        )

    def _checked(self, part: dict[str, Any], sha1: str) -> dict[str, Any]:
        if str(part.get("sha1", "")).lower() != sha1 or int(part["offset"]) != self.offset:
            raise IntegrityError(f"Box {self.describe()}: Box stored a different part")
        return part

    async def _stored(self, sha1: str) -> dict[str, Any]:
        response = await self.http.call(
            "GET", self.endpoints["list_parts"], self.describe(), params={"limit": 1000}
        )
        for part in response.json().get("entries", []):
            if int(part["offset"]) == self.offset:
                return self._checked(part, sha1)
        raise ConflictError(f"Box {self.describe()}: 409 but no part stored at that offset")


def _conflict_error(target: Target, conflict: dict[str, Any], difference: str) -> ConflictError:
    return ConflictError(
        f"Box folder {target.folder_id} already has an item named "
        f"{conflict.get('name', target.name)!r} (id {conflict.get('id')}) with different "
        f"content ({difference}); rename or remove it"
    )


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first_error(exc)
        if not isinstance(exc, asyncio.CancelledError):
            return exc
    return group.exceptions[0]
