"""``master_assets``: one row per master delivered (or being delivered) to an agency.

The row is written, with its tracking ID and Box name, before any byte moves; its
``state`` then goes ``pending`` → ``uploading`` (one per attempt) → ``delivered``, or
``failed`` (retried by the next run). ``metadata`` is what A2→A3 needs later::

    {"fields":   {<DAM field id>: <value>, ...},   # derivative_field_map keys, brand, market, ...
     "campaign": {"id", "number", "name", "type", "brand", "market"},
     "asset":    {"name", "mime_type", "version"}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from asyncpg import Record

from ferrero_daemon.clients.db import Database
from ferrero_daemon.store.rows import from_row

MasterState = Literal["pending", "uploading", "delivered", "failed"]


@dataclass(frozen=True)
class NewMaster:
    tracking_id: str
    dam_asset_id: str
    campaign_id: str
    campaign_number: str
    original_filename: str
    box_filename: str
    size_bytes: int | None
    metadata: Mapping[str, Any]


@dataclass(frozen=True)
class MasterRow:
    tracking_id: str
    dam_asset_id: str
    workflow: str
    campaign_id: str
    local_campaign_id: str
    original_filename: str
    box_filename: str
    box_folder_id: str | None
    box_file_id: str | None
    size_bytes: int | None
    sha1: str | None
    state: MasterState
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def delivered(self) -> bool:
        return self.state == "delivered"


def _row(r: Record) -> MasterRow:
    return from_row(MasterRow, r, metadata=json.loads(r["metadata"]))


class MasterStore:
    def __init__(self, db: Database, workflow: str) -> None:
        self._db = db
        self._workflow = workflow

    async def for_campaign(self, campaign_id: str) -> list[MasterRow]:
        rows = await self._db.fetch("delivery_masters_for_campaign", self._workflow, campaign_id)
        return [_row(r) for r in rows]

    async def plan(self, m: NewMaster) -> bool:
        """Insert a planned master; False when its asset (or, rarely, its ID) is taken."""
        inserted = await self._db.fetchval(
            "delivery_master_plan",
            m.tracking_id,
            m.dam_asset_id,
            self._workflow,
            m.campaign_id,
            m.campaign_number,
            m.original_filename,
            m.box_filename,
            m.size_bytes,
            json.dumps(dict(m.metadata), default=str),
        )
        return inserted is not None

    async def start(
        self, tracking_id: str, box_folder_id: str, size: int, metadata: Mapping[str, Any]
    ) -> int | None:
        """Record an attempt (the intent); its number, or None if already delivered."""
        attempts: int | None = await self._db.fetchval(
            "delivery_master_start",
            tracking_id,
            box_folder_id,
            size,
            json.dumps(dict(metadata), default=str),
        )
        return attempts

    async def delivered(self, tracking_id: str, box_file_id: str, size: int, sha1: str) -> None:
        await self._db.execute("delivery_master_delivered", tracking_id, box_file_id, size, sha1)

    async def failed(self, tracking_id: str, reason: str) -> None:
        await self._db.execute("delivery_master_failed", tracking_id, reason)
