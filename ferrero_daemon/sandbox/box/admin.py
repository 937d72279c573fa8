"""The Box emulator's state and its admin surface: seeding, inspection, settings.

Each Python method has an HTTP twin under ``/_admin/`` for the sandbox and for
``ferrero-daemon emulate box``:

    GET  /_admin/app                the [box] config section and the JWT secret
    POST /_admin/folders            {"parent_id", "name"} → the folder
    POST /_admin/files              {"folder_id", "name", "size", "seed"?} or {"text"} → the file
    GET  /_admin/changes            what the API uploaded, moved, renamed, described, deleted
    GET  /_admin/files/{id}/content the bytes of a (small) file
    POST /_admin/expire_tokens      every issued token answers 401 from now on
    POST /_admin/settings           {"chunked_min"?, "part_size"?, "commit_pending"?}
    GET  /_admin/snapshot           every item, the change count and the roles (compare two)
    POST /_admin/roles              {"folder_id", "role"}: the service account's role there
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from aiohttp import web

from ferrero_daemon.sandbox import media
from ferrero_daemon.sandbox.box.auth import BoxApp, TokenIssuer
from ferrero_daemon.sandbox.box.content import (
    DEFAULT_MEMORY_LIMIT,
    Content,
    ContentNotRetainedError,
    MemoryContent,
    Receiver,
    SeededContent,
)
from ferrero_daemon.sandbox.box.roles import ROLE_RIGHTS
from ferrero_daemon.sandbox.box.shapes import full, store_errors
from ferrero_daemon.sandbox.box.store import Change, File, Folder, Store
from ferrero_daemon.sandbox.box.uploads import Uploads, UploadSettings
from ferrero_daemon.sandbox.http import EmulatorServer, json_response

READ_LIMIT = 64 * 1024 * 1024
FOLDER_NAMES = {
    "a1_a2": "Ferrero DAM - A1→A2 Local Masters",
    "a2_a3": "Ferrero DAM - A2→A3 Agency Processing",
    "b1_b2": "Ferrero DAM - B1→B2 Global Masters",
    "creativex": "Ferrero DAM - CreativeX Scoring",
}


class BoxAdmin(EmulatorServer):
    """State of the Box emulator (app, tokens, tree) and what tests may do with it."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: Path | None = None,
        *,
        settings: UploadSettings | None = None,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        app: BoxApp | None = None,
    ) -> None:
        super().__init__(host, port, data_dir)
        self.app = app or BoxApp.generate()
        self.tokens = TokenIssuer(self.app)
        self.store = Store()
        self.upload_settings = settings or UploadSettings()
        # Large received files are spooled when there is a data dir, else hashed only.
        self._spool_dir = (data_dir / "received") if data_dir else None
        self._memory_limit = memory_limit
        # What the API has under way: open upload sessions, issued download links.
        self.uploads = Uploads(self.store, self.upload_settings, self.new_receiver)
        self.downloads: dict[str, tuple[str, int]] = {}
        self.folder_ids = {
            key: self.store.create_folder("0", name).id for key, name in FOLDER_NAMES.items()
        }
        # Ferrero's folders, shared with the app's service account (roles.py).
        for folder_id in self.folder_ids.values():
            self.store.roles[folder_id] = "editor"

    def new_receiver(self) -> Receiver:
        return Receiver(self._spool_dir, self._memory_limit)

    # -- config for the daemon ------------------------------------------------------
    def config_overrides(self) -> dict[str, Any]:
        """The ``[box]`` section pointing at this emulator, with its four folders."""
        return {
            "box": {
                "api_url": f"{self.base_url}/2.0",
                "upload_url": f"{self.base_url}/api/2.0",
                "oauth_url": f"{self.base_url}/oauth2/token",
                "folders": dict(self.folder_ids),
            }
        }

    def secrets(self) -> dict[str, str]:
        return {"box_jwt_config": self.app_config_json()}

    def app_config_json(self) -> str:
        """A ``Box-config.json`` for this emulator's app (encrypted key + passphrase)."""
        return self.app.config_json()

    # -- seeding and inspection --------------------------------------------------------
    def create_folder(self, parent_id: str, name: str) -> Folder:
        return self.store.create_folder(parent_id, name)

    def create_file(
        self,
        folder_id: str,
        name: str,
        *,
        data: bytes | None = None,
        size: int | None = None,
        seed: int = 0,
    ) -> File:
        """A file that is simply there (not recorded as uploaded): given bytes, or
        ``size`` bytes generated from ``seed``, starting like the media its name says."""
        content: Content = (
            MemoryContent(data)
            if data is not None
            else SeededContent(seed, size or 0, media.head_for(name))
        )
        return self.store.add_file(folder_id, name, content, record=False)

    def changes(self, kind: str | None = None) -> list[Change]:
        return [c for c in self.store.changes if kind in (None, c.kind)]

    def uploaded(self) -> list[Change]:
        return self.changes("uploaded")

    def files_in(self, folder_id: str) -> list[File]:
        return [i for i in self.store.children(folder_id) if isinstance(i, File)]

    async def read_file(self, file_id: str) -> bytes:
        """The bytes of a file the emulator kept (small ones; large only when spooled)."""
        file = self.store.file(file_id)
        if file.size > READ_LIMIT:
            raise ValueError(f"file {file_id} is {file.size} bytes; read_file is for small files")
        return b"".join([chunk async for chunk in file.content.chunks(0, file.size)])

    def expire_tokens(self) -> None:
        self.tokens.expire_all()

    def set_role(self, folder_id: str, role: str) -> None:
        """The service account's collaboration role on a folder (and what is below it)."""
        if role not in ROLE_RIGHTS:
            raise ValueError(f"unknown role {role!r}; known: {sorted(ROLE_RIGHTS)}")
        self.store.folder(folder_id)
        self.store.roles[folder_id] = role

    def snapshot(self) -> dict[str, Any]:
        """Every item with its name, place, description and content hash, and the number of
        recorded changes: two equal snapshots mean the API changed nothing in between."""
        items = {
            item.id: {
                "name": item.name,
                "parent": item.parent_id,
                "description": item.description,
                "etag": item.etag,
                **({"sha1": item.sha1} if isinstance(item, File) else {}),
            }
            for item in self.store.items.values()
        }
        return {"items": items, "changes": len(self.store.changes), "roles": dict(self.store.roles)}

    # -- HTTP twins ---------------------------------------------------------------------
    def admin_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_get("/_admin/app", self._admin_app)
        r.add_post("/_admin/folders", self._admin_folder)
        r.add_post("/_admin/files", self._admin_file)
        r.add_get("/_admin/changes", self._admin_changes)
        r.add_get("/_admin/files/{id}/content", self._admin_content)
        r.add_post("/_admin/expire_tokens", self._admin_expire)
        r.add_post("/_admin/settings", self._admin_settings)
        r.add_get("/_admin/snapshot", self._admin_snapshot)
        r.add_post("/_admin/roles", self._admin_role)

    async def _admin_app(self, _request: web.Request) -> web.Response:
        return json_response({"config": self.config_overrides(), "secrets": self.secrets()})

    @store_errors
    async def _admin_folder(self, request: web.Request) -> web.Response:
        body = await request.json()
        folder = self.create_folder(str(body["parent_id"]), str(body["name"]))
        return json_response(full(self.store, folder), 201)

    @store_errors
    async def _admin_file(self, request: web.Request) -> web.Response:
        body = await request.json()
        text = body.get("text")
        file = self.create_file(
            str(body["folder_id"]),
            str(body["name"]),
            data=text.encode() if text is not None else None,
            size=int(body.get("size", 0)),
            seed=int(body.get("seed", 0)),
        )
        return json_response(full(self.store, file), 201)

    async def _admin_changes(self, _request: web.Request) -> web.Response:
        return json_response([c.as_json() for c in self.store.changes])

    @store_errors
    async def _admin_content(self, request: web.Request) -> web.Response:
        try:
            data = await self.read_file(request.match_info["id"])
        except (ValueError, ContentNotRetainedError) as exc:
            return json_response({"error": str(exc) or "content not retained"}, 410)
        return web.Response(
            body=data, headers={"X-Sha1": hashlib.sha1(data, usedforsecurity=False).hexdigest()}
        )

    async def _admin_expire(self, _request: web.Request) -> web.Response:
        self.expire_tokens()
        return json_response({"ok": True})

    async def _admin_snapshot(self, _request: web.Request) -> web.Response:
        return json_response(self.snapshot())

    @store_errors
    async def _admin_role(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            self.set_role(str(body["folder_id"]), str(body["role"]))
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"roles": self.store.roles})

    async def _admin_settings(self, request: web.Request) -> web.Response:
        body = await request.json()
        for key in ("chunked_min", "part_size", "commit_pending"):
            if key in body:
                setattr(self.upload_settings, key, int(body[key]))
        return json_response(self.upload_settings.__dict__)
