"""A Box emulator on loopback that the real boxsdk 10 and our httpx client both accept.

Routes follow ``ref/box-api.md`` §6: JWT token, folders and their items (offset and
marker paging, ``fields``), file info, download by 302 to an unauthenticated content
URL that honours ``Range``, preflight, direct and chunked uploads (``box_uploads``),
moves, renames, descriptions and deletes, with Box's error shapes; ``/users/me`` and
folder collaborations, and the service account's role enforced (``box_roles``). Faults come from
``EmulatorServer``; ``expire_tokens()`` makes every issued token answer 401.

Admin (also as Python methods; see ``box_admin``): ``GET /_admin/app`` (the
``[box]`` config section and the JWT secret), ``POST /_admin/folders``,
``POST /_admin/files`` (seeded content of a given size), ``GET /_admin/changes``
(uploaded, moved, renamed, deleted), ``GET /_admin/files/{id}/content``,
``POST /_admin/expire_tokens``, ``POST /_admin/settings``.
"""

from __future__ import annotations

import base64
import re
import secrets
from pathlib import Path
from typing import Any

from aiohttp import web

from ferrero_daemon.sandbox.box.admin import BoxAdmin
from ferrero_daemon.sandbox.box.auth import TokenRequestError
from ferrero_daemon.sandbox.box.content import ContentNotRetainedError
from ferrero_daemon.sandbox.box.roles import collaboration
from ferrero_daemon.sandbox.box.shapes import (
    USER,
    box_error,
    mini,
    not_found,
    parse_fields,
    render,
    render_entry,
    store_errors,
)
from ferrero_daemon.sandbox.box.store import DESCRIPTION_LIMIT, File, Item
from ferrero_daemon.sandbox.box.uploads import origin
from ferrero_daemon.sandbox.http import Handler, json_response, write_stream

