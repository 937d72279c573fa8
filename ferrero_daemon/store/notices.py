"""``box_notices``: files left where someone put them, each reported once."""

from __future__ import annotations

from ferrero_daemon.clients.db import Database


class NoticeStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def first(self, workflow: str, box_file_id: str, file_name: str) -> bool:
        """True the first time this file (under this name) is noticed, False after."""
        found = await self._db.fetchval("notice_first", workflow, box_file_id, file_name)
        return found is not None
