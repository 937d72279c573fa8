from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from tests.returns_world import CampaignRef, World, world


@pytest.fixture
async def w(make_config: Callable[..., Config], database: Database) -> AsyncIterator[World]:
    async with world(make_config, database) as w:
        yield w


def agency_name(tid: str, country: str = "DE", language: str = "de") -> str:
    return f"Nutella_{country}_{language}_123_OMG999_{tid}.mp4"


async def reviewed(w: World, verdicts: dict[str, object]) -> tuple[CampaignRef, str]:
    """A campaign whose derivatives (one per country) got these approvals and comments."""
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    for country in verdicts:
        w.upload(agency_name(tid, country, country.lower()), f"{country} cut".encode())
    await w.run("a2_a3")
    for asset in w.derivatives(campaign):
        approval, comment = verdicts[str(asset.metadata[w.fields.country])]  # type: ignore[misc]
        await w.dam.update_asset_metadata(
            asset.id, {w.fields.approval: approval, w.fields.comments: comment}
        )
    await w.dam.update_folder_metadata(campaign.dam_id, {w.fields.campaign_status: "A5"})
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

    assert report.failures == []
    rejected = w.box.folder_named(campaign.box_folder_id, "REJECTED")
    assert rejected is not None
    files = {i.name: i for i in w.box.files(rejected.id)}
    de, it = agency_name(tid), agency_name(tid, "IT", "it")
    assert set(files) == {de, f"{de}.comments.txt", it, f"{it}.comments.txt"}
    assert w.box.content[files[de].id] == b"DE cut"
    description = files[de].description or ""
    assert description.startswith("Rejected: Logo too small") and len(description) <= 256
    assert long_comment.strip() in w.box.content[files[f"{de}.comments.txt"].id].decode()
    assert w.dam.folders[campaign.dam_id].metadata[w.fields.campaign_status] == "A6"
    hooks = [h for h in await w.webhooks() if h["new_status"] == "A6"]
    assert len(hooks) == 1
    [mail] = await w.emails("a5_a6_rejections")
    comments = {r["file"]: r["comment"] for r in mail.context["rejections"]}
    assert comments[de] == long_comment.strip()
    assert comments[it] == "(the reviewers left no comment)"
    states = {
        r["country"]: r["state"]
        for r in await w.rows("SELECT country, state FROM derivative_assets")
    }
    assert states == {"DE": "rejected_sent", "FR": "imported", "IT": "rejected_sent"}


async def test_tabular_comments_are_sent_in_full(w: World) -> None:
    w.config = w.config.__class__(
        settings=w.config.settings.model_copy(
            update={
                "dam": w.config.settings.dam.model_copy(
                    update={"fields": w.fields.model_copy(update={"comments_tabular": True})}
                )
            }
        ),
        secrets=w.config.secrets,
    )
    campaign, _tid = await reviewed(w, {"DE": ("NOT APPROVED", ["Wrong claim", "Music too loud"])})

    await w.run("a5_a6")

    rejected = w.box.folder_named(campaign.box_folder_id, "REJECTED")
    assert rejected is not None
    [comments] = [i for i in w.box.files(rejected.id) if i.name.endswith(".comments.txt")]
    assert "Wrong claim\nMusic too loud" in w.box.content[comments.id].decode()


async def test_a_campaign_at_a5_without_rejections_is_reported_and_left_alone(w: World) -> None:
    campaign, _ = await reviewed(w, {"DE": ("APPROVED", "ok")})

    report = await w.run("a5_a6")

    [failure] = report.failures
    assert campaign.number in failure.item and "no derivative is NOT APPROVED" in failure.reason
    assert w.dam.folders[campaign.dam_id].metadata[w.fields.campaign_status] == "A5"
    assert w.box.folder_named(campaign.box_folder_id, "REJECTED") is None


async def test_a_rejected_redelivery_rejected_again_goes_back_again(w: World) -> None:
    campaign, tid = await reviewed(w, {"DE": ("NOT APPROVED", "round one")})
    await w.run("a5_a6")
    w.upload(agency_name(tid), b"DE second cut")
    await w.run("a2_a3")
    [asset] = w.derivatives(campaign)
    await w.dam.update_asset_metadata(
        asset.id, {w.fields.approval: "NOT APPROVED", w.fields.comments: "round two"}
    )
    await w.dam.update_folder_metadata(campaign.dam_id, {w.fields.campaign_status: "A5"})

    await w.run("a5_a6")

    rejected = w.box.folder_named(campaign.box_folder_id, "REJECTED")
    assert rejected is not None
    [video] = [i for i in w.box.files(rejected.id) if i.name == agency_name(tid)]
    assert w.box.content[video.id] == b"DE second cut"
    assert len([h for h in await w.webhooks() if h["new_status"] == "A6"]) == 2
    mails = await w.emails("a5_a6_rejections")
    assert [m.context["rejections"][0]["comment"] for m in mails] == ["round one", "round two"]


async def test_a_dry_run_sends_nothing(w: World) -> None:
    campaign, _ = await reviewed(w, {"DE": ("NOT APPROVED", "no")})
    emails_before = await w.emails()

    report = await w.run("a5_a6", dry_run=True)

    assert report.counts == {"would_send": 1, "would_move_campaign": 1}
    assert w.box.folder_named(campaign.box_folder_id, "REJECTED") is None
    assert w.dam.folders[campaign.dam_id].metadata[w.fields.campaign_status] == "A5"
    assert await w.emails() == emails_before
