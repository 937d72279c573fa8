"""What the app's service account may do in a Box folder, asked read-only.

For ``ferrero-daemon check --deep``: who we are (``GET /users/me``), a folder's owner
and ``permissions`` (``GET /folders/{id}?fields=…``), our collaboration role on it
(``GET /folders/{id}/collaborations``), and whether an upload of a given name would
be accepted (``OPTIONS /files/content``, the preflight, which creates nothing).
[DOC] OpenAPI ``Folder.permissions``, ``Collaboration.role``; the mapping from role to
rights follows Box's collaborator levels [INF: support article], and the permissions
Box computes for the caller win over it whenever they are present.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ferrero_daemon.clients.box.http import BoxHttp, error_code
from ferrero_daemon.errors import FerreroError

Right = Literal["upload", "move", "description", "delete"]
RIGHTS: tuple[Right, ...] = ("upload", "move", "description", "delete")
_FULL = frozenset(RIGHTS)
ROLE_RIGHTS: dict[str, frozenset[Right]] = {
    "owner": _FULL,
    "co-owner": _FULL,
    "editor": _FULL,
    "viewer uploader": frozenset({"upload", "description"}),
    "previewer uploader": frozenset({"upload"}),
    "uploader": frozenset({"upload"}),
    "viewer": frozenset(),
    "previewer": frozenset(),
}
FOLDER_FIELDS = "id,name,owned_by,permissions"


@dataclass(frozen=True)
class FolderAccess:
    """One folder as the service account sees it."""

    folder_id: str
    name: str
    role: str | None  # "owner", a collaboration role, or None when Box does not say
    permissions: Mapping[str, bool] | None

    def allows(self, right: Right) -> bool | None:
        """Whether ``right`` is allowed: from ``permissions``, else the role; None: unknown."""
        p = self.permissions
        if p:
            needed = {
                "upload": ("can_upload",),
                "delete": ("can_delete",),
                "move": ("can_delete", "can_upload"),  # out of one folder, into another
                "description": ("can_rename",),  # [INF] editing an item's details
            }[right]
            if all(key in p for key in needed):
                return all(bool(p[key]) for key in needed)
        if self.role is not None and self.role in ROLE_RIGHTS:
            return right in ROLE_RIGHTS[self.role]
        return None


@dataclass(frozen=True)
class Preflight:
    status: int
    code: str

    @property
    def accepted(self) -> bool:
        # 409: the name is taken, yet the folder accepts uploads (a new name would go).
        return self.status in {200, 409}


class BoxInspector:
    """Read-only questions to Box over the client's connection (``BoxApiClient.inspector``)."""

    def __init__(self, http: BoxHttp, api_url: str) -> None:
        self.http = http
        self.api_url = api_url.rstrip("/")

    async def me(self) -> Mapping[str, Any]:
        response = await self.http.call("GET", f"{self.api_url}/users/me", "who the app is")
        body: Mapping[str, Any] = response.json()
        return body

    async def folder_access(self, folder_id: str, me_id: str) -> FolderAccess:
        what = f"access to folder {folder_id}"
        response = await self.http.call(
            "GET", f"{self.api_url}/folders/{folder_id}", what, params={"fields": FOLDER_FIELDS}
        )
        body = response.json()
        owner = str((body.get("owned_by") or {}).get("id", ""))
        role = "owner" if owner and owner == me_id else await self._role(folder_id, me_id)
        permissions = body.get("permissions")
        return FolderAccess(
            folder_id,
            str(body.get("name", "")),
            role,
            permissions if isinstance(permissions, Mapping) else None,
        )

    async def _role(self, folder_id: str, me_id: str) -> str | None:
        what = f"collaborations of folder {folder_id}"
        url = f"{self.api_url}/folders/{folder_id}/collaborations"
        try:
            response = await self.http.call("GET", url, what)
        except FerreroError:  # a collaborator may not be allowed to list the others
            return None
        for entry in response.json().get("entries") or []:
            who = entry.get("accessible_by") or {}
            if str(who.get("id")) == me_id and entry.get("status", "accepted") == "accepted":
                return str(entry.get("role", "")).lower() or None
        return None  # inherited from a parent folder or given through a group

    async def preflight(self, folder_id: str, name: str, size: int) -> Preflight:
        body = {"name": name, "size": size, "parent": {"id": folder_id}}
        response = await self.http.call(
            "OPTIONS",
            f"{self.api_url}/files/content",
            f"preflight of {name!r} in folder {folder_id}",
            accept=range(400, 500),
            json=body,
        )
        return Preflight(response.status_code, error_code(response))
