"""``attention_items``: Box files set aside in a ``_needs_attention`` folder, reported once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asyncpg import Record

from ferrero_daemon.store import Store
from ferrero_daemon.store.rows import from_row


@dataclass(frozen=True)
class AttentionItem:
    box_file_id: str
    workflow: str
    file_name: str
    reason: str
    sha1: str | None
    reported_at: datetime | None = None  # moved and mailed; None while that is pending
    attempts: int = 0  # failed tries to move it


@dataclass(frozen=True)
class FailedTry:
    attempts: int
    unreported: bool  # nobody has been told yet that it cannot be set aside


@dataclass(frozen=True)
class OpenItem:
    workflow: str
    file_name: str
    set_aside_at: datetime


class AttentionStore(Store):
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
        return _items(await self._db.fetch("attention_unreported", workflow))

    async def open_items(self, workflow: str) -> list[AttentionItem]:
        return _items(await self._db.fetch("attention_open", workflow))

    async def finish_failed(self, box_file_id: str, error: str) -> FailedTry:
        row = await self._db.fetchrow("attention_finish_failed", box_file_id, error)
        return FailedTry(row["attempts"], row["unreported"]) if row else FailedTry(0, False)

    async def failure_reported(self, box_file_id: str) -> None:
        await self._db.execute("attention_failure_reported", box_file_id)

    async def open_all(self) -> list[OpenItem]:
        """Every file still set aside, by workflow, oldest first."""
        return [OpenItem(**dict(r)) for r in await self._db.fetch("attention_open_all")]

    async def resolve(self, box_file_id: str) -> bool:
        """True when the file was set aside and now is not."""
        return await self._db.execute("attention_resolve", box_file_id) == "UPDATE 1"


def _items(rows: list[Record]) -> list[AttentionItem]:
    return [from_row(AttentionItem, r) for r in rows]
