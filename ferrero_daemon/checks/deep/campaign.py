"""Probe: a sample campaign (``--campaign ID``) read and planned as the workflows would.

The delivery workflow's own planning runs over read-only services (``Delivery.plan``
and ``delivery_preview.actions``, the code ``trigger --dry-run`` runs): its masters are
found and told from other assets by ``dam.fields.asset_role``, and what A1→A2 or
B1→B2 would deliver is listed under the Box names it would use (``?????????`` stands for
a tracking ID not minted yet). A campaign at another status is planned all the same,
and the line says the workflow would leave it alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from ferrero_daemon.checks.deep.context import DeepContext
from ferrero_daemon.checks.deep.findings import Finding, fail, ok, unknown
from ferrero_daemon.config import DamConfig
from ferrero_daemon.domain.campaigns import (
    Campaign,
    Transition,
    a1_a2,
    b1_b2,
    is_master,
    read_campaign,
    same_code,
    verdict,
)
from ferrero_daemon.errors import FerreroError
from ferrero_daemon.jobs import RunContext
from ferrero_daemon.workflows.delivery import Delivery
from ferrero_daemon.workflows.delivery_plan import CampaignPlan
from ferrero_daemon.workflows.delivery_preview import Would, actions

NAME = "sample campaign"
ASSUMED = "its masters are found and planned as A1→A2 / B1→B2 would, under their Box names"


def transition_for(campaign: Campaign, dam: DamConfig) -> Transition:
    global_track = b1_b2(dam)
    if same_code(campaign.status, global_track.source) or same_code(
        campaign.type, global_track.campaign_type
    ):
        return global_track
    return a1_a2(dam)


async def probe(ctx: DeepContext) -> list[Finding]:
    if not ctx.campaign_id:
        codes = ctx.settings.dam.statuses
        hint = (
            "run `ferrero-daemon check --deep --campaign <DAM folder id>` with a campaign "
            f"at {codes.a1} or {codes.b1}"
        )
        return [unknown(NAME, ASSUMED, "no --campaign given", hint)]
    services = await ctx.services()
    try:
        folder = await services.dam.get_folder(ctx.campaign_id)
        campaign = read_campaign(folder, ctx.settings.dam.fields)
    except FerreroError as exc:
        return [fail(NAME, ASSUMED, str(exc), "check the campaign's DAM folder id and fields")]
    transition = transition_for(campaign, ctx.settings.dam)
    run = RunContext(transition.workflow, "check-deep", "manual", True, services.clock)
    delivery = Delivery(services, run, transition)
    plan = await delivery.plan(campaign)
    if plan is None:
        reasons = "; ".join(f.reason for f in delivery.report.failures)
        hint = (
            "a1_a2/b1_b2 would fail on it the same way: fix what the reason names (a [dam.wire] "
            "line above may name the setting), then check again"
        )
        return [fail(NAME, ASSUMED, reasons, hint)]
    assets, _where = await delivery.assets(campaign)
    others = [a.name for a in assets if not is_master(a, ctx.settings.dam)]
    planned = await actions(services, transition, [plan])
    details = [_masters_line(plan, others)]
    details += [_line(w) for w in planned if w.event not in _left_out(campaign, transition)]
    if verdict(campaign, transition) != "deliver":
        details.append(f"would leave its status ({campaign.status or 'none'}) alone")
    seen = f"{campaign.label}: {_verdict(campaign, transition)}"
    if plan.problems:
        hint = "; ".join(p.reason for p in plan.problems)
        return [Finding(NAME, "fail", ASSUMED, seen, hint, {}, tuple(details))]
    return [ok(NAME, ASSUMED, seen, details)]


def _left_out(campaign: Campaign, t: Transition) -> frozenset[str]:
    """Actions not shown: the minting (the ``?????????`` says it), and the status move and
    its announcements of a campaign the workflow does not pick up."""
    if verdict(campaign, t) == "deliver":
        return frozenset({"would_mint_tracking_id"})
    return frozenset({"would_mint_tracking_id", "would_set_status", "would_email", "would_webhook"})


def _verdict(campaign: Campaign, t: Transition) -> str:
    kind = verdict(campaign, t)
    where = f"at {campaign.status or '(no status)'}, type {campaign.type or '(none)'!r}"
    if kind == "deliver":
        return f"{where}: {t.label} delivers it"
    if kind == "wrong_type":
        return f"{where}: {t.label} leaves it alone (only {t.campaign_type!r})"
    return f"{where}: {t.label} acts at {t.source} only; planned as if it were"


def _size(size: int | None) -> str:
    return "no content" if not size else f"{size / 2**20:.1f} MB"


def _masters_line(plan: CampaignPlan, others: Sequence[str]) -> str:
    masters = ", ".join(f"{m.asset.name} ({_size(m.asset.size)})" for m in plan.masters)
    line = f"masters: {masters or 'none'}"
    return line + (f"; not masters: {', '.join(others)}" if others else "")


def _line(would: Would) -> str:
    f = would.fields
    if would.event == "would_create_box_folder":
        return f"would create Box folder {f['name']!r} in {f['parent']}"
    if would.event == "would_upload":
        return (
            f"would upload {f['name']} ({_size(f['bytes'])}) as {f['box_filename']!r} "
            f"into {f['box_folder']}"
        )
    if would.event == "already_delivered":
        return f"already delivered: {f['name']} as {f['box_filename']!r}"
    if would.event == "would_set_status":
        return f"would set the DAM status {f['old']}→{f['new']}"
    if would.event == "would_email":
        return f"would mail the {f['to']} list ({f['template']})"
    return f"would call the webhook ({f.get('webhook_event', '')})"
