"""Where a workflow's run summary mail stands: a cursor over ``asset_events``.

A summary mail covers the events after the cursor. Its range is written down (as
``pending``) in the same transaction that moves the cursor, so a crash between the
two steps neither loses the mail nor sends a second one: the next run finds the
pending range and queues it again under the same dedupe key. A run with nothing new
leaves the cursor where it is (it only ever moves forward), so each event is in
exactly one mail.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ferrero_daemon.clients.db import Database
from ferrero_daemon.store.rows import from_row
from ferrero_daemon.store.state import StateStore


@dataclass(frozen=True)
class EventRange:
    after: int
    through: int

    @property
    def key(self) -> str:
        return f"{self.after}-{self.through}"


@dataclass(frozen=True)
class SummaryEvent:
    id: int
    event: str
    campaign_id: str | None
    tracking_id: str | None
    dam_asset_id: str | None
    box_file_id: str | None
    bytes: int | None
    detail: dict[str, Any]


class AnnouncementStore:
    """One cursor per workflow and ``channel`` (``summary``: the run's success mail;
    ``attention``: its mail of files that need a person), each moving on its own."""

    def __init__(self, db: Database, workflow: str, channel: str = "summary") -> None:
        self._db = db
        self._workflow = workflow
        self._channel = channel
        self._state = StateStore(db)
        self._cursor_key = f"{channel}_cursor"
        self._pending_key = f"{channel}_pending"

    async def pending(self) -> EventRange | None:
        raw = await self._state.get(self._workflow, self._pending_key)
        return None if raw is None else EventRange(raw["after"], raw["through"])

    async def open_range(self, events: Sequence[str]) -> EventRange | None:
        """Claim every event after the cursor as the next summary's range."""
        async with self._db.transaction() as tx:
            state = StateStore(tx)
            cursor = int(await state.get(self._workflow, self._cursor_key) or 0)
            last = int(
                await tx.fetchval("returns_events_last_id", self._workflow, cursor, list(events))
            )
            if last <= cursor:
                return None  # nothing new: the cursor stays where it is
            await state.put(self._workflow, self._pending_key, {"after": cursor, "through": last})
            await state.put(self._workflow, self._cursor_key, last)
        return EventRange(cursor, last)

    async def close(self) -> None:
        await self._state.delete(self._workflow, self._pending_key)

    async def events(self, span: EventRange, events: Sequence[str]) -> list[SummaryEvent]:
        rows = await self._db.fetch(
            "returns_events_since", self._workflow, span.after, span.through, list(events)
        )
        return [from_row(SummaryEvent, r, detail=json.loads(r["detail"])) for r in rows]
