"""``/_admin/...`` routes of the OTMM emulator: the Python seeding methods over HTTP.

POST   /_admin/campaigns        {"name", "metadata"?, "parent_id"?}           → {"id"}
POST   /_admin/folders          {"parent_id", "name", "metadata"?}            → {"id"}
POST   /_admin/assets           {"folder_id", "name", "metadata"?, "size"?,
                                 "seed"?, "mime_type"?}  (size null: no content) → {"id", "sha1"}
GET    /_admin/objects/{id}     one folder or asset, with metadata, lock and content
GET    /_admin/imports          every asset created by an import job
GET    /_admin/patches          every accepted metadata PATCH
POST   /_admin/locks            {"id", "user"?}   lock as another user
DELETE /_admin/locks/{id}       release any lock
POST   /_admin/expire-tokens    every token and session becomes stale
POST   /_admin/job-failures     {"count"?, "reason"?}  the next jobs end FAILED
GET    /_admin/config           the daemon's [dam] overrides and secrets for this emulator
GET    /_admin/snapshot         every object, lock, check-out and job: compare two to prove
                                that nothing changed (``check --deep``)
GET|POST /_admin/variants       {"page_cap"?, "refuse_large_pages"?, "lock_conflict_status"?,
                                 "checkin_needs_lock"?, "job_state_field"?}  (store.Variants)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from ferrero_daemon.sandbox.http import json_response
from ferrero_daemon.sandbox.otmm.render import exception_body
from ferrero_daemon.sandbox.otmm.store import Asset, Node, OtmmError, Value


class OtmmEmulator(Protocol):
    """What the admin routes drive (``server.py``'s emulator implements it)."""

    def config_overrides(self) -> dict[str, Any]: ...

    def secrets(self) -> dict[str, str]: ...

    def create_campaign(
        self, name: str, metadata: dict[str, Value] | None = None, parent_id: str | None = None
    ) -> str: ...

    def create_folder(
        self, parent_id: str, name: str, metadata: dict[str, Value] | None = None
    ) -> str: ...

    def create_asset(
        self,
        folder_id: str,
        name: str,
        metadata: dict[str, Value] | None = None,
        *,
        size: int | None = 0,
        seed: int = 0,
        mime_type: str = "video/mp4",
    ) -> str: ...

    def node(self, node_id: str) -> Node: ...

    def imported(self) -> list[Asset]: ...

    def patches(self) -> list[tuple[str, str, dict[str, Value | None]]]: ...

    def lock_as_other_user(self, node_id: str, login: str = "mrossi") -> None: ...

    def release_lock(self, node_id: str) -> None: ...

    def fail_next_jobs(
        self, count: int = 1, reason: str = "Import failed: storage full."
    ) -> None: ...

    def expire_tokens(self) -> int: ...

    def snapshot(self) -> dict[str, Any]: ...

    def set_variants(self, **changes: Any) -> dict[str, Any]: ...


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def describe(node: Node) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": node.id,
        "name": node.name,
        "kind": "asset" if isinstance(node, Asset) else "folder",
        "parent_id": node.parent_id,
        "metadata": node.metadata,
        "lock_user": node.lock_user,
    }
    if isinstance(node, Asset):
        data |= {
            "version": node.version,
            "original_id": node.original_id,
            "latest": node.latest,
            "mime_type": node.mime_type,
            "size": node.content.size if node.content else None,
            "sha1": node.content.sha1() if node.content else None,
        }
    return data


class AdminApi:
    def __init__(self, emulator: OtmmEmulator) -> None:
        self.emu = emulator

    def add_routes(self, app: web.Application) -> None:
        add = app.router.add_route
        add("POST", "/_admin/campaigns", self._guard(self.campaign))
        add("POST", "/_admin/folders", self._guard(self.folder))
        add("POST", "/_admin/assets", self._guard(self.asset))
        add("GET", "/_admin/objects/{id}", self._guard(self.get_object))
        add("GET", "/_admin/imports", self._guard(self.imports))
        add("GET", "/_admin/patches", self._guard(self.patches))
        add("POST", "/_admin/locks", self._guard(self.lock))
        add("DELETE", "/_admin/locks/{id}", self._guard(self.unlock))
        add("POST", "/_admin/expire-tokens", self._guard(self.expire))
        add("POST", "/_admin/job-failures", self._guard(self.job_failures))
        add("GET", "/_admin/config", self._guard(self.config))
        add("GET", "/_admin/snapshot", self._guard(self.snapshot))
        add("GET", "/_admin/variants", self._guard(self.variants))
        add("POST", "/_admin/variants", self._guard(self.variants))

    def _guard(self, handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except OtmmError as exc:
                return json_response(exception_body(exc), exc.status)
            except (KeyError, TypeError, ValueError) as exc:
                return json_response({"error": f"bad admin request: {exc!r}"}, 400)

        return wrapped

    async def campaign(self, request: web.Request) -> web.Response:
        body = await request.json()
        new = self.emu.create_campaign(body["name"], body.get("metadata"), body.get("parent_id"))
        return json_response({"id": new})

    async def folder(self, request: web.Request) -> web.Response:
        body = await request.json()
        new = self.emu.create_folder(body["parent_id"], body["name"], body.get("metadata"))
        return json_response({"id": new})

    async def asset(self, request: web.Request) -> web.Response:
        body = await request.json()
        new = self.emu.create_asset(
            body["folder_id"],
            body["name"],
            body.get("metadata"),
            size=body.get("size", 0),
            seed=int(body.get("seed", 0)),
            mime_type=body.get("mime_type", "video/mp4"),
        )
        return json_response(describe(self.emu.node(new)))

    async def get_object(self, request: web.Request) -> web.Response:
        return json_response(describe(self.emu.node(request.match_info["id"])))

    async def imports(self, _request: web.Request) -> web.Response:
        return json_response([describe(a) for a in self.emu.imported()])

    async def patches(self, _request: web.Request) -> web.Response:
        return json_response(
            [{"id": i, "user": user, "values": values} for i, user, values in self.emu.patches()]
        )

    async def lock(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.emu.lock_as_other_user(body["id"], body.get("user", "mrossi"))
        return json_response({"ok": True})

    async def unlock(self, request: web.Request) -> web.Response:
        self.emu.release_lock(request.match_info["id"])
        return json_response({"ok": True})

    async def expire(self, _request: web.Request) -> web.Response:
        return json_response({"expired": self.emu.expire_tokens()})

    async def job_failures(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.emu.fail_next_jobs(int(body.get("count", 1)), body.get("reason", "Import failed."))
        return json_response({"ok": True})

    async def snapshot(self, _request: web.Request) -> web.Response:
        return json_response(self.emu.snapshot())

    async def variants(self, request: web.Request) -> web.Response:
        changes = await request.json() if request.method == "POST" else {}
        return json_response(self.emu.set_variants(**changes))

    async def config(self, _request: web.Request) -> web.Response:
        return json_response({**self.emu.config_overrides(), "secrets": self.emu.secrets()})
