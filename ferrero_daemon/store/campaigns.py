"""``campaign_status``: the campaigns the daemon has seen, and status changes in flight.

One row type for every workflow. A status change (any of the four moves) is a two-phase
affair: ``mark_pending`` (the intent) before the DAM is changed, ``complete`` (status
recorded, intent cleared) after. A row still pending after a crash tells the next run to
look at the DAM and finish the job (``workflows/status_change.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from asyncpg import Record

from ferrero_daemon.domain.campaigns import Campaign, CampaignFacts
from ferrero_daemon.domain.status_event import CampaignFigures
from ferrero_daemon.store import Store
from ferrero_daemon.store.rows import from_row


@dataclass(frozen=True)
class CampaignRow(CampaignFacts):
    """What the daemon recorded of a campaign, and the status change it has in flight."""

    box_folder_id: str | None
    pending_status: str | None
    status_changed_at: datetime | None


def _row(record: Record) -> CampaignRow:
    return from_row(
        CampaignRow,
        record,
        id=record["campaign_id"],
        number=record["campaign_number"],
        name=record["campaign_name"],
        type=record["campaign_type"],
    )


class CampaignStore(Store):
    async def seen(self, c: Campaign) -> CampaignRow:
        """Record what the DAM says of a campaign now; return the row."""
        record = await self._db.fetchrow(
            "campaign_seen", c.id, c.number, c.name, c.type, c.brand, c.market, c.status
        )
        assert record is not None
        return _row(record)

    async def get(self, campaign_id: str) -> CampaignRow | None:
        record = await self._db.fetchrow("campaign_get", campaign_id)
        return _row(record) if record else None

    async def set_box_folder(self, campaign_id: str, folder_id: str) -> None:
        await self._db.execute("campaign_set_box_folder", campaign_id, folder_id)

    async def box_folder(self, campaign_id: str) -> str | None:
        """The campaign's sub-folder of the A1→A2 Box folder, as a1_a2 recorded it."""
        folder: str | None = await self._db.fetchval("campaign_box_folder", campaign_id)
        return folder

    async def mark_pending(self, campaign_id: str, target: str) -> None:
        await self._db.execute("campaign_mark_pending", campaign_id, target)

    async def complete(self, campaign_id: str, target: str) -> bool:
        """Record the change; False when it was recorded before (or never intended)."""
        done = await self._db.fetchval("campaign_complete", campaign_id, target)
        return done is not None

    async def moved_elsewhere(self, campaign_id: str, status: str) -> None:
        """Someone else moved the campaign: keep the DAM's status, drop the intent."""
        await self._db.execute("campaign_moved_elsewhere", campaign_id, status)

    async def pending(self, source: str, target: str) -> list[CampaignRow]:
        """Campaigns whose change ``source``→``target`` was started and not recorded."""
        return [_row(r) for r in await self._db.fetch("campaigns_pending", source, target)]

    async def due_a3(self, a2: str, *, every_master: bool) -> list[CampaignRow]:
        """Campaigns at ``a2`` (the configured A2 code) with a localised version in the DAM
        (for each master, if asked)."""
        return [_row(r) for r in await self._db.fetch("campaigns_due_a3", a2, every_master)]

    async def figures(self, campaign_id: str) -> CampaignFigures:
        r = await self._db.fetchrow("campaign_figures", campaign_id)
        assert r is not None
        return CampaignFigures(
            masters=r["masters"], bytes=r["bytes"], versions=r["versions"], rejected=r["rejected"]
        )

    async def changes_before(self, campaign_id: str, source: str, target: str) -> int:
        """How often the campaign made this move before (a campaign sent back repeats it)."""
        count: int = await self._db.fetchval("campaign_status_changes", campaign_id, source, target)
        return count
