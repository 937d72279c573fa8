"""Box's JSON and digests, read the way the client needs them (``ref/box-api.md`` §3, §5)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx

from ferrero_daemon.domain.values import BoxItem


def sha1_hex(data: bytes | bytearray | memoryview) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


def item_from(data: dict[str, Any], parent_id: str | None = None) -> BoxItem:
    parent = data.get("parent") or {}
    size = data.get("size")
    return BoxItem(
        id=str(data["id"]),
        name=str(data.get("name", "")),
        type="folder" if data.get("type") == "folder" else "file",
        size=int(float(size)) if size is not None else None,  # Box may send 1.2e10 (ref §3.2)
        sha1=str(data["sha1"]).lower() if data.get("sha1") else None,
        description=data.get("description"),
        parent_id=str(parent["id"]) if parent.get("id") is not None else parent_id,
    )


def conflict_of(response: httpx.Response) -> dict[str, Any]:
    """The conflicting item of a 409: an object for files, a list for folders (ref §3.8)."""
    try:
        conflicts = response.json()["context_info"]["conflicts"]
    except (ValueError, KeyError, TypeError):
        return {}
    found = conflicts[0] if isinstance(conflicts, list) and conflicts else conflicts
    return found if isinstance(found, dict) else {}
