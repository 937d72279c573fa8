"""``BoxApiClient``: the ``BoxClient`` protocol over Box's Content API, with httpx.

JWT tokens come from ``box_auth``; every REST call is httpx
(``box_http``: token, 401 renewal, error mapping, retries); uploads live in
``box_upload``. Reads are retried; writes are retried only where a repeat is
harmless or detectable (a 409 resolved by SHA-1, a 404 that means "already gone").
Downloads stream, resume with ``Range`` after a dropped connection, and check size
and SHA-1 at the end.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Self

import httpx

from ferrero_daemon import logs
from ferrero_daemon.clients.box.access import BoxInspector
from ferrero_daemon.clients.box.auth import JwtTokens
from ferrero_daemon.clients.box.http import BOX, BoxHttp, box_error
from ferrero_daemon.clients.box.items import conflict_of, item_from
from ferrero_daemon.clients.box.upload import CHUNKED_THRESHOLD, Target, Uploader
from ferrero_daemon.clients.http import Retry, tls_context
from ferrero_daemon.clients.types import ByteStream, Download
from ferrero_daemon.config import BoxConfig, Config
from ferrero_daemon.domain.values import BoxItem
from ferrero_daemon.errors import ConflictError, FerreroError, IntegrityError, TransientError

log = logs.get_logger(__name__)

DESCRIPTION_LIMIT = 256  # characters (ref §3.3 [DOC])
PAGE_LIMIT = 1000
ITEM_FIELDS = "type,id,name,size,sha1,description,parent"
DOWNLOAD_RESUMES = 5
KINDS = ("file", "folder")  # web links are neither


@dataclass(frozen=True)
class FolderProbe:
    """What ``ferrero-daemon check`` reports for one configured folder."""

    key: str
    folder_id: str
    ok: bool
    detail: str


class BoxApiClient:
    """Box for the workflows: list, ensure folder, download, upload, move, delete, describe."""

    def __init__(
        self,
        settings: BoxConfig,
        tokens: JwtTokens,
        *,
        chunked_threshold: int = CHUNKED_THRESHOLD,
        retry: Retry | None = None,
        page_limit: int = PAGE_LIMIT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.page_limit = page_limit
        self.api_url = settings.api_url.rstrip("/")
        timeout = httpx.Timeout(
            settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds)
        )
        limits = httpx.Limits(max_connections=max(10, 2 * settings.chunk_parallelism))
        self._client = httpx.AsyncClient(
            timeout=timeout,
            limits=limits,
            transport=transport,
            verify=tls_context(settings.ca_bundle, "[box] ca_bundle"),
        )
        headers = {"As-User": settings.as_user_id} if settings.as_user_id else {}
        self.http = BoxHttp(self._client, tokens, retry=retry, headers=headers)
        self.uploader = Uploader(
            self.http,
            settings.upload_url,
            self,
            parallelism=settings.chunk_parallelism,
            threshold=chunked_threshold,
        )

    @classmethod
    def from_config(cls, config: Config, **tuning: Any) -> BoxApiClient:
        box = config.settings.box
        tokens = JwtTokens(
            config.secrets.require("box_jwt_config"),
            box.oauth_url,
            timeout=box.timeout_seconds,
            ca_bundle=box.ca_bundle,
        )
        return cls(box, tokens, **tuning)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- reads ----------------------------------------------------------------------
    async def list_folder(self, folder_id: str) -> list[BoxItem]:
        """Every file and folder in a folder, all pages by marker."""
        what = f"listing of folder {folder_id}"
        url = f"{self.api_url}/folders/{folder_id}/items"

        async def page(marker: str) -> dict[str, Any]:
            params = {"fields": ITEM_FIELDS, "usemarker": "true", "limit": self.page_limit}
            if marker:
                params["marker"] = marker
            response = await self.http.call("GET", url, what, params=params)
            return BOX.body(response, what)

        items: list[BoxItem] = []
        marker: str | None = ""
        while marker is not None:
            data = await self.http.retried(what, functools.partial(page, marker))
            entries = data.get("entries", [])
            items += [item_from(e, folder_id) for e in entries if e.get("type") in KINDS]
            marker = data.get("next_marker") or None
        return items

    async def item_count(self, folder_id: str) -> int:
        """The ``total_count`` of an offset-paged listing one item long (ref §3.2: marker
        paging omits it)."""
        what = f"item count of folder {folder_id}"
        url = f"{self.api_url}/folders/{folder_id}/items"
        params = {"fields": "id", "limit": "1", "offset": "0"}
        response = await self.http.retried(
            what, lambda: self.http.call("GET", url, what, params=params)
        )
        count = BOX.body(response, what).get("total_count")
        if not isinstance(count, int):
            raise TransientError(f"{what}: Box answered without a total_count")
        return count

    async def file_info(self, file_id: str) -> BoxItem:
        what = f"info of file {file_id}"
        url = f"{self.api_url}/files/{file_id}"
        response = await self.http.retried(
            what, lambda: self.http.call("GET", url, what, params={"fields": ITEM_FIELDS})
        )
        return item_from(BOX.body(response, what))

    @asynccontextmanager
    async def download(self, file_id: str) -> AsyncIterator[Download]:
        """Stream a file; size and the SHA-1 Box reports are checked after the last chunk."""
        info = await self.file_info(file_id)
        chunks = self._content(info)
        try:
            yield Download(size=info.size, chunks=chunks, sha1=info.sha1, name=info.name)
        finally:
            await chunks.aclose()

    async def _location(self, file_id: str) -> str:
        what = f"download of file {file_id}"
        url = f"{self.api_url}/files/{file_id}/content"

        async def ask() -> str:
            response = await self.http.call("GET", url, what, accept=(202, 302))
            if response.status_code == 202:  # not ready yet: wait as told, then again
                wait = BOX.retry_after(response) or 1.0
                raise TransientError(f"{what}: Box: not ready yet", retry_after=wait)
            location: str = response.headers.get("Location", "")
            if not location:
                raise TransientError(f"{what}: Box redirected without a Location")
            return location

        return await self.http.retried(what, ask)

    async def _content(self, info: BoxItem) -> AsyncGenerator[bytes, None]:
        digest = hashlib.sha1(usedforsecurity=False)
        received = 0
        for resume in range(DOWNLOAD_RESUMES + 1):
            try:
                async with aclosing(self._fetch(info.id, received)) as stream:
                    async for chunk in stream:
                        digest.update(chunk)
                        received += len(chunk)
                        yield chunk
                break
            except TransientError as exc:
                if resume == DOWNLOAD_RESUMES:
                    raise
                log.warning("box_download_resumed", file_id=info.id, at=received, error=str(exc))
        _check_download(info, received, digest.hexdigest())

    async def _fetch(self, file_id: str, start: int) -> AsyncGenerator[bytes, None]:
        what = f"download of file {file_id}"
        # The content URL is pre-signed: no Authorization (httpx would drop it cross-host).
        headers = {"Range": f"bytes={start}-"} if start else {}
        request = self._client.build_request("GET", await self._location(file_id), headers=headers)
        with BOX.mapped(f"{what} from byte {start}"):  # also a connection dropped mid-body
            response = await self._client.send(request, stream=True)
            try:
                if response.status_code not in (200, 206) or (
                    start and response.status_code != 206
                ):
                    await response.aread()
                    raise box_error(response, what)
                async for chunk in response.aiter_raw():
                    yield chunk
            finally:
                await response.aclose()

    # -- writes -----------------------------------------------------------------------
    async def ensure_folder(self, parent_id: str, name: str) -> BoxItem:
        what = f"creation of folder {name!r} in folder {parent_id}"
        url = f"{self.api_url}/folders"
        body = {"name": name, "parent": {"id": parent_id}}
        response = await self.http.retried(
            what,
            lambda: self.http.call(
                "POST", url, what, accept=(409,), json=body, params={"fields": ITEM_FIELDS}
            ),
        )
        if response.status_code != 409:
            return item_from(BOX.body(response, what), parent_id)
        existing = conflict_of(response)
        if existing.get("type") != "folder":
            raise ConflictError(
                f"Box folder {parent_id} has a file named {name!r} where a folder is "
                "expected; rename or remove that file"
            )
        return BoxItem(
            id=str(existing["id"]),
            name=str(existing.get("name", name)),
            type="folder",
            parent_id=parent_id,
        )

    async def upload(self, folder_id: str, name: str, size: int, chunks: ByteStream) -> BoxItem:
        return await self.uploader.upload(Target(folder_id, name), size, chunks)

    async def upload_version(
        self, file_id: str, name: str, size: int, chunks: ByteStream
    ) -> BoxItem:
        current = await self.file_info(file_id)
        target = Target(current.parent_id or "", name, file_id)
        return await self.uploader.upload(target, size, chunks)

    async def move(self, file_id: str, folder_id: str, new_name: str | None = None) -> BoxItem:
        body: dict[str, Any] = {"parent": {"id": folder_id}}
        if new_name:
            body["name"] = new_name
        return await self._update(file_id, body, f"move of file {file_id} to folder {folder_id}")

    async def set_description(self, file_id: str, text: str) -> BoxItem:
        body = {"description": text[:DESCRIPTION_LIMIT]}
        return await self._update(file_id, body, f"description of file {file_id}")

    async def _update(self, file_id: str, body: dict[str, Any], what: str) -> BoxItem:
        url = f"{self.api_url}/files/{file_id}"
        response = await self.http.retried(
            what,
            lambda: self.http.call("PUT", url, what, json=body, params={"fields": ITEM_FIELDS}),
        )
        return item_from(BOX.body(response, what))

    async def delete(self, file_id: str) -> None:
        what = f"deletion of file {file_id}"
        url = f"{self.api_url}/files/{file_id}"
        response = await self.http.retried(
            what, lambda: self.http.call("DELETE", url, what, accept=(404,))
        )
        if response.status_code == 404:
            log.info("box_file_already_gone", file_id=file_id)
        else:
            log.info("box_file_deleted", file_id=file_id)

    # -- check --------------------------------------------------------------------------
    def inspector(self) -> BoxInspector:
        """Read-only questions about access, over this client (``check --deep``)."""
        return BoxInspector(self.http, self.api_url)

    async def probe_token(self) -> None:
        """Mint a token now (raises ``AuthError``/``TransientError`` when that fails)."""
        await self.http.tokens.get()

    async def probe(self, folder_ids: Mapping[str, str]) -> list[FolderProbe]:
        """For each configured folder: found, and would an upload be accepted (preflight)."""
        return list(await asyncio.gather(*(self._probe(k, v) for k, v in folder_ids.items())))

    async def _probe(self, key: str, folder_id: str) -> FolderProbe:
        what = f"check of folder {folder_id} ({key})"
        try:
            response = await self.http.call(
                "GET", f"{self.api_url}/folders/{folder_id}", what, params={"fields": "id,name"}
            )
            name = str(BOX.body(response, what).get("name", ""))
            body = {
                "name": f".ferrero-check-{uuid.uuid4().hex}",
                "size": 1,
                "parent": {"id": folder_id},
            }
            await self.http.call("OPTIONS", f"{self.api_url}/files/content", what, json=body)
        except FerreroError as exc:
            return FolderProbe(key, folder_id, False, str(exc))
        return FolderProbe(key, folder_id, True, f"{name!r} found, upload allowed")


def _check_download(info: BoxItem, received: int, sha1: str) -> None:
    if info.size is not None and received != info.size:
        raise IntegrityError(
            f"Box download of file {info.id} ({info.name!r}): {received} bytes, expected {info.size}"
        )
    if info.sha1 and sha1 != info.sha1.lower():
        raise IntegrityError(
            f"Box download of file {info.id} ({info.name!r}): SHA-1 {sha1}, Box says {info.sha1}"
        )
