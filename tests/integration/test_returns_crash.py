"""Each return workflow killed at every step and started again: every asset arrives once,
no Box file is lost, no mail or webhook goes out twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from ferrero_daemon.sandbox.box.content import MemoryContent
from tests.crash import Fuse, Killed, every_step, fused
from tests.returns_world import (
    CampaignRef,
    FakeScorer,
    World,
    move_to_a3,
    mp4,
    scorecard,
)

Scenario = Callable[[World], Awaitable[CampaignRef]]
Check = Callable[[World, CampaignRef], Awaitable[None]]


@pytest.fixture
def world_options() -> dict[str, Any]:
    return {"settings": move_to_a3("every_master")}


def agency_name(tid: str, country: str = "DE", language: str = "de") -> str:
    return f"Nutella_{country}_{language}_123_OMG999_{tid}.mp4"


async def crash_at_every_step(w: World, job: str, scenario: Scenario, check: Check) -> list[str]:
    async def fresh() -> CampaignRef:
        await w.reset()
        return await scenario(w)

    async def run(fuse: Fuse | None) -> object:
        return await w.run(job, services=fused(w.services, fuse) if fuse else None)

    return await every_step(fresh, run, lambda campaign: check(w, campaign))


async def upload_scenario(w: World) -> CampaignRef:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid), mp4(b"localised bytes"))
    w.upload("holiday.mov", b"not ours")
    return campaign


async def upload_check(w: World, campaign: CampaignRef) -> None:
    assert len(w.derivatives(campaign, latest=False)) == 1
    assert w.files(w.folders["a2_a3"]) == []
    attention = w.attention_folder("a2_a3")
    assert attention is not None and [f.name for f in w.files(attention)] == ["holiday.mov"]
    [row] = await w.rows("SELECT state FROM derivative_assets")
    assert row["state"] == "imported"
    [summary] = await w.emails("a2_a3_uploads")
    assert len(summary.context["uploads"]) == 1
    assert len(await w.emails("needs_attention_digest")) == 1
    assert [h["new_status"] for h in await w.webhooks()] == ["A3"]
    assert w.status(campaign) == "A3"
    changes = await w.rows("SELECT 1 FROM asset_events WHERE event = 'campaign_status_changed'")
    assert len(changes) == 1
    assert [r["pending_status"] for r in await w.rows("SELECT * FROM campaign_status")] == [None]


async def test_a2_a3_survives_a_crash_at_every_step(w: World) -> None:
    steps = await crash_at_every_step(w, "a2_a3", upload_scenario, upload_check)
    assert "dam.import_asset" in steps and "box.delete" in steps and "box.move" in steps
    assert "dam.update_folder_metadata" in steps  # the A2→A3 move, through status_change.py


async def unchanged_scenario(w: World) -> CampaignRef:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid), mp4(b"the cut"))
    await w.run("a2_a3")
    w.upload(agency_name(tid), mp4(b"the cut"))  # the agency sends the same file again
    return campaign


async def unchanged_check(w: World, campaign: CampaignRef) -> None:
    assert len(w.derivatives(campaign, latest=False)) == 1
    assert w.files(w.folders["a2_a3"]) == []
    assert w.attention_folder("a2_a3") is None
    events = await w.rows("SELECT 1 FROM asset_events WHERE event = 'derivative_unchanged'")
    assert len(events) == 1, "the re-upload's Box file went without its one event"
    mails = await w.emails("a2_a3_uploads")
    assert [len(m.context["unchanged"]) for m in mails] == [0, 1]


async def test_an_identical_re_upload_survives_a_crash_at_every_step(w: World) -> None:
    steps = await crash_at_every_step(w, "a2_a3", unchanged_scenario, unchanged_check)
    assert "box.delete" in steps and "dam.import_asset" not in steps


async def test_a_file_changed_after_its_import_was_recorded_is_imported_not_deleted(
    w: World,
) -> None:
    async def upload() -> tuple[CampaignRef, str]:
        await w.reset()
        campaign = await w.campaign("A2")
        return campaign, w.upload(agency_name(await w.master(campaign)), mp4(b"first cut"))

    probe = Fuse()
    await upload()
    await w.run("a2_a3", services=fused(w.services, probe))
    campaign, file_id = await upload()
    recorded = probe.steps.index("box.delete")  # the step before it records the import
    with pytest.raises(Killed):
        await w.run("a2_a3", services=fused(w.services, Fuse(recorded)))
    store = w.boxe.store
    store.new_version(store.file(file_id), MemoryContent(mp4(b"second cut")))  # agency fixes it

    await w.run("a2_a3")

    assert [a.version for a in w.derivatives(campaign, latest=False)] == [1, 2]
    [latest] = w.derivatives(campaign)
    assert await w.dam_bytes(latest.id) == mp4(b"second cut")


async def scoring_scenario(w: World) -> CampaignRef:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid))
    await w.run("a2_a3")
    assert isinstance(w.scorer, FakeScorer)
    w.scorer.cards[b"%PDF crash"] = scorecard(agency_name(tid), 88.0)
    w.drop_scorecard("score.pdf", b"%PDF crash")
    return campaign


async def scoring_check(w: World, campaign: CampaignRef) -> None:
    assert len(await w.rows("SELECT * FROM creativex_scores")) == 1
    assert w.files(w.folders["creativex"]) == []
    [asset] = w.derivatives(campaign)
    assert asset.metadata[w.fields.creativex_score] == "88%"
    [mail] = await w.emails("creativex_scores")
    assert len(mail.context["scores"]) == 1 and len(mail.context["written"]) == 1


async def test_creativex_survives_a_crash_at_every_step(w: World) -> None:
    steps = await crash_at_every_step(w, "creativex", scoring_scenario, scoring_check)
    assert "dam.update_asset_metadata" in steps and "box.delete" in steps


async def rejection_scenario(w: World) -> CampaignRef:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid), mp4(b"DE cut"))
    w.upload(agency_name(tid, "FR", "fr"), mp4(b"FR cut"))
    await w.run("a2_a3")
    for asset in w.derivatives(campaign):
        verdict = "NOT APPROVED" if asset.metadata[w.fields.country] == "DE" else "APPROVED"
        w.review(asset.id, {w.fields.approval: verdict, w.fields.comments: "Logo"})
    w.set_status(campaign, "A5")
    return campaign


async def rejection_check(w: World, campaign: CampaignRef) -> None:
    rejected = w.subfolder(campaign.box_folder_id, "REJECTED")
    assert rejected is not None
    files = sorted(f.name for f in w.files(rejected))
    assert len(files) == 2 and files[1].endswith(".comments.txt")
    assert all(f.version_number == 1 for f in w.files(rejected))
    [mail] = await w.emails("a5_a6_rejections")
    assert len(mail.context["rejections"]) == 1
    assert [h["new_status"] for h in await w.webhooks()] == ["A3", "A6"]
    assert w.status(campaign) == "A6"


async def test_a5_a6_survives_a_crash_at_every_step(w: World) -> None:
    steps = await crash_at_every_step(w, "a5_a6", rejection_scenario, rejection_check)
    assert "box.upload" in steps and "dam.update_folder_metadata" in steps
