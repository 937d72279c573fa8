"""Who may do what in the Box emulator: collaboration roles and the permissions they give.

The four workflow folders belong to a Ferrero administrator and are shared with the
app's service account as collaborators (role ``editor`` unless a test says otherwise);
everything else belongs to the service account itself. A role set on a folder holds
for everything below it. What each role allows follows Box's collaborator levels
[INF: support article "Understanding collaborator permission levels"]; the API
refuses what the role does not allow with 403 ``access_denied_insufficient_permissions``.
"""

from __future__ import annotations

from typing import Any, Literal

Right = Literal["upload", "delete", "rename", "download"]

ADMIN = {"type": "user", "id": "20000001", "name": "Ferrero DAM Admin", "login": "dam@example.com"}
_ALL: frozenset[Right] = frozenset({"upload", "delete", "rename", "download"})
ROLE_RIGHTS: dict[str, frozenset[Right]] = {
    "owner": _ALL,
    "co-owner": _ALL,
    "editor": _ALL,
    "viewer uploader": frozenset({"upload", "rename", "download"}),
    "previewer uploader": frozenset({"upload"}),
    "uploader": frozenset({"upload"}),
    "viewer": frozenset({"download"}),
    "previewer": frozenset(),
}


class ForbiddenError(Exception):
    """The service account's role does not allow the operation."""

    def __init__(self, role: str, right: Right, item_id: str) -> None:
        super().__init__(f"role {role!r} does not allow {right} on item {item_id}")
        self.role = role
        self.right = right


def permissions(role: str, *, folder: bool) -> dict[str, bool]:
    """A folder's or file's ``permissions`` field for the caller's role (ref §3.3, [INF] keys)."""
    rights = ROLE_RIGHTS[role]
    found = {
        "can_upload": "upload" in rights,
        "can_delete": "delete" in rights,
        "can_rename": "rename" in rights,
        "can_download": "download" in rights,
        "can_share": "delete" in rights,
        "can_invite_collaborator": role in ("owner", "co-owner", "editor"),
        "can_set_share_access": "delete" in rights,
    }
    if not folder:
        found["can_preview"] = True
    return found


def collaboration(folder: dict[str, Any], role: str, user: dict[str, Any]) -> dict[str, Any]:
    """One entry of ``GET /folders/{id}/collaborations`` ([DOC] OpenAPI ``Collaboration``)."""
    return {
        "type": "collaboration",
        "id": f"9{folder['id']}",
        "role": role,
        "status": "accepted",
        "accessible_by": user,
        "created_by": ADMIN,
        "item": folder,
    }
