"""``attention_items``: Box files set aside in a ``_needs_attention`` folder, reported once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ferrero_daemon.clients.db import Database


@dataclass(frozen=True)
class AttentionItem:
    box_file_id: str
    workflow: str
    file_name: str
    reason: str
    sha1: str | None


@dataclass(frozen=True)
class OpenItem:
    workflow: str
    file_name: str
    set_aside_at: datetime


class AttentionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_aside(self, item: AttentionItem) -> None:
        await self._db.execute(
            "attention_set_aside",
            item.box_file_id,
            item.workflow,
            item.file_name,
            item.reason,
            item.sha1,
        )

    async def reported(self, box_file_id: str) -> None:
        await self._db.execute("attention_reported", box_file_id)

    async def unreported(self, workflow: str) -> list[AttentionItem]:
        rows = await self._db.fetch("attention_unreported", workflow)
        return [
            AttentionItem(**{k: r[k] for k in AttentionItem.__dataclass_fields__}) for r in rows
        ]

    async def open_items(self, workflow: str) -> list[AttentionItem]:
        rows = await self._db.fetch("attention_open", workflow)
        return [
            AttentionItem(**{k: r[k] for k in AttentionItem.__dataclass_fields__}) for r in rows
        ]

    async def open_all(self) -> list[OpenItem]:
        """Every file still set aside, by workflow, oldest first."""
        return [OpenItem(**dict(r)) for r in await self._db.fetch("attention_open_all")]

    async def resolve(self, box_file_id: str) -> bool:
        """True when the file was set aside and now is not."""
        return await self._db.execute("attention_resolve", box_file_id) == "UPDATE 1"
