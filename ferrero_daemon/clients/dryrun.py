"""Read-only stand-ins for a dry run: reads go through, every change is refused.

A workflow plans from reads, then acts; in a dry run it stops after planning and
reports the plan. These wrappers make "changes nothing anywhere" a guarantee rather
than a convention: a write that slips through raises ``DryRunRefused`` (DAM, Box),
is recorded instead of queued (notifier), or is refused by PostgreSQL itself
(every query runs in a ``READ ONLY`` transaction).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from asyncpg import Record

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import BoxClient, ByteStream, DamClient, Download, Email
from ferrero_daemon.domain.status_event import CampaignStatusChanged
from ferrero_daemon.domain.values import BoxItem, DamAsset, DamChildren, DamFolder, Metadata
from ferrero_daemon.errors import DryRunRefused


def _refuse(what: str) -> DryRunRefused:
    return DryRunRefused(f"dry run: refused to {what}")


class ReadOnlyDam:
    def __init__(self, inner: DamClient) -> None:
        self._inner = inner

    async def find_folders(self, conditions: Mapping[str, str]) -> list[DamFolder]:
        return await self._inner.find_folders(conditions)

    async def folder_children(self, folder_id: str) -> DamChildren:
        return await self._inner.folder_children(folder_id)

    async def get_folder(self, folder_id: str) -> DamFolder:
        return await self._inner.get_folder(folder_id)

    async def get_asset(self, asset_id: str) -> DamAsset:
        return await self._inner.get_asset(asset_id)

    def download(self, asset_id: str) -> AbstractAsyncContextManager[Download]:
        return self._inner.download(asset_id)

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
        raise _refuse(f"import {name!r} into DAM folder {folder_id}")

    async def check_in_version(
        self, asset_id: str, name: str, size: int, chunks: ByteStream
    ) -> DamAsset:
        raise _refuse(f"check in a new version of DAM asset {asset_id}")

    async def update_asset_metadata(self, asset_id: str, values: Metadata) -> None:
        raise _refuse(f"change metadata of DAM asset {asset_id}")

    async def update_folder_metadata(self, folder_id: str, values: Metadata) -> None:
        raise _refuse(f"change metadata of DAM folder {folder_id}")


class ReadOnlyBox:
    def __init__(self, inner: BoxClient) -> None:
        self._inner = inner

    async def list_folder(self, folder_id: str) -> list[BoxItem]:
        return await self._inner.list_folder(folder_id)

    async def ensure_folder(self, parent_id: str, name: str) -> BoxItem:
        for item in await self._inner.list_folder(parent_id):
            if item.type == "folder" and item.name == name:
                return item
        raise _refuse(f"create Box folder {name!r} in {parent_id}")

    def download(self, file_id: str) -> AbstractAsyncContextManager[Download]:
        return self._inner.download(file_id)

    async def upload(self, folder_id: str, name: str, size: int, chunks: ByteStream) -> BoxItem:
        raise _refuse(f"upload {name!r} to Box folder {folder_id}")

    async def upload_version(
        self, file_id: str, name: str, size: int, chunks: ByteStream
    ) -> BoxItem:
        raise _refuse(f"upload a new version of Box file {file_id}")

    async def move(self, file_id: str, folder_id: str, new_name: str | None = None) -> BoxItem:
        raise _refuse(f"move Box file {file_id}")

    async def delete(self, file_id: str) -> None:
        raise _refuse(f"delete Box file {file_id}")

    async def set_description(self, file_id: str, text: str) -> BoxItem:
        raise _refuse(f"set the description of Box file {file_id}")


@dataclass
class RecordingNotifier:
    """Records what would have been queued; nothing reaches the outbox."""

    emails: list[tuple[str, Email]] = field(default_factory=list)
    webhooks: list[tuple[str, CampaignStatusChanged]] = field(default_factory=list)

    def within(self, tx: Database) -> RecordingNotifier:
        return self  # it queues nowhere, so there is no transaction to join

    async def email(self, key: str, message: Email) -> bool:
        self.emails.append((key, message))
        return True

    async def webhook(self, key: str, event: CampaignStatusChanged) -> bool:
        self.webhooks.append((key, event))
        return True


class ReadOnlyDatabase(Database):
    """Every named query runs in its own READ ONLY transaction; PostgreSQL refuses writes."""

    def __init__(self, inner: Database) -> None:
        super().__init__(inner._executor)

    @asynccontextmanager
    async def _readonly(self) -> AsyncIterator[Database]:
        async with super().connection() as conn, conn.transaction(readonly=True):
            yield Database(conn)

    async def execute(self, name: str, *args: Any) -> str:
        async with self._readonly() as db:
            return await db.execute(name, *args)

    async def fetch(self, name: str, *args: Any) -> list[Record]:
        async with self._readonly() as db:
            return await db.fetch(name, *args)

    async def fetchrow(self, name: str, *args: Any) -> Record | None:
        async with self._readonly() as db:
            return await db.fetchrow(name, *args)

    async def fetchval(self, name: str, *args: Any) -> Any:
        async with self._readonly() as db:
            return await db.fetchval(name, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        async with self._readonly() as db:
            yield db
