from __future__ import annotations

from datetime import UTC, datetime

from ferrero_daemon.config import DamConfig
from ferrero_daemon.domain.campaigns import Campaign, a1_a2, b1_b2
from ferrero_daemon.domain.values import DamAsset
from ferrero_daemon.store.campaigns import CampaignRow
from ferrero_daemon.store.masters import MasterRow, MasterState
from ferrero_daemon.workflows.delivery_notice import build_mail
from ferrero_daemon.workflows.delivery_plan import UNMINTED, plan_campaign

DAM = DamConfig(base_url="http://dam", auth_url="http://dam/token", client_id="x")
A1_A2, B1_B2 = a1_a2(DAM), b1_b2(DAM)
CAMPAIGN = Campaign("f1", "C-1", "Summer", "Local comm", "Nutella", "IT", "A1", {})
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def asset(aid: str, size: int | None = 100) -> DamAsset:
    return DamAsset(aid, f"{aid}.mp4", "f1", size)


def row(aid: str, tid: str, state: MasterState = "delivered", size: int = 100) -> MasterRow:
    return MasterRow(
        tracking_id=tid,
        dam_asset_id=aid,
        workflow="a1_a2",
        campaign_id="f1",
        local_campaign_id="C-1",
        original_filename=f"{aid}.mp4",
        box_filename=f"{aid}_{tid}.mp4",
        box_folder_id="77",
        box_file_id="9" if state == "delivered" else None,
        size_bytes=size,
        sha1=None,
        state=state,
        attempts=1,
        last_error=None,
        delivered_at=None,
    )


def plan(assets: list[DamAsset], rows: list[MasterRow]):  # type: ignore[no-untyped-def]
    return plan_campaign(
        CAMPAIGN, A1_A2, assets, rows, dam=DAM, folder_id=None, where="DAM folder f1"
    )


def test_a_first_run_plans_every_master_as_new() -> None:
    p = plan([asset("a"), asset("b")], [])
    assert [m.asset.id for m in p.new] == ["a", "b"]
    assert len(p.to_deliver) == 2 and p.deliverable
    assert p.folder_name == "C-1 - Summer"
    assert p.masters[0].box_filename(A1_A2) == f"a_{UNMINTED}.mp4"


def test_a_repeat_retries_only_what_is_missing_and_reuses_tracking_ids() -> None:
    p = plan([asset("a"), asset("b")], [row("a", "TID000001"), row("b", "TID000002", "failed")])
    assert [m.asset.id for m in p.to_deliver] == ["b"]
    assert p.new == []
    assert p.to_deliver[0].box_filename(A1_A2) == "b_TID000002.mp4"


def test_a_master_without_content_blocks_the_status_change_but_not_the_others() -> None:
    p = plan([asset("a"), asset("empty", None), asset("zero", 0)], [])
    assert [m.asset.id for m in p.to_deliver] == ["a"]
    assert len(p.problems) == 2 and not p.deliverable
    assert "has no content in the DAM" in p.problems[0].reason


def test_a_delivered_master_whose_content_vanished_stays_delivered() -> None:
    p = plan([asset("a", None)], [row("a", "TID000001")])
    assert p.problems == () and p.to_deliver == [] and p.deliverable


def test_a_campaign_without_masters_is_reported_with_where_we_looked() -> None:
    p = plan([DamAsset("d", "d.mp4", "f1", 5, metadata={DAM.fields.asset_role: "Derivative"})], [])
    assert not p.deliverable
    (problem,) = p.problems
    assert "no master assets in DAM folder f1" in problem.reason


def test_the_mail_lists_each_file_in_name_order() -> None:
    campaign = CampaignRow(
        "f1", "C-1", "Summer", "Local comm", "Nutella", "IT", "A1", "77", "A2", None
    )
    masters = [row("b", "TID000002", size=2_500_000), row("a", "TID000001", size=999)]
    mail = build_mail(A1_A2, campaign, masters, "test", AT)
    assert mail.to == "success" and mail.template == "masters_delivered"
    assert [f.tracking_id for f in mail.context.files] == ["TID000001", "TID000002"]
    assert mail.context.files[1].size == "2.5 MB"
    assert mail.context.total_size == "2.5 MB"
    assert build_mail(B1_B2, campaign, masters, "test", AT).subject.startswith("B1→B2")
