"""``box_notices``: files left where someone put them, each reported once while it stays."""

from __future__ import annotations

from collections.abc import Collection

from ferrero_daemon.clients.db import Database
from ferrero_daemon.domain.values import BoxItem


class NoticeStore:
    def __init__(self, db: Database, workflow: str) -> None:
        self._db = db
        self._workflow = workflow

    async def first(self, folder_id: str, item: BoxItem) -> bool:
        """True the first time this file (under this name) is noticed in that folder."""
        found = await self._db.fetchval(
            "notice_first", self._workflow, folder_id, item.id, item.name
        )
        return found is not None

    async def forget_gone(self, folder_id: str, present: Collection[BoxItem]) -> None:
        """``folder_id`` holds ``present``: the notices of any other file there go."""
        ids = [item.id for item in present]
        names = [item.name for item in present]
        await self._db.execute("notices_forget_gone", self._workflow, folder_id, ids, names)

    async def forget_folders(self, kept: Collection[str]) -> None:
        """The sub-folders are ``kept``: the notices of any other folder go."""
        await self._db.execute("notices_forget_folders", self._workflow, list(kept))
