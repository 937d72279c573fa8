"""The Box emulator's content tree: folders, files, their versions, and what changed.

Names are unique per folder case-insensitively, as on Box. Every change made
through the API (upload, new version, move, rename, delete) is recorded, so a test
or the sandbox can ask what the daemon did.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any, Literal

from ferrero_daemon.sandbox.box.content import Content
from ferrero_daemon.sandbox.box.roles import ROLE_RIGHTS, ForbiddenError, Right

ROOT_ID = "0"
DESCRIPTION_LIMIT = 256
ChangeKind = Literal["uploaded", "version", "moved", "renamed", "deleted", "described"]


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@dataclass
class Folder:
    id: str
    name: str
    parent_id: str | None
    description: str = ""
    etag: int = 0
    created_at: str = field(default_factory=now_iso)
    modified_at: str = field(default_factory=now_iso)
    type: Literal["folder"] = "folder"


@dataclass
class File:
    id: str
    name: str
    parent_id: str
    content: Content
    version_id: str
    description: str = ""
    etag: int = 0
    version_number: int = 1
    created_at: str = field(default_factory=now_iso)
    modified_at: str = field(default_factory=now_iso)
    type: Literal["file"] = "file"

    @property
    def size(self) -> int:
        return self.content.size

    @property
    def sha1(self) -> str:
        return self.content.sha1


Item = Folder | File


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    id: str
    name: str
    folder_id: str
    size: int | None = None
    sha1: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class NameInUseError(Exception):
    def __init__(self, existing: Item) -> None:
        super().__init__(existing.name)
        self.existing = existing


class ItemNotFoundError(Exception):
    pass


class InvalidNameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


NAME_LIMIT = 255


def check_name(name: str) -> None:
    """Box's name rules (ref §3.8 [DOC]): what Box refuses, the emulator refuses."""
    if len(name) > NAME_LIMIT:
        raise InvalidNameError("item_name_too_long", f"Item name is longer than {NAME_LIMIT}")
    if (
        name in ("", ".", "..")
        or name != name.rstrip()
        or any(c in "/\\" or not c.isprintable() for c in name)
    ):
        raise InvalidNameError("item_name_invalid", f"Item name {name!r} is invalid")


class Store:
    """Every item by id, with case-insensitive name lookup per folder."""

    def __init__(self) -> None:
        self._ids = itertools.count(100001)
        self.items: dict[str, Item] = {ROOT_ID: Folder(ROOT_ID, "All Files", None)}
        self.changes: list[Change] = []
        self.roles: dict[str, str] = {}  # folder id -> the service account's collaboration role

    # -- access ------------------------------------------------------------------
    def role_of(self, item: Item) -> tuple[str, str | None]:
        """The service account's role on an item, and the folder that grants it (None:
        the service account owns it)."""
        node: Item | None = item
        while node is not None:
            if node.id in self.roles:
                return self.roles[node.id], node.id
            node = self.items.get(node.parent_id) if node.parent_id is not None else None
        return "owner", None

    def require(self, item: Item, right: Right) -> None:
        role, _ = self.role_of(item)
        if right not in ROLE_RIGHTS[role]:
            raise ForbiddenError(role, right, item.id)

    def new_id(self) -> str:
        return str(next(self._ids))

    # -- lookup ----------------------------------------------------------------
    def get(self, item_id: str) -> Item:
        item = self.items.get(item_id)
        if item is None:
            raise ItemNotFoundError(item_id)
        return item

    def folder(self, folder_id: str) -> Folder:
        item = self.get(folder_id)
        if not isinstance(item, Folder):
            raise ItemNotFoundError(folder_id)
        return item

    def file(self, file_id: str) -> File:
        item = self.get(file_id)
        if not isinstance(item, File):
            raise ItemNotFoundError(file_id)
        return item

    def children(self, folder_id: str) -> list[Item]:
        self.folder(folder_id)
        kids = [i for i in self.items.values() if i.parent_id == folder_id]
        # Box lists folders before files, each by name.
        return sorted(kids, key=lambda i: (i.type != "folder", i.name.lower(), i.id))

    def find_name(self, folder_id: str, name: str) -> Item | None:
        wanted = name.casefold()
        for item in self.items.values():
            if item.parent_id == folder_id and item.name.casefold() == wanted:
                return item
        return None

    def check_free(self, folder_id: str, name: str, except_id: str | None = None) -> None:
        check_name(name)
        self.folder(folder_id)
        existing = self.find_name(folder_id, name)
        if existing is not None and existing.id != except_id:
            raise NameInUseError(existing)

    def path(self, item: Item) -> list[Folder]:
        out: list[Folder] = []
        parent = item.parent_id
        while parent is not None:
            folder = self.folder(parent)
            out.append(folder)
            parent = folder.parent_id
        return list(reversed(out))

    # -- changes -----------------------------------------------------------------
    def create_folder(self, parent_id: str, name: str) -> Folder:
        self.check_free(parent_id, name)
        folder = Folder(self.new_id(), name, parent_id)
        self.items[folder.id] = folder
        return folder

    def add_file(self, folder_id: str, name: str, content: Content, *, record: bool) -> File:
        self.check_free(folder_id, name)
        file = File(self.new_id(), name, folder_id, content, version_id=self.new_id())
        self.items[file.id] = file
        if record:
            self._record("uploaded", file)
        return file

    def new_version(self, file: File, content: Content, name: str | None = None) -> File:
        if name and name != file.name:
            self.check_free(file.parent_id, name, except_id=file.id)
            file.name = name
        file.content = content
        file.version_id = self.new_id()
        file.version_number += 1
        self._touch(file)
        self._record("version", file)
        return file

    def update(
        self,
        item: Item,
        *,
        name: str | None = None,
        parent_id: str | None = None,
        description: str | None = None,
    ) -> Item:
        target_parent = parent_id or item.parent_id
        target_name = name or item.name
        if parent_id is not None or name is not None:
            assert target_parent is not None
            self.check_free(target_parent, target_name, except_id=item.id)
        if parent_id is not None and parent_id != item.parent_id:
            item.parent_id = parent_id
            self._record("moved", item)
        if name is not None and name != item.name:
            item.name = name
            self._record("renamed", item)
        if description is not None:
            item.description = description
            self._record("described", item)
        self._touch(item)
        return item

    def delete(self, item: Item) -> None:
        for child in self.children(item.id) if isinstance(item, Folder) else []:
            self.delete(child)
        self._record("deleted", item)
        del self.items[item.id]

    def _touch(self, item: Item) -> None:
        item.etag += 1
        item.modified_at = now_iso()

    def _record(self, kind: ChangeKind, item: Item) -> None:
        size = item.size if isinstance(item, File) else None
        sha1 = item.sha1 if isinstance(item, File) else None
        self.changes.append(Change(kind, item.id, item.name, item.parent_id or "", size, sha1))
