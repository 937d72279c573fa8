"""The webhook event of every campaign status change: one payload, one schema.

A1→A2, A2→A3 and A5→A6 each post a ``CampaignStatusChanged`` (B1→B2 posts none). Its
JSON form is described by ``ferrero_daemon/schemas/campaign_status_changed.schema.json``
and shown in ``deploy/README.md``. ``schema_version`` changes only when a field is
removed or changes meaning; a field added keeps the version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

SCHEMA_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class CampaignFigures:
    """The campaign as the tracking database knows it at the moment of the change."""

    masters: int  # masters delivered to the agency
    bytes: int  # their total size
    versions: int  # localised versions in the DAM
    rejected: int  # of those, sent back to the agency and not yet re-delivered


@dataclass(frozen=True, kw_only=True)
class CampaignStatusChanged:
    schema_version: int = SCHEMA_VERSION
    event: Literal["campaign_status_changed"] = "campaign_status_changed"
    workflow: str
    campaign_id: str
    campaign_number: str
    campaign_name: str
    campaign_type: str
    brand: str
    market: str
    old_status: str
    new_status: str
    counts: CampaignFigures
    box_folder_id: str | None
    timestamp: str  # ISO 8601 with its UTC offset
    environment: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
