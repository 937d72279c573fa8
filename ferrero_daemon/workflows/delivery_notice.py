"""The mail a campaign's delivery sends with its status change: "masters delivered".

Pure: built from the tracking database's rows, so a run that finishes a transition
after a crash announces exactly what the first run would have. The status change,
its webhook event and the dedupe key are ``status_change.py``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain.campaigns import Transition
from ferrero_daemon.domain.mails import CampaignInfo, DeliveredFile, MastersDeliveredMail
from ferrero_daemon.domain.sizes import human_size
from ferrero_daemon.store.campaigns import CampaignRow
from ferrero_daemon.store.masters import MasterRow

BOX_FOLDER_URL = "https://app.box.com/folder/{id}"


def build_mail(
    transition: Transition,
    campaign: CampaignRow,
    masters: Sequence[MasterRow],
    environment: str,
    at: datetime,
) -> Email:
    files = [
        DeliveredFile(
            name=m.box_filename,
            original_filename=m.original_filename,
            tracking_id=m.tracking_id,
            size_bytes=m.size_bytes,
            size=human_size(m.size_bytes),
        )
        for m in sorted(masters, key=lambda m: m.box_filename.casefold())
    ]
    total = sum(m.size_bytes or 0 for m in masters)
    folder_id = campaign.box_folder_id or ""
    context = MastersDeliveredMail(
        workflow=transition.workflow,
        transition=transition.label,
        old_status=transition.source,
        new_status=transition.target,
        campaign=_campaign(campaign),
        files=files,
        count=len(files),
        total_size=human_size(total),
        box_folder_id=folder_id,
        box_folder_url=BOX_FOLDER_URL.format(id=folder_id) if folder_id else "",
        environment=environment,
        at=at.isoformat(),
    )
    subject = f"{transition.label} masters delivered: {campaign.label} ({len(files)} files)"
    return Email(to="success", subject=subject, context=context)


def _campaign(c: CampaignRow) -> CampaignInfo:
    return CampaignInfo(
        id=c.id,
        number=c.number,
        name=c.name,
        type=c.type,
        brand=c.brand,
        market=c.market,
        label=c.label,
    )
