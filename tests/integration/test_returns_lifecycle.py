"""The whole return trip on what A1→A2 itself recorded: masters delivered by a1_a2, the
agency's localised version back through a2_a3 with its CreativeX score, a rejection
sent back by a5_a6 into the campaign folder a1_a2 created, and the re-delivery."""

from __future__ import annotations

from typing import Any

import pytest

from ferrero_daemon.sandbox.otmm.store import Asset
from tests.returns_world import (
    FakeScorer,
    World,
    move_to_a3,
    mp4,
    scorecard,
)


@pytest.fixture
def world_options() -> dict[str, Any]:
    return {"settings": move_to_a3("every_master")}


async def test_from_delivery_to_rejection_and_back(w: World) -> None:
    f = w.fields
    campaign_id = w.otmm.create_campaign(
        "Ferrero Rocher Xmas",
        {f.campaign_status: "A1", f.campaign_type: "Local comm", f.campaign_number: "C7001",
         f.campaign_name: "Ferrero Rocher Xmas", f.brand: "Ferrero Rocher", f.market: "DE"},
    )  # fmt: skip
    w.otmm.create_asset(campaign_id, "Xmas_Spot.mp4", {f.asset_role: "Master"}, size=4096, seed=3)
    delivered = await w.run("a1_a2")
    assert delivered.failures == []
    [master] = await w.rows("SELECT tracking_id, box_folder_id FROM master_assets")
    tid = master["tracking_id"]

    # The agency localises the master and uploads it; its scorecard came first.
    name = f"FerreroRocher_DE_de_7001_OMG999_{tid}.mp4"
    assert isinstance(w.scorer, FakeScorer)
    w.scorer.cards[b"%PDF xmas"] = scorecard(name, 95.0, tier="Excellent")
    w.drop_scorecard("xmas.pdf", b"%PDF xmas")
    await w.run("creativex")
    w.upload(name, mp4(b"german cut"))
    uploaded = await w.run("a2_a3")

    assert uploaded.failures == [] and uploaded.counts == {"imported": 1, "campaigns_moved": 1}
    [derivative] = [
        n for n in w.otmm.store.nodes.values()
        if isinstance(n, Asset) and n.parent_id == campaign_id and n.metadata.get(f.asset_role) == "Derivative"
    ]  # fmt: skip
    assert derivative.metadata[f.brand] == "Ferrero Rocher"  # copied from the master
    assert derivative.metadata[f.campaign_number] == "C7001"
    assert derivative.metadata[f.creativex_score] == "95%"
    assert w.otmm.metadata(campaign_id)[f.campaign_status] == "A3"

    # Review: rejected. The file goes back into the campaign folder a1_a2 made in Box.
    w.review(derivative.id, {f.approval: "NOT APPROVED", f.comments: "Snow is too blue"})
    w.otmm.store.node(campaign_id).metadata[f.campaign_status] = "A5"
    rejected = await w.run("a5_a6")

    assert rejected.failures == []
    folder = w.subfolder(master["box_folder_id"], "REJECTED")
    assert folder is not None
    assert sorted(x.name for x in w.files(folder)) == [name, f"{name}.comments.txt"]
    assert w.otmm.metadata(campaign_id)[f.campaign_status] == "A6"

    # The agency re-delivers: a new version of the same derivative, not a second asset.
    w.upload(name, mp4(b"german cut, bluer snow fixed"))
    again = await w.run("a2_a3")
    assert again.counts == {"versioned": 1}
    assert [a.version for a in w.otmm.versions(derivative.id)] == [1, 2]
    statuses = [h["new_status"] for h in await w.webhooks()]
    assert statuses == ["A2", "A3", "A6"]
