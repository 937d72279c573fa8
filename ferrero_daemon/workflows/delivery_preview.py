"""A dry run's report: each action a delivery would take, as a ``would_…`` log event and
a count, from the plan and read-only look-ups. Nothing is written anywhere."""

from __future__ import annotations

from collections.abc import Sequence

from ferrero_daemon import logs
from ferrero_daemon.clients.types import BoxClient
from ferrero_daemon.domain.campaigns import Transition
from ferrero_daemon.jobs import RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.workflows.delivery_plan import CampaignPlan
from ferrero_daemon.workflows.status_change import preview as preview_move

log = logs.get_logger(__name__)


async def preview(
    services: Services, transition: Transition, plans: Sequence[CampaignPlan], report: RunReport
) -> None:
    root = getattr(services.config.settings.box.folders, transition.workflow)
    folders: dict[str, str] | None = None
    for plan in plans:
        folder_id = plan.folder_id
        if folder_id is None and plan.to_deliver:
            folders = folders if folders is not None else await _subfolders(services.box, root)
            folder_id = folders.get(plan.folder_name.casefold())
            if folder_id is None:
                log.info(
                    "would_create_box_folder",
                    campaign=plan.campaign.id,
                    name=plan.folder_name,
                    parent=root,
                )
                report.count("would_create_folders")
        _masters(plan, transition, folder_id or f"(new, in {root})", report)
        if plan.deliverable:
            preview_move(transition.move, plan.campaign.id, report, mail=True)


async def _subfolders(box: BoxClient, root: str) -> dict[str, str]:
    # Box names are unique case-insensitively, so a folder found this way is the one
    # ensure_folder would return.
    return {i.name.casefold(): i.id for i in await box.list_folder(root) if i.type == "folder"}


def _masters(plan: CampaignPlan, transition: Transition, folder: str, report: RunReport) -> None:
    c = plan.campaign
    for master in plan.masters:
        if master.done:
            report.count("already_delivered")
            continue
        if master.row is None:
            log.info("would_mint_tracking_id", campaign=c.id, dam_asset_id=master.asset.id)
        log.info(
            "would_upload",
            campaign=c.id,
            dam_asset_id=master.asset.id,
            tracking_id=master.row.tracking_id if master.row else None,
            box_filename=master.box_filename(transition),
            box_folder=folder,
            bytes=master.asset.size,
        )
        report.count("would_deliver")
        report.count("would_bytes", master.asset.size or 0)
