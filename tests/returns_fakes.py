"""In-memory stand-ins of the DAM, Box and notifier protocols, for fast planning tests.

They keep to the protocols' documented contracts (409 with the same SHA-1 counts as
done, a deleted file stays deleted, a new version gets a new asset id) so the
workflows cannot lean on behaviour the real clients lack. The integration suite runs
the same workflows against the emulators.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from ferrero_daemon.clients.types import (
    BoxItem,
    ByteStream,
    DamAsset,
    DamChildren,
    DamFolder,
    Download,
    Metadata,
)
from ferrero_daemon.errors import ConflictError, NotFoundError

_ids = itertools.count(5000)


def new_id() -> str:
    return str(next(_ids))


async def _read(chunks: ByteStream) -> bytes:
    return b"".join([c async for c in chunks])


async def _stream(data: bytes, size: int = 3) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


@dataclass
class FakeDam:
    folders: dict[str, DamFolder] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    assets: dict[str, DamAsset] = field(default_factory=dict)
    content: dict[str, bytes] = field(default_factory=dict)
    latest: set[str] = field(default_factory=set)

    def add_folder(self, name: str, metadata: Metadata, parent: str | None = None) -> str:
        fid = new_id()
        self.folders[fid] = DamFolder(fid, name, dict(metadata))
        if parent:
            self.parents[fid] = parent
        return fid

    def add_asset(self, folder_id: str, name: str, data: bytes, metadata: Metadata) -> str:
        aid = new_id()
        self.assets[aid] = DamAsset(aid, name, folder_id, len(data), None, 1, dict(metadata))
        self.content[aid] = data
        self.latest.add(aid)
        return aid

    async def find_folders(self, conditions: Mapping[str, str]) -> list[DamFolder]:
        return [
            f
            for f in self.folders.values()
            if all(f.metadata.get(k) == v for k, v in conditions.items())
        ]

    async def folder_children(self, folder_id: str) -> DamChildren:
        assets = [
            a for a in self.assets.values() if a.folder_id == folder_id and a.id in self.latest
        ]
        folders = [f for fid, f in self.folders.items() if self.parents.get(fid) == folder_id]
        return DamChildren(assets, folders)

    async def get_folder(self, folder_id: str) -> DamFolder:
        if folder_id not in self.folders:
            raise NotFoundError(f"folder {folder_id}")
        return self.folders[folder_id]

    async def get_asset(self, asset_id: str) -> DamAsset:
        return self.assets[asset_id]

    @asynccontextmanager
    async def _download(self, asset_id: str) -> AsyncIterator[Download]:
        data = self.content[asset_id]
        yield Download(len(data), _stream(data))

    def download(self, asset_id: str) -> Any:
        return self._download(asset_id)

    async def import_asset(
        self,
        folder_id: str,
        name: str,
        size: int,
        chunks: ByteStream,
        metadata: Metadata,
        *,
        mime_type: str | None = None,
    ) -> DamAsset:
        data = await _read(chunks)
        assert len(data) == size
        aid = self.add_asset(folder_id, name, data, metadata)
        return self.assets[aid]

    async def check_in_version(
        self, asset_id: str, name: str, size: int, chunks: ByteStream
    ) -> DamAsset:
        data = await _read(chunks)
        old = self.assets[asset_id]
        new = replace(old, id=new_id(), name=name, size=size, version=old.version + 1)
        self.assets[new.id] = new
        self.content[new.id] = data
        self.latest.discard(old.id)
        self.latest.add(new.id)
        return new

    async def update_asset_metadata(self, asset_id: str, values: Metadata) -> None:
        old = self.assets[asset_id]
        self.assets[asset_id] = replace(old, metadata={**old.metadata, **values})

    async def update_folder_metadata(self, folder_id: str, values: Metadata) -> None:
        old = self.folders[folder_id]
        self.folders[folder_id] = replace(old, metadata={**old.metadata, **values})


@dataclass
class FakeBox:
    items: dict[str, BoxItem] = field(default_factory=dict)
    content: dict[str, bytes] = field(default_factory=dict)

    def add_file(self, folder_id: str, name: str, data: bytes) -> str:
        fid = new_id()
        sha1 = hashlib.sha1(data).hexdigest()
        self.items[fid] = BoxItem(fid, name, "file", len(data), sha1, None, folder_id)
        self.content[fid] = data
        return fid

    def files(self, folder_id: str) -> list[BoxItem]:
        return [i for i in self.items.values() if i.parent_id == folder_id and i.type == "file"]

    def folder_named(self, parent_id: str, name: str) -> BoxItem | None:
        return next(
            (
                i
                for i in self.items.values()
                if i.parent_id == parent_id and i.type == "folder" and i.name == name
            ),
            None,
        )

    def _named(self, folder_id: str, name: str) -> BoxItem | None:
        return next(
            (
                i
                for i in self.items.values()
                if i.parent_id == folder_id and i.name.casefold() == name.casefold()
            ),
            None,
        )

    async def list_folder(self, folder_id: str) -> list[BoxItem]:
        return [i for i in self.items.values() if i.parent_id == folder_id]

    async def ensure_folder(self, parent_id: str, name: str) -> BoxItem:
        existing = self.folder_named(parent_id, name)
        if existing:
            return existing
        fid = new_id()
        self.items[fid] = BoxItem(fid, name, "folder", parent_id=parent_id)
        return self.items[fid]

    @asynccontextmanager
    async def _download(self, file_id: str) -> AsyncIterator[Download]:
        if file_id not in self.content:
            raise NotFoundError(f"file {file_id}")
        data = self.content[file_id]
        yield Download(len(data), _stream(data), self.items[file_id].sha1)

    def download(self, file_id: str) -> Any:
        return self._download(file_id)

    async def upload(self, folder_id: str, name: str, size: int, chunks: ByteStream) -> BoxItem:
        data = await _read(chunks)
        existing = self._named(folder_id, name)
        if existing is not None:
            if existing.sha1 == hashlib.sha1(data).hexdigest():
                return existing
            raise ConflictError(f"{name} exists with other content")
        return self.items[self.add_file(folder_id, name, data)]

    async def upload_version(
        self, file_id: str, name: str, size: int, chunks: ByteStream
    ) -> BoxItem:
        data = await _read(chunks)
        sha1 = hashlib.sha1(data).hexdigest()
        self.items[file_id] = replace(self.items[file_id], size=len(data), sha1=sha1)
        self.content[file_id] = data
        return self.items[file_id]

    async def move(self, file_id: str, folder_id: str, new_name: str | None = None) -> BoxItem:
        item = self.items.get(file_id)
        if item is None:
            raise NotFoundError(f"file {file_id}")
        name = new_name or item.name
        clash = self._named(folder_id, name)
        if clash is not None and clash.id != file_id:
            raise ConflictError(f"{name} exists in {folder_id}")
        self.items[file_id] = replace(item, parent_id=folder_id, name=name)
        return self.items[file_id]

    async def delete(self, file_id: str) -> None:
        self.items.pop(file_id, None)
        self.content.pop(file_id, None)

    async def set_description(self, file_id: str, text: str) -> BoxItem:
        if file_id not in self.items:
            raise NotFoundError(f"file {file_id}")
        assert len(text) <= 256
        self.items[file_id] = replace(self.items[file_id], description=text)
        return self.items[file_id]
