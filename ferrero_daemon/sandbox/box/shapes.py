"""How the Box emulator renders items and errors (``ref/box-api.md`` §3.2, §3.3, §3.8)."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web

from ferrero_daemon.sandbox.box.roles import ADMIN, ForbiddenError, permissions
from ferrero_daemon.sandbox.box.store import (
    File,
    Folder,
    InvalidNameError,
    Item,
    ItemNotFoundError,
    NameInUseError,
    Store,
)
from ferrero_daemon.sandbox.http import json_response

HELP_URL = "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/"
USER = {"type": "user", "id": "11446498", "name": "Ferrero Service", "login": "svc@example.com"}


def box_error(
    status: int,
    code: str,
    message: str,
    *,
    context_info: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    body: dict[str, Any] = {
        "type": "error",
        "status": status,
        "code": code,
        "message": message,
        "help_url": HELP_URL,
        "request_id": secrets.token_hex(6),
    }
    if context_info is not None:
        body["context_info"] = context_info
    return json_response(body, status, headers)


def not_found(what: str) -> web.Response:
    return box_error(404, "not_found", f"Not Found: {what}")


def mini(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": item.type,
        "id": item.id,
        "etag": str(item.etag),
        "sequence_id": str(item.etag),
        "name": item.name,
    }
    if isinstance(item, File):
        out["sha1"] = item.sha1
        out["file_version"] = {"type": "file_version", "id": item.version_id, "sha1": item.sha1}
    return out


def full(store: Store, item: Item) -> dict[str, Any]:
    parents = store.path(item)
    out = mini(item) | {
        "description": item.description,
        "path_collection": {"total_count": len(parents), "entries": [mini(p) for p in parents]},
        "created_at": item.created_at,
        "modified_at": item.modified_at,
        "content_created_at": item.created_at,
        "content_modified_at": item.modified_at,
        "trashed_at": None,
        "purged_at": None,
        "created_by": USER,
        "modified_by": USER,
        "owned_by": ADMIN if store.role_of(item)[1] is not None else USER,
        "shared_link": None,
        "parent": mini(parents[-1]) if parents else None,
        "item_status": "active",
        "size": _size(store, item),
    }
    if isinstance(item, File):
        out["version_number"] = str(item.version_number)
        out["extension"] = item.name.rsplit(".", 1)[-1] if "." in item.name else ""
    out["permissions"] = permissions(store.role_of(item)[0], folder=isinstance(item, Folder))
    return out


def _size(store: Store, item: Item) -> int:
    if isinstance(item, File):
        return item.size
    return sum(_size(store, child) for child in store.children(item.id))


# With fields=, Box answers these plus the requested ones; without, the standard set.
_ALWAYS = ("type", "id", "etag")
_STANDARD = [
    "type",
    "id",
    "etag",
    "sequence_id",
    "name",
    "sha1",
    "file_version",
    "description",
    "size",
    "path_collection",
    "created_at",
    "modified_at",
    "trashed_at",
    "purged_at",
    "content_created_at",
    "content_modified_at",
    "created_by",
    "modified_by",
    "owned_by",
    "shared_link",
    "parent",
    "item_status",
]


def render(store: Store, item: Item, fields: list[str] | None) -> dict[str, Any]:
    data = full(store, item)
    wanted = [*_ALWAYS, *fields] if fields else _STANDARD
    return {key: data[key] for key in wanted if key in data}


def render_entry(store: Store, item: Item, fields: list[str] | None) -> dict[str, Any]:
    return render(store, item, fields) if fields else mini(item)


def parse_fields(request: web.Request) -> list[str] | None:
    raw = request.query.get("fields", "")
    return [f.strip() for f in raw.split(",") if f.strip()] or None


def files_body(store: Store, file: File) -> dict[str, Any]:
    return {"total_count": 1, "entries": [full(store, file)]}


def name_in_use(existing: Item, *, as_list: bool) -> web.Response:
    # Files conflict as one object, folders as a list (ref §3.8; what clients rely on).
    conflict = mini(existing) | ({"size": existing.size} if isinstance(existing, File) else {})
    return box_error(
        409,
        "item_name_in_use",
        "Item with the same name already exists",
        context_info={"conflicts": [conflict] if as_list else conflict},
    )


S = TypeVar("S")
Method = Callable[[S, web.Request], Awaitable[web.StreamResponse]]


def store_errors(handler: Method[S]) -> Method[S]:
    """Turn the store's lookup and name errors into Box's 404 and 409 answers."""

    @functools.wraps(handler)
    async def wrapper(self: S, request: web.Request) -> web.StreamResponse:
        try:
            return await handler(self, request)
        except ItemNotFoundError as exc:
            return not_found(f"item {exc}")
        except NameInUseError as exc:
            return name_in_use(exc.existing, as_list=isinstance(exc.existing, Folder))
        except InvalidNameError as exc:
            return box_error(400, exc.code, str(exc))
        except ForbiddenError as exc:
            return box_error(
                403, "access_denied_insufficient_permissions", f"Access denied - {exc}"
            )

    return wrapper
