"""``asset_events``: the audit trail of every asset, and the daily report's source."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ferrero_daemon.store import Store

EventOutcome = Literal["ok", "failed", "skipped", "intent"]


@dataclass(frozen=True)
class AssetEvent:
    workflow: str
    event: str
    outcome: EventOutcome = "ok"
    run_id: str | None = None
    campaign_id: str | None = None
    tracking_id: str | None = None
    dam_asset_id: str | None = None
    box_file_id: str | None = None
    bytes: int | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


class EventStore(Store):
    async def record(self, e: AssetEvent) -> int:
        event_id: int = await self._db.fetchval(
            "event_record",
            e.workflow,
            e.run_id,
            e.event,
            e.outcome,
            e.campaign_id,
            e.tracking_id,
            e.dam_asset_id,
            e.box_file_id,
            e.bytes,
            json.dumps(dict(e.detail), default=str),
        )
        return event_id
