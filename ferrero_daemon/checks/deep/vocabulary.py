"""What the daemon writes into, and compares against, each ``[dam.fields]`` field. Pure.

For each key of ``[dam.fields]``: the shape it must have (a tabular field for the
comments when ``comments_tabular``, a single value otherwise), and the values a
pick-list must hold if OTMM makes it one: the status codes the workflows search for
and write, the campaign types, the rejection value, the asset roles, the CreativeX
status we write. A field we fill with free values (tracking IDs, countries, scores)
cannot be judged as a pick-list without knowing its list: that is a "?".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ferrero_daemon.config import DamConfig, Settings
from ferrero_daemon.domain.derivatives import SCORED_STATUS


def status_codes(dam: DamConfig) -> tuple[str, ...]:
    """Every status code a workflow searches for or writes (``[dam.statuses]``)."""
    return tuple(dict.fromkeys(dam.statuses.model_dump().values()))


# Where each pick-list's expected spellings are configured.
SPELLINGS = {
    "campaign_status": "[dam.statuses]",
    "campaign_type": "[dam.values]",
    "approval": "[dam.values] rejected",
    "asset_role": "dam.master_role_value / derivative_role_value",
    "creativex_status": "[creativex] default_status",
}
# Fields read or written as plain text whose values come from elsewhere (file names,
# scorecards, the masters): a pick-list there needs a person to compare the lists.
FREE_VALUES: dict[str, str] = {
    "campaign_number": "campaign numbers typed in OTMM",
    "campaign_name": "campaign names typed in OTMM",
    "brand": "brands, copied onto derivatives",
    "market": "markets, copied onto derivatives",
    "comments": "the reviewers' comments",
    "tracking_id": "tracking IDs the daemon mints",
    "country": "country codes from the agencies' file names",
    "language": "language codes from the agencies' file names",
    "job_number": "job numbers from the agencies' file names",
    "creativex_score": "scores such as '83%' or the default",
    "creativex_guidelines": "guideline counts such as '9/11'",
}


@dataclass(frozen=True)
class Expectation:
    key: str  # the [dam.fields] key
    field_id: str
    shape: Literal["single", "tabular"]
    values: tuple[str, ...]  # what its pick-list must hold, if it has one
    free: str  # what free values go in ("" when ``values`` says it all)


def expectations(settings: Settings) -> list[Expectation]:
    dam, cx = settings.dam, settings.creativex
    f = dam.fields
    values: dict[str, tuple[str, ...]] = {
        "campaign_status": status_codes(dam),
        "campaign_type": (dam.values.local_campaign_type, dam.values.global_campaign_type),
        "approval": (dam.values.rejected,),
        "asset_role": (dam.master_role_value, dam.derivative_role_value),
        "creativex_status": (cx.default_status, SCORED_STATUS),
    }
    found = []
    for key in type(f).model_fields:
        if key == "comments_tabular":
            continue
        shape: Literal["single", "tabular"] = (
            "tabular" if key == "comments" and f.comments_tabular else "single"
        )
        free = FREE_VALUES.get(key, "")
        if key == "creativex_status":
            free = "the tier each scorecard prints ('Excellent', 'On Track', …)"
        found.append(Expectation(key, str(getattr(f, key)), shape, values.get(key, ()), free))
    return found
