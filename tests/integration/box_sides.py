"""Two implementations of one seam, for ``test_box_behaviour.py``: our ``BoxApiClient``
and Box's own SDK (``box_sdk_gen``, sync, run in a thread), each against the Box emulator.

Each side does the same few things the same way (upload, list every page, read, look up,
delete) and says how it refuses: the behaviour suite then runs once per side. If Box's
SDK and our client agree on the emulator, the emulator speaks Box's dialect as Box's own
client understands it, and what our client learns from it holds.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

import pytest
from box_sdk_gen import BaseUrls, BoxClient, BoxJWTAuth, JWTConfig, NetworkSession
from box_sdk_gen.box.errors import BoxAPIError
from box_sdk_gen.managers.uploads import UploadFileAttributes, UploadFileAttributesParentField
from box_sdk_gen.networking.retries import BoxRetryStrategy

from ferrero_daemon.clients.box.client import BoxApiClient
from ferrero_daemon.clients.http import Retry
from ferrero_daemon.errors import AuthError, ConflictError, NotFoundError
from ferrero_daemon.sandbox.box.server import BoxEmulator
from tests import configs

T = TypeVar("T")
PAGE = 2  # items per listing page, on both sides


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


@dataclass(frozen=True)
class Stored:
    id: str
    name: str
    sha1: str | None
    size: int | None


class Side(Protocol):
    """What the behaviour suite asks of a Box client."""

    async def upload(self, folder_id: str, name: str, data: bytes) -> Stored:
        """Upload a new file: in one request below the chunked threshold, else in parts."""
        ...

    async def names(self, folder_id: str) -> list[str]:
        """Every item's name, following the markers page by page."""
        ...

    async def read(self, file_id: str) -> bytes: ...

    async def info(self, file_id: str) -> Stored: ...

    async def delete(self, file_id: str) -> None: ...

    def refused(self, status: int) -> AbstractContextManager[Any]:
        """``pytest.raises`` for Box's refusal with that status, as this side reports it."""
        ...


async def _stream(data: bytes) -> AsyncIterator[bytes]:
    for at in range(0, len(data), 64 * 1024):
        yield data[at : at + 64 * 1024]


class OurClient:
    """``BoxApiClient``, the daemon's own."""

    # How the one HTTP boundary words Box's refusals (clients/http.py).
    REFUSALS: ClassVar[dict[int, type[Exception]]] = {
        400: AuthError,
        404: NotFoundError,
        409: ConflictError,
    }

    def __init__(self, emulator: BoxEmulator, app_config_json: str | None = None) -> None:
        secrets = {"box_jwt_config": app_config_json} if app_config_json else {}
        config = configs.config(emulators=[emulator], secrets=secrets)
        threshold = emulator.upload_settings.chunked_min
        self.client = BoxApiClient.from_config(
            config, chunked_threshold=threshold, retry=Retry(backoff=0.01), page_limit=PAGE
        )

    async def upload(self, folder_id: str, name: str, data: bytes) -> Stored:
        item = await self.client.upload(folder_id, name, len(data), _stream(data))
        return Stored(item.id, item.name, item.sha1, item.size)

    async def names(self, folder_id: str) -> list[str]:
        return [item.name for item in await self.client.list_folder(folder_id)]

    async def read(self, file_id: str) -> bytes:
        async with self.client.download(file_id) as download:
            return b"".join([chunk async for chunk in download.chunks])

    async def info(self, file_id: str) -> Stored:
        item = await self.client.file_info(file_id)
        return Stored(item.id, item.name, item.sha1, item.size)

    async def delete(self, file_id: str) -> None:
        await self.client.delete(file_id)

    def refused(self, status: int) -> AbstractContextManager[Any]:
        return pytest.raises(self.REFUSALS[status])

    async def aclose(self) -> None:
        await self.client.aclose()


class BoxSdk:
    """Box's own SDK (boxsdk 10, ``box_sdk_gen``), each call in a thread."""

    def __init__(self, emulator: BoxEmulator, app_config_json: str | None = None) -> None:
        base = emulator.base_url
        auth = BoxJWTAuth(
            config=JWTConfig.from_config_json_string(app_config_json or emulator.app_config_json())
        )
        session = NetworkSession(
            base_urls=BaseUrls(
                base_url=base, upload_url=f"{base}/api", oauth_2_url=f"{base}/oauth2"
            ),
            retry_strategy=BoxRetryStrategy(retry_base_interval=0.01),
        )
        self.sdk = BoxClient(auth=auth, network_session=session)
        self._chunked_min = emulator.upload_settings.chunked_min

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def upload(self, folder_id: str, name: str, data: bytes) -> Stored:
        if len(data) >= self._chunked_min:
            file = await self._call(
                self.sdk.chunked_uploads.upload_big_file,
                io.BytesIO(data),
                name,
                len(data),
                folder_id,
            )
        else:
            attributes = UploadFileAttributes(
                name=name, parent=UploadFileAttributesParentField(id=folder_id)
            )
            files = await self._call(self.sdk.uploads.upload_file, attributes, io.BytesIO(data))
            file = (files.entries or [])[0]
        return Stored(file.id, file.name or "", file.sha_1, file.size)

    async def names(self, folder_id: str) -> list[str]:
        names: list[str] = []
        marker: str | None = None
        while True:
            page = await self._call(
                self.sdk.folders.get_folder_items,
                folder_id,
                fields=["name", "sha1", "size"],
                usemarker=True,
                marker=marker,
                limit=PAGE,
            )
            names += [entry.name or "" for entry in page.entries or []]
            marker = page.next_marker
            if not marker:
                return names

    async def read(self, file_id: str) -> bytes:
        stream = await self._call(self.sdk.downloads.download_file, file_id)
        assert stream is not None
        return await self._call(stream.read)

    async def info(self, file_id: str) -> Stored:
        file = await self._call(self.sdk.files.get_file_by_id, file_id, fields=["sha1", "size"])
        return Stored(file.id, file.name or "", file.sha_1, file.size)

    async def delete(self, file_id: str) -> None:
        await self._call(self.sdk.files.delete_file_by_id, file_id)

    def refused(self, status: int) -> AbstractContextManager[Any]:
        return pytest.raises(BoxAPIError, check=lambda e: e.response_info.status_code == status)

    async def aclose(self) -> None:
        pass


SIDES: dict[str, Callable[..., OurClient | BoxSdk]] = {"ours": OurClient, "box_sdk": BoxSdk}
