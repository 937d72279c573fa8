"""A dry run's report: each action a delivery would take, as a ``would_…`` log event and
a count, from the plan and read-only look-ups. Nothing is written anywhere.

``actions`` lists them (``check --deep --campaign`` prints the same list); ``preview``
logs and counts them for ``trigger --dry-run``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ferrero_daemon import logs
from ferrero_daemon.clients.types import BoxClient
from ferrero_daemon.domain.campaigns import Transition
from ferrero_daemon.jobs import RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.workflows.delivery_plan import CampaignPlan
from ferrero_daemon.workflows.status_change import preview as preview_move

log = logs.get_logger(__name__)
MOVE_EVENTS = frozenset({"would_email", "would_webhook"})  # logged by ``preview_move``


@dataclass(frozen=True)
class Would:
    """One action of a delivery: its event name and the fields it would be logged with."""

    event: str
    fields: Mapping[str, Any]


async def preview(
    services: Services, transition: Transition, plans: Sequence[CampaignPlan], report: RunReport
) -> None:
    for would in await actions(services, transition, plans):
        if would.event == "would_set_status":  # the one account of a move, every workflow's
            preview_move(transition.move, would.fields["campaign"], report, mail=True)
            continue
        if would.event.startswith("would_") and would.event not in MOVE_EVENTS:
            log.info(would.event, **would.fields)
        if would.event == "would_create_box_folder":
            report.count("would_create_folders")
        elif would.event == "already_delivered":
            report.count("already_delivered")
        elif would.event == "would_upload":
            report.count("would_deliver")
            report.count("would_bytes", would.fields.get("bytes") or 0)


async def actions(
    services: Services, transition: Transition, plans: Sequence[CampaignPlan]
) -> list[Would]:
    """What a delivery would do for each plan, in order, from read-only look-ups."""
    root = getattr(services.config.settings.box.folders, transition.workflow)
    folders: dict[str, str] | None = None
    found: list[Would] = []
    for plan in plans:
        folder_id = plan.folder_id
        if folder_id is None and plan.to_deliver:
            folders = folders if folders is not None else await _subfolders(services.box, root)
            folder_id = folders.get(plan.folder_name.casefold())
            if folder_id is None:
                found.append(
                    Would(
                        "would_create_box_folder",
                        {"campaign": plan.campaign.id, "name": plan.folder_name, "parent": root},
                    )
                )
        found += _masters(plan, transition, folder_id or f"(new, in {root})")
        if plan.deliverable:
            found += _status(plan, transition)
    return found


async def _subfolders(box: BoxClient, root: str) -> dict[str, str]:
    # Box names are unique case-insensitively, so a folder found this way is the one
    # ensure_folder would return.
    return {i.name.casefold(): i.id for i in await box.list_folder(root) if i.type == "folder"}


def _masters(plan: CampaignPlan, transition: Transition, folder: str) -> list[Would]:
    c = plan.campaign
    found: list[Would] = []
    for master in plan.masters:
        if master.done:
            fields = {"campaign": c.id, "name": master.asset.name}
            found.append(
                Would(
                    "already_delivered", fields | {"box_filename": master.box_filename(transition)}
                )
            )
            continue
        if master.row is None:
            found.append(
                Would("would_mint_tracking_id", {"campaign": c.id, "dam_asset_id": master.asset.id})
            )
        upload = {
            "campaign": c.id,
            "dam_asset_id": master.asset.id,
            "name": master.asset.name,
            "tracking_id": master.row.tracking_id if master.row else None,
            "box_filename": master.box_filename(transition),
            "box_folder": folder,
            "bytes": master.asset.size,
        }
        found.append(Would("would_upload", upload))
    return found


def _status(plan: CampaignPlan, transition: Transition) -> list[Would]:
    c, move = plan.campaign, transition.move
    found = [
        Would("would_set_status", {"campaign": c.id, "old": move.source, "new": move.target}),
        Would("would_email", {"campaign": c.id, "to": "success", "template": "masters_delivered"}),
    ]
    if move.webhook:
        found.append(
            Would("would_webhook", {"campaign": c.id, "webhook_event": "campaign_status_changed"})
        )
    return found
