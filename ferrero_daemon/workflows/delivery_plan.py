"""The plan of one campaign's delivery, decided from reads alone (no I/O here).

``plan_campaign`` takes what the DAM, Box and the tracking database say and decides,
per master: already delivered, to deliver (again), or blocked (no content). The
workflow then acts on the plan, or, in a dry run, only reports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ferrero_daemon.config import DamConfig
from ferrero_daemon.domain import box_names
from ferrero_daemon.domain.campaigns import Campaign, Transition, has_content, select_masters
from ferrero_daemon.domain.failures import Failure
from ferrero_daemon.domain.values import DamAsset
from ferrero_daemon.store.masters import MasterRow

UNMINTED = "?" * 9  # stands for the tracking ID a dry run does not mint


@dataclass(frozen=True)
class MasterPlan:
    asset: DamAsset
    row: MasterRow | None  # None: first sight, a tracking ID is still to be minted

    @property
    def done(self) -> bool:
        return self.row is not None and self.row.delivered

    def box_filename(self, transition: Transition) -> str:
        if self.row is not None:
            return self.row.box_filename
        return box_names.master_file_name(self.asset.name, UNMINTED, transition.file_prefix)


@dataclass(frozen=True)
class CampaignPlan:
    campaign: Campaign
    transition: Transition
    masters: tuple[MasterPlan, ...]
    problems: tuple[Failure, ...]
    folder_name: str
    folder_id: str | None  # the campaign's Box sub-folder, when it exists already

    @property
    def to_deliver(self) -> list[MasterPlan]:
        return [m for m in self.masters if not m.done]

    @property
    def new(self) -> list[MasterPlan]:
        return [m for m in self.masters if m.row is None]

    @property
    def deliverable(self) -> bool:
        """Once its masters are delivered, nothing blocks the status change."""
        return bool(self.masters) and not self.problems


def plan_campaign(
    campaign: Campaign,
    transition: Transition,
    assets: Sequence[DamAsset],
    rows: Sequence[MasterRow],
    *,
    dam: DamConfig,
    folder_id: str | None,
    where: str,
) -> CampaignPlan:
    """Decide what to do for each master of ``campaign``; ``where`` names the DAM folder read."""
    by_asset: Mapping[str, MasterRow] = {r.dam_asset_id: r for r in rows}
    masters: list[MasterPlan] = []
    problems: list[Failure] = []
    for asset in select_masters(assets, dam):
        row = by_asset.get(asset.id)
        if row is None or not row.delivered:
            problem = _content_problem(campaign, asset)
            if problem:
                problems.append(problem)
                continue
        masters.append(MasterPlan(asset, row))
    if not masters and not problems:
        problems.append(_no_masters(campaign, transition, dam, where))
    folder = box_names.campaign_folder_name(campaign.number, campaign.name, campaign.id)
    return CampaignPlan(campaign, transition, tuple(masters), tuple(problems), folder, folder_id)


def _content_problem(campaign: Campaign, asset: DamAsset) -> Failure | None:
    if has_content(asset):
        return None
    return Failure(
        f"{campaign.label} / {asset.name}",
        f"master {asset.name!r} (DAM asset {asset.id}) has no content in the DAM; "
        "upload its file in OTMM and the next run delivers it",
    )


def _no_masters(campaign: Campaign, transition: Transition, dam: DamConfig, where: str) -> Failure:
    return Failure(
        campaign.label,
        f"campaign {campaign.label} (DAM folder {campaign.id}) is at {transition.source} but "
        f"has no master assets in {where} (an asset counts as a master when its "
        f"{dam.fields.asset_role} is {dam.master_role_value!r} or empty); add the masters "
        "in OTMM, or take the campaign off "
        f"{transition.source}",
    )
