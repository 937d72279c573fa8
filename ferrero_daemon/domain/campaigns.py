"""Campaigns and their masters: which qualify for a delivery, and what we keep of them.

Pure rules, no I/O. The four status moves (``StatusMove``) go through one protocol
(``workflows/status_change.py``). The two delivery workflows differ only in a ``Transition``:

- A1→A2: local campaigns (type ``Local comm``) at A1 → the A1→A2 Box folder, webhook.
- B1→B2: global campaigns (type ``Global comm``) at B1 → the B1→B2 Box folder, the
  ``MASTERS_`` prefix, no webhook.

The codes and the type spellings are configuration (``[dam.statuses]``, ``[dam.values]``);
the values above are their defaults.

DAM values are compared tolerantly (outer spaces, case, inner runs of spaces): the
status search is token-based (``A1`` also matches ``A10``), so the workflow filters
exactly here, and pick-list codes are typed by people.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ferrero_daemon.config import DamConfig, DamFields
from ferrero_daemon.domain.values import DamAsset, DamFolder, FieldValue, Metadata, field_texts
from ferrero_daemon.errors import InvalidInputError

Verdict = Literal["deliver", "wrong_status", "wrong_type"]


@dataclass(frozen=True)
class StatusMove:
    """One of the four campaign moves the daemon makes in the DAM, and whether it is
    announced to the webhook (every move but B1→B2)."""

    workflow: str
    source: str
    target: str
    webhook: bool

    @property
    def label(self) -> str:
        return f"{self.source}→{self.target}"


def a2_a3_move(dam: DamConfig) -> StatusMove:
    return StatusMove("a2_a3", dam.statuses.a2, dam.statuses.a3, webhook=True)


def a5_a6_move(dam: DamConfig) -> StatusMove:
    return StatusMove("a5_a6", dam.statuses.a5, dam.statuses.a6, webhook=True)


def moved_meanwhile(move: StatusMove, label: str, campaign_id: str, status: str) -> str:
    """The one wording, for every move, of a campaign someone else moved meanwhile."""
    return (
        f"campaign {label} (DAM folder {campaign_id}) is now at {status or 'no status'}, "
        f"not {move.source}: someone else changed it meanwhile, so the daemon left it alone; "
        f"set it back to {move.source} in OTMM to have {move.workflow} move it to {move.target}"
    )


@dataclass(frozen=True)
class Transition:
    """One delivery step: who qualifies, where the masters go, what is announced."""

    workflow: Literal["a1_a2", "b1_b2"]
    source: str
    target: str
    campaign_type: str
    # [I] The A codes are the local track; installations that leave the type empty on
    # local campaigns exist in the old scripts' data, so A1→A2 accepts an empty type.
    # Global delivery is stricter: B1 without `Global comm` is left alone.
    accept_untyped: bool
    file_prefix: str
    webhook: bool

    @property
    def label(self) -> str:
        return f"{self.source}→{self.target}"

    @property
    def move(self) -> StatusMove:
        return StatusMove(self.workflow, self.source, self.target, self.webhook)


def a1_a2(dam: DamConfig) -> Transition:
    codes, values = dam.statuses, dam.values
    return Transition("a1_a2", codes.a1, codes.a2, values.local_campaign_type, True, "", True)


def b1_b2(dam: DamConfig) -> Transition:
    # [I] The checklist says "MASTERS_ prefix used" without saying on what; we put it on
    # each file name, where it survives a file being moved out of its folder.
    codes, values = dam.statuses, dam.values
    return Transition(
        "b1_b2", codes.b1, codes.b2, values.global_campaign_type, False, "MASTERS_", False
    )


@dataclass(frozen=True)
class CampaignFacts:
    """What the DAM says a campaign is, as the daemon reads it and records it."""

    id: str
    number: str
    name: str
    type: str
    brand: str
    market: str
    status: str

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.number, self.name) if part) or self.id


@dataclass(frozen=True)
class Campaign(CampaignFacts):
    """A campaign folder read from the DAM, with all its metadata."""

    metadata: Metadata


def same_code(value: str, expected: str) -> bool:
    return _normal(value) == _normal(expected)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def scalar(metadata: Metadata, field_id: str, what: str) -> str:
    """A single-valued field as text (``""`` when empty); several values are an error."""
    values = field_texts(metadata.get(field_id))
    if len(values) > 1:
        raise InvalidInputError(
            f"{what} field {field_id} holds {len(values)} values {values!r}; expected one"
        )
    return values[0] if values else ""


def read_campaign(folder: DamFolder, fields: DamFields) -> Campaign:
    """The campaign a DAM folder describes; ``InvalidInputError`` when its fields are unusable."""
    what = f"campaign folder {folder.id}"
    meta = folder.metadata
    return Campaign(
        id=folder.id,
        number=scalar(meta, fields.campaign_number, what),
        name=scalar(meta, fields.campaign_name, what) or folder.name.strip(),
        type=scalar(meta, fields.campaign_type, what),
        brand=scalar(meta, fields.brand, what),
        market=scalar(meta, fields.market, what),
        status=scalar(meta, fields.campaign_status, what),
        metadata=meta,
    )


def verdict(campaign: Campaign, transition: Transition) -> Verdict:
    if not same_code(campaign.status, transition.source):
        return "wrong_status"
    if same_code(campaign.type, transition.campaign_type):
        return "deliver"
    if transition.accept_untyped and not campaign.type:
        return "deliver"
    return "wrong_type"


def is_master(asset: DamAsset, dam: DamConfig) -> bool:
    """A master carries the master role, or no role at all.

    [I] At A1/B1 a campaign folder holds only masters, and not every installation fills
    the role field; an asset with any other role (a returned derivative) is not a master.
    """
    roles = field_texts(asset.metadata.get(dam.fields.asset_role))
    if not roles:
        return True
    return any(same_code(role, dam.master_role_value) for role in roles)


def select_masters(assets: Iterable[DamAsset], dam: DamConfig) -> list[DamAsset]:
    """The masters among a folder's assets, in a stable order (name, then id)."""
    masters = [a for a in assets if is_master(a, dam)]
    return sorted(masters, key=lambda a: (a.name.casefold(), a.id))


def has_content(asset: DamAsset) -> bool:
    return bool(asset.size)


def master_metadata(asset: DamAsset, campaign: Campaign, dam: DamConfig) -> dict[str, object]:
    """What A2→A3 needs of a master: the fields it copies (``derivative_field_map`` keys,
    plus brand, market and the campaign fields), each from the master or else from the
    campaign folder, and the campaign itself."""
    f = dam.fields
    wanted = [*dam.derivative_field_map, f.brand, f.market, f.campaign_number, f.campaign_name]
    values: dict[str, FieldValue] = {}
    for field_id in dict.fromkeys(wanted):
        value = _first_filled(asset.metadata.get(field_id), campaign.metadata.get(field_id))
        values[field_id] = list(value) if isinstance(value, list) else value
    return {
        "fields": values,
        "campaign": campaign_summary(campaign),
        "asset": {"name": asset.name, "mime_type": asset.mime_type, "version": asset.version},
    }


def campaign_summary(campaign: Campaign) -> dict[str, str]:
    return {
        "id": campaign.id,
        "number": campaign.number,
        "name": campaign.name,
        "type": campaign.type,
        "brand": campaign.brand,
        "market": campaign.market,
    }


def _first_filled(*values: FieldValue) -> FieldValue:
    for value in values:
        if value not in (None, "", []):
            return value
    return None