MAX_LIMIT = 1000
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class BoxEmulator(BoxAdmin):
    """Box's Content API on one loopback port: API at ``/2.0``, uploads at ``/api/2.0``."""

    name = "box"

    # -- routes -----------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        app.middlewares.append(self._auth)
        r = app.router
        r.add_post("/oauth2/token", self.token)
        r.add_get("/2.0/users/me", self.me)
        r.add_get("/2.0/folders/{id}", self.get_folder)
        r.add_get("/2.0/folders/{id}/collaborations", self.collaborations)
        r.add_get("/2.0/folders/{id}/items", self.folder_items)
        r.add_post("/2.0/folders", self.post_folder)
        r.add_put("/2.0/folders/{id}", self.update_item)
        r.add_delete("/2.0/folders/{id}", self.delete_folder)
        self.uploads.add_routes(app)
        r.add_get("/2.0/files/{id}", self.get_file)
        r.add_put("/2.0/files/{id}", self.update_item)
        r.add_delete("/2.0/files/{id}", self.delete_file)
        r.add_get("/2.0/files/{id}/content", self.download)
        r.add_get("/dl/{token}", self.content)
        self.admin_routes(app)

    @web.middleware
    async def _auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(("/2.0/", "/api/2.0/")):
            return await handler(request)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not self.tokens.valid(token.strip()):
            return box_error(
                401,
                "unauthorized",
                "Unauthorized",
                headers={
                    "WWW-Authenticate": 'Bearer realm="Service", error="invalid_token", '
                    'error_description="The access token provided is invalid or expired."'
                },
            )
        return await handler(request)

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        try:
            return json_response(self.tokens.issue(form))
        except TokenRequestError as exc:
            return json_response(exc.as_json(), 400)

    # -- who we are and what we may do ----------------------------------------------
    async def me(self, _request: web.Request) -> web.Response:
        return json_response(USER)

    @store_errors
    async def collaborations(self, request: web.Request) -> web.Response:
        folder = self.store.folder(request.match_info["id"])
        role = self.store.roles.get(folder.id)
        entries = [collaboration(mini(folder), role, USER)] if role else []
        return json_response({"total_count": len(entries), "entries": entries})

    # -- folders ------------------------------------------------------------------
    @store_errors
    async def get_folder(self, request: web.Request) -> web.Response:
        folder = self.store.folder(request.match_info["id"])
        data = render(self.store, folder, parse_fields(request))
        if parse_fields(request) is None:
            kids = self.store.children(folder.id)
            data["item_collection"] = {
                "total_count": len(kids),
                "entries": [render_entry(self.store, k, None) for k in kids[:100]],
                "offset": 0,
                "limit": 100,
            }
        return json_response(data)

    @store_errors
    async def folder_items(self, request: web.Request) -> web.Response:
        kids = self.store.children(request.match_info["id"])
        fields = parse_fields(request)
        query = request.query
        limit = max(1, min(int(query.get("limit", 100)), MAX_LIMIT))
        if query.get("usemarker", "").lower() == "true":
            start = _unmarker(query.get("marker", ""))
            page = kids[start : start + limit]
            more = start + limit < len(kids)
            return json_response(
                {
                    "limit": limit,
                    "next_marker": _marker(start + limit) if more else None,
                    "prev_marker": None,
                    "entries": [render_entry(self.store, k, fields) for k in page],
                }
            )
        offset = int(query.get("offset", 0))
        return json_response(
            {
                "total_count": len(kids),
                "offset": offset,
                "limit": limit,
                "order": [{"by": "type", "direction": "ASC"}, {"by": "name", "direction": "ASC"}],
                "entries": [render_entry(self.store, k, fields) for k in kids[offset:][:limit]],
            }
        )

    @store_errors
    async def post_folder(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.store.require(self.store.folder(str(body["parent"]["id"])), "upload")
        folder = self.store.create_folder(str(body["parent"]["id"]), str(body["name"]))
        return json_response(render(self.store, folder, parse_fields(request)), 201)

    @store_errors
    async def delete_folder(self, request: web.Request) -> web.Response:
        folder = self.store.folder(request.match_info["id"])
        self.store.require(folder, "delete")
        recursive = request.query.get("recursive", "").lower() == "true"
        if self.store.children(folder.id) and not recursive:
            return box_error(400, "folder_not_empty", "The folder is not empty")
        self.store.delete(folder)
        return web.Response(status=204)

    # -- files ----------------------------------------------------------------------
    @store_errors
    async def get_file(self, request: web.Request) -> web.Response:
        file = self.store.file(request.match_info["id"])
        return json_response(render(self.store, file, parse_fields(request)))

    @store_errors
    async def update_item(self, request: web.Request) -> web.Response:
        item = self.store.get(request.match_info["id"])
        if ("/files/" in request.path) != isinstance(item, File):
            return not_found(f"item {item.id}")
        body: dict[str, Any] = await request.json() if request.can_read_body else {}
        description = body.get("description")
        if description is not None and len(description) > DESCRIPTION_LIMIT:
            return box_error(400, "bad_request", "description is longer than 256 characters")
        parent = body.get("parent") or {}
        self._may_update(item, body, parent)
        self.store.update(
            item,
            name=body.get("name"),
            parent_id=str(parent["id"]) if "id" in parent else None,
            description=description,
        )
        return json_response(render(self.store, item, parse_fields(request)))

    def _may_update(self, item: Item, body: dict[str, Any], parent: dict[str, Any]) -> None:
        if "id" in parent and str(parent["id"]) != item.parent_id:  # a move: out of, into
            self.store.require(item, "delete")
            self.store.require(self.store.folder(str(parent["id"])), "upload")
        if body.get("name") is not None or body.get("description") is not None:
            self.store.require(item, "rename")

    @store_errors
    async def delete_file(self, request: web.Request) -> web.Response:
        file = self.store.file(request.match_info["id"])
        self.store.require(file, "delete")
        self.store.delete(file)
        return web.Response(status=204)

    @store_errors
    async def download(self, request: web.Request) -> web.Response:
        file = self.store.file(request.match_info["id"])
        self.store.require(file, "download")
        token = secrets.token_urlsafe(24)
        self.downloads[token] = (file.id, file.version_number)
        return web.Response(status=302, headers={"Location": f"{origin(request)}/dl/{token}"})

    async def content(self, request: web.Request) -> web.StreamResponse:
        file_id, _version = self.downloads.get(request.match_info["token"], ("", None))
        item = self.store.items.get(file_id)
        if not isinstance(item, File):
            return not_found("download link")
        span = _byte_range(request.headers.get("Range"), item.size)
        if span is None:
            return web.Response(status=416, headers={"Content-Range": f"bytes */{item.size}"})
        start, end = span
        response = web.StreamResponse(status=206 if request.headers.get("Range") else 200)
        response.content_type = "application/octet-stream"
        response.content_length = end - start
        if request.headers.get("Range"):
            response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{item.size}"
        response.headers["Accept-Ranges"] = "bytes"
        try:
            chunks = item.content.chunks(start, end)
            await response.prepare(request)
            return await write_stream(request, response, chunks)
        except ContentNotRetainedError:
            return box_error(410, "content_not_retained", "The emulator kept only the hash")


def _marker(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _unmarker(marker: str) -> int:
    if not marker:
        return 0
    padded = marker + "=" * (-len(marker) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().partition(":")[2])


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``[start, end)`` for a ``Range`` header; the whole file without one."""
    if not header:
        return 0, size
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first:
        length = int(last or 0)
        return (max(0, size - length), size) if length else None
    start = int(first)
    end = min(size, int(last) + 1) if last else size
    return (start, end) if start < end else None


def create(host: str = "127.0.0.1", port: int = 0, data_dir: Path | None = None) -> BoxEmulator:
    """The emulator ``ferrero-daemon emulate box`` runs."""
    return BoxEmulator(host=host, port=port, data_dir=data_dir)
