from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from ferrero_daemon import tracking_id
from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from tests.returns_world import A2_A3, World, scorecard, world


@pytest.fixture
async def w(make_config: Callable[..., Config], database: Database) -> AsyncIterator[World]:
    async with world(make_config, database) as w:
        yield w


def agency_name(tid: str, country: str = "DE", language: str = "de") -> str:
    return f"Nutella_{country}_{language}_123_OMG999_{tid}.mp4"


async def test_an_agency_upload_becomes_a_derivative_with_metadata(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid), b"localised bytes")

    report = await w.run("a2_a3")

    assert report.failures == []
    [asset] = w.derivatives(campaign)
    f = w.fields
    assert w.dam.content[asset.id] == b"localised bytes"
    assert asset.metadata[f.tracking_id] == tid
    assert (
        asset.metadata[f.country],
        asset.metadata[f.language],
        asset.metadata[f.job_number],
    ) == ("DE", "de", "OMG999")
    assert asset.metadata[f.brand] == "Nutella"
    assert asset.metadata[f.campaign_number] == campaign.number
    assert asset.metadata[f.creativex_score] == "N/A"
    assert asset.metadata[f.creativex_status] == "Not scored"
    assert w.box.files(A2_A3) == []
    [row] = await w.rows("SELECT * FROM derivative_assets")
    assert (row["state"], row["dam_asset_id"], row["country"], row["language"]) == (
        "imported",
        asset.id,
        "DE",
        "de",
    )
    assert w.dam.folders[campaign.dam_id].metadata[f.campaign_status] == "A3"
    [hook] = await w.webhooks()
    assert (hook["old_status"], hook["new_status"], hook["campaign_id"]) == (
        "A2",
        "A3",
        campaign.dam_id,
    )
    [mail] = await w.emails()
    assert mail.to == "success" and mail.template == "a2_a3_uploads"
    assert mail.context["unscored"] == [agency_name(tid)]


async def test_a_stored_score_goes_onto_the_derivative(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    pdf = b"%PDF-1.4 score"
    w.scorer.cards[pdf] = scorecard(agency_name(tid), 83.0)
    w.box.add_file("1004", "scorecard.pdf", pdf)
    await w.run("creativex")
    w.upload(agency_name(tid))

    await w.run("a2_a3")

    [asset] = w.derivatives(campaign)
    assert asset.metadata[w.fields.creativex_score] == "83%"
    assert asset.metadata[w.fields.creativex_status] == "On Track"
    assert asset.metadata[w.fields.creativex_guidelines] == "5/6"
    mail = (await w.emails("a2_a3_uploads"))[0]
    assert mail.context["unscored"] == []
    assert mail.context["uploads"][0]["creativex_score"] == "83%"


async def test_one_mail_per_run_lists_every_upload(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    for country in ("DE", "FR", "IT"):
        w.upload(agency_name(tid, country, country.lower()))

    await w.run("a2_a3")
    await w.run("a2_a3")

    mails = await w.emails("a2_a3_uploads")
    assert len(mails) == 1
    assert sorted(u["country"] for u in mails[0].context["uploads"]) == ["DE", "FR", "IT"]
    assert len(w.derivatives(campaign)) == 3
    assert len(await w.webhooks()) == 1


def _bad_check(tid: str) -> str:
    return tid[:-1] + tracking_id.ALPHABET[(tracking_id.ALPHABET.index(tid[-1]) + 1) % 32]


@pytest.mark.parametrize(
    ("make_name", "data", "reason"),
    [
        (lambda tid: "Nutella_DE_de_123_OMG999.mp4", b"x", "carries no tracking ID"),
        (lambda tid: agency_name(_bad_check(tid)), b"x", "fails its check character"),
        (lambda tid: agency_name(tracking_id.mint(b"\x07" * 8)), b"x", "unknown tracking ID"),
        (lambda tid: f"Nutella_DE_{tid}.mp4", b"x", "does not follow"),
        (agency_name, b"", "empty (0 bytes)"),
    ],
)
async def test_a_file_that_cannot_be_taken_is_set_aside_and_reported_once(
    w: World, make_name: Callable[[str], str], data: bytes, reason: str
) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    name = make_name(tid)
    file_id = w.upload(name, data)

    report = await w.run("a2_a3")
    await w.run("a2_a3")

    attention = w.attention_folder(A2_A3)
    assert attention is not None
    item = w.box.items[file_id]
    assert item.parent_id == attention
    assert item.description is not None and reason in item.description
    assert report.counts == {"set_aside": 1}
    [row] = await w.rows("SELECT * FROM attention_items")
    assert (
        row["box_file_id"] == file_id and reason in row["reason"] and row["reported_at"] is not None
    )
    [mail] = await w.emails()
    assert mail.to == "errors" and mail.context["file_name"] == name
    assert w.derivatives(campaign) == []


async def test_moving_a_set_aside_file_back_retries_it(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    file_id = w.upload(agency_name(tid), b"")
    await w.run("a2_a3")
    # The agency uploads the content again, and an operator moves the file back.
    w.box.content[file_id] = b"fixed bytes"
    w.box.items[file_id] = w.box.items[file_id].__class__(
        file_id, agency_name(tid), "file", 11, "sha", None, A2_A3
    )

    await w.run("a2_a3")

    [asset] = w.derivatives(campaign)
    assert w.dam.content[asset.id] == b"fixed bytes"
    [row] = await w.rows("SELECT resolved_at FROM attention_items")
    assert row["resolved_at"] is not None


async def test_a_redelivery_after_rejection_is_a_new_version(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid), b"first cut")
    await w.run("a2_a3")
    [first] = w.derivatives(campaign)
    await w.dam.update_asset_metadata(first.id, {w.fields.approval: "NOT APPROVED"})
    w.upload(
        agency_name(tid, "DE", "DE"), b"second cut"
    )  # the agency typed the language in capitals

    report = await w.run("a2_a3")

    assert report.counts.get("versioned") == 1
    [second] = w.derivatives(campaign)
    assert second.version == 2 and w.dam.content[second.id] == b"second cut"
    assert second.metadata[w.fields.approval] is None
    [row] = await w.rows("SELECT dam_asset_id, dam_version, state FROM derivative_assets")
    assert (row["dam_asset_id"], row["dam_version"], row["state"]) == (second.id, 2, "imported")


async def test_a_dry_run_plans_and_changes_nothing(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid))
    bad = w.upload("holiday.mov")
    services, recorder = w.dry_services()

    report = await w.run("a2_a3", dry_run=True, services=services)

    assert report.counts == {"would_import": 1, "set_aside": 1}
    assert w.derivatives(campaign) == []
    assert len(w.box.files(A2_A3)) == 2 and w.box.items[bad].parent_id == A2_A3
    assert recorder.emails == [] and recorder.webhooks == []
    assert await w.rows("SELECT * FROM derivative_assets") == []
    assert w.dam.folders[campaign.dam_id].metadata[w.fields.campaign_status] == "A2"
