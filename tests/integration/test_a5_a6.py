"""A5→A6 against the OTMM and Box emulators, the real clients and PostgreSQL."""

from __future__ import annotations

from typing import Any

from ferrero_daemon.config import DamFields
from tests.fixtures.returns import WorldFactory
from tests.returns_world import CampaignRef, World, mp4


def agency_name(tid: str, country: str = "DE", language: str = "de") -> str:
    return f"Nutella_{country}_{language}_123_OMG999_{tid}.mp4"


async def reviewed(w: World, verdicts: dict[str, tuple[str, Any]]) -> tuple[CampaignRef, str]:
    """A campaign whose derivatives (one per country) got these approvals and comments."""
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    for country in verdicts:
        w.upload(agency_name(tid, country, country.lower()), mp4(f"{country} cut".encode()))
    await w.run("a2_a3")
    for asset in w.derivatives(campaign):
        approval, comment = verdicts[str(asset.metadata[w.fields.country])]
        w.review(asset.id, {w.fields.approval: approval, w.fields.comments: comment})
    w.set_status(campaign, "A5")
    return campaign, tid


async def test_only_rejected_derivatives_go_back_with_their_comments(w: World) -> None:
    long_comment = "Logo too small in the end card. " * 20
    campaign, tid = await reviewed(
        w,
        {
            "DE": ("NOT APPROVED", long_comment),
            "FR": ("APPROVED", "fine"),
            "IT": ("NOT APPROVED", None),
        },
    )

    report = await w.run("a5_a6")

    assert report.failures == [] and report.counts == {"rejections_sent": 2, "campaigns_moved": 1}
    rejected = w.subfolder(campaign.box_folder_id, "REJECTED")
    assert rejected is not None
    files = {f.name: f for f in w.files(rejected)}
    de, it = agency_name(tid), agency_name(tid, "IT", "it")
    assert set(files) == {de, f"{de}.comments.txt", it, f"{it}.comments.txt"}
    assert await w.file_bytes(files[de].id) == mp4(b"DE cut")
    assert files[de].description.startswith("Rejected: Logo too small")
    assert len(files[de].description) == 256 and files[de].description.endswith("…")
    assert long_comment.strip() in (await w.file_bytes(files[f"{de}.comments.txt"].id)).decode()
    assert w.status(campaign) == "A6"
    assert [h["new_status"] for h in await w.webhooks()] == ["A6"]  # A2→A3 is off by default
    [mail] = await w.emails("a5_a6_rejections")
    comments = {r["file"]: r["comment"] for r in mail.context["rejections"]}
    assert comments == {de: long_comment.strip(), it: "(the reviewers left no comment)"}
    assert long_comment.strip() in mail.text
    states = {
        r["country"]: r["state"]
        for r in await w.rows("SELECT country, state FROM derivative_assets")
    }
    assert states == {"DE": "rejected_sent", "FR": "imported", "IT": "rejected_sent"}


async def test_tabular_comments_are_sent_in_full(make_world: WorldFactory) -> None:
    async with make_world(dam_fields=DamFields(comments_tabular=True)) as w:
        campaign, _ = await reviewed(w, {"DE": ("NOT APPROVED", ["Wrong claim", "Music too loud"])})

        await w.run("a5_a6")

        rejected = w.subfolder(campaign.box_folder_id, "REJECTED")
        assert rejected is not None
        [comments] = [f for f in w.files(rejected) if f.name.endswith(".comments.txt")]
        assert "Wrong claim\nMusic too loud" in (await w.file_bytes(comments.id)).decode()
        [video] = [f for f in w.files(rejected) if not f.name.endswith(".txt")]
        assert video.description == "Rejected: Wrong claim / Music too loud"


async def test_a_campaign_at_a5_without_rejections_is_reported_and_left_alone(w: World) -> None:
    campaign, _ = await reviewed(w, {"DE": ("APPROVED", "ok")})

    report = await w.run("a5_a6")

    [failure] = report.failures
    assert campaign.number in failure.item and "no derivative is NOT APPROVED" in failure.reason
    assert w.status(campaign) == "A5"
    assert w.subfolder(campaign.box_folder_id, "REJECTED") is None
    assert await w.emails("a5_a6_rejections") == []


async def test_a_redelivery_rejected_again_goes_back_again(w: World) -> None:
    campaign, tid = await reviewed(w, {"DE": ("NOT APPROVED", "round one")})
    await w.run("a5_a6")
    w.upload(agency_name(tid), mp4(b"DE second cut"))
    await w.run("a2_a3")
    [asset] = w.derivatives(campaign)
    w.review(asset.id, {w.fields.approval: "NOT APPROVED", w.fields.comments: "round two"})
    w.set_status(campaign, "A5")

    await w.run("a5_a6")

    rejected = w.subfolder(campaign.box_folder_id, "REJECTED")
    assert rejected is not None
    [video] = [f for f in w.files(rejected) if f.name == agency_name(tid)]
    assert await w.file_bytes(video.id) == mp4(b"DE second cut") and video.version_number == 2
    assert [h["new_status"] for h in await w.webhooks()] == ["A6", "A6"]
    mails = await w.emails("a5_a6_rejections")
    assert [m.context["rejections"][0]["comment"] for m in mails] == ["round one", "round two"]


async def test_a_dry_run_sends_nothing(w: World) -> None:
    campaign, _ = await reviewed(w, {"DE": ("NOT APPROVED", "no")})
    before = await w.emails()

    report = await w.run("a5_a6", dry_run=True)

    assert report.counts == {"would_send": 1, "would_move_campaign": 1}
    assert w.subfolder(campaign.box_folder_id, "REJECTED") is None
    assert w.status(campaign) == "A5"
    assert await w.emails() == before
