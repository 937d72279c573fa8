"""``campaign_status``: the campaigns the daemon has seen, and status changes in flight.

A status change is a two-phase affair: ``mark_pending`` (the intent) before the DAM is
changed, ``complete`` (status recorded, intent cleared) after. A row still pending after
a crash tells the next run to look at the DAM and finish the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asyncpg import Record

from ferrero_daemon.clients.db import Database
from ferrero_daemon.domain.campaigns import Campaign


@dataclass(frozen=True)
class CampaignRow:
    campaign_id: str
    number: str
    name: str
    type: str
    brand: str
    market: str
    status: str
    box_folder_id: str | None
    pending_status: str | None
    status_changed_at: datetime | None

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.number, self.name) if part) or self.campaign_id


def _row(record: Record) -> CampaignRow:
    return CampaignRow(
        campaign_id=record["campaign_id"],
        number=record["campaign_number"],
        name=record["campaign_name"],
        type=record["campaign_type"],
        brand=record["brand"],
        market=record["market"],
        status=record["status"],
        box_folder_id=record["box_folder_id"],
        pending_status=record["pending_status"],
        status_changed_at=record["status_changed_at"],
    )


class CampaignStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(self, c: Campaign) -> CampaignRow:
        """Record what the DAM says of a campaign now; return the row."""
        record = await self._db.fetchrow(
            "delivery_campaign_seen", c.id, c.number, c.name, c.type, c.brand, c.market, c.status
        )
        assert record is not None
        return _row(record)

    async def get(self, campaign_id: str) -> CampaignRow | None:
        record = await self._db.fetchrow("delivery_campaign_get", campaign_id)
        return _row(record) if record else None

    async def set_box_folder(self, campaign_id: str, folder_id: str) -> None:
        await self._db.execute("delivery_campaign_set_box_folder", campaign_id, folder_id)

    async def mark_pending(self, campaign_id: str, target: str) -> None:
        await self._db.execute("delivery_campaign_mark_pending", campaign_id, target)

    async def complete(self, campaign_id: str, target: str) -> bool:
        """Record the change; False when it was recorded before (or never intended)."""
        done = await self._db.fetchval("delivery_campaign_complete", campaign_id, target)
        return done is not None

    async def clear_pending(self, campaign_id: str) -> None:
        await self._db.execute("delivery_campaign_clear_pending", campaign_id)

    async def pending(self, source: str, target: str) -> list[CampaignRow]:
        """Campaigns whose change ``source``→``target`` was started and not recorded."""
        return [_row(r) for r in await self._db.fetch("delivery_campaigns_pending", source, target)]
