"""What a campaign's delivery announces: one success mail, and for A1→A2 one webhook event.

Pure: built from the tracking database's rows, so a run that finishes a transition
after a crash announces exactly what the first run would have. The dedupe key names the
fact (this campaign, this change, this set of masters): a repeat is never queued twice,
while a campaign sent back to A1 with new masters is announced again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain.campaigns import Transition
from ferrero_daemon.store.campaigns import CampaignRow
from ferrero_daemon.store.masters import MasterRow

BOX_FOLDER_URL = "https://app.box.com/folder/{id}"


@dataclass(frozen=True)
class Notice:
    key: str
    email: Email
    webhook: dict[str, Any] | None


def human_size(size: int | None) -> str:
    if size is None:
        return "unknown size"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def dedupe_key(transition: Transition, campaign_id: str, masters: Sequence[MasterRow]) -> str:
    ids = "\n".join(sorted(m.tracking_id for m in masters))
    digest = hashlib.sha256(ids.encode()).hexdigest()[:16]
    return f"{transition.workflow}:{campaign_id}:{transition.source}->{transition.target}:{digest}"


def build_notice(
    transition: Transition,
    campaign: CampaignRow,
    masters: Sequence[MasterRow],
    environment: str,
    at: datetime,
) -> Notice:
    files = [
        {
            "name": m.box_filename,
            "original_filename": m.original_filename,
            "tracking_id": m.tracking_id,
            "size_bytes": m.size_bytes,
            "size": human_size(m.size_bytes),
        }
        for m in sorted(masters, key=lambda m: m.box_filename.casefold())
    ]
    total = sum(m.size_bytes or 0 for m in masters)
    folder_id = campaign.box_folder_id or ""
    context = {
        "workflow": transition.workflow,
        "transition": transition.label,
        "old_status": transition.source,
        "new_status": transition.target,
        "campaign": _campaign(campaign),
        "files": files,
        "count": len(files),
        "total_size": human_size(total),
        "box_folder_id": folder_id,
        "box_folder_url": BOX_FOLDER_URL.format(id=folder_id) if folder_id else "",
        "environment": environment,
        "at": at.isoformat(),
    }
    subject = f"{transition.label} masters delivered: {campaign.label} ({len(files)} files)"
    email = Email(to="success", subject=subject, template="masters_delivered", context=context)
    event = _event(
        transition,
        campaign=campaign,
        count=len(files),
        total=total,
        folder_id=folder_id,
        environment=environment,
        at=at,
    )
    return Notice(dedupe_key(transition, campaign.campaign_id, masters), email, event)


def _campaign(c: CampaignRow) -> dict[str, str]:
    return {
        "id": c.campaign_id,
        "number": c.number,
        "name": c.name,
        "type": c.type,
        "brand": c.brand,
        "market": c.market,
        "label": c.label,
    }


def _event(
    transition: Transition,
    *,
    campaign: CampaignRow,
    count: int,
    total: int,
    folder_id: str,
    environment: str,
    at: datetime,
) -> dict[str, Any] | None:
    if not transition.webhook:
        return None
    return {
        "event": "campaign_status_changed",
        "workflow": transition.workflow,
        "campaign_id": campaign.campaign_id,
        "campaign_number": campaign.number,
        "campaign_name": campaign.name,
        "campaign_type": campaign.type,
        "brand": campaign.brand,
        "market": campaign.market,
        "old_status": transition.source,
        "new_status": transition.target,
        "counts": {"masters": count, "bytes": total},
        "box_folder_id": folder_id,
        "timestamp": at.isoformat(),
        "environment": environment,
    }
