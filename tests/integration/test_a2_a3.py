"""A2→A3 against the OTMM and Box emulators, the real clients and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest
from structlog.testing import capture_logs

from ferrero_daemon.clients.types import ByteStream, Download
from ferrero_daemon.domain import tracking_id
from tests.returns_world import (
    FakeScorer,
    World,
    move_to_a3,
    mp4,
    scorecard,
)


@pytest.fixture
def world_options() -> dict[str, Any]:
    return {"settings": move_to_a3("first_version")}


def agency_name(tid: str, country: str = "DE", language: str = "de") -> str:
    return f"Nutella_{country}_{language}_123_OMG999_{tid}.mp4"


def bad_check(tid: str) -> str:
    return tid[:-1] + tracking_id.ALPHABET[(tracking_id.ALPHABET.index(tid[-1]) + 1) % 32]


async def test_an_agency_upload_becomes_a_derivative_with_metadata(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid), mp4(b"localised bytes"))

    report = await w.run("a2_a3")

    assert report.failures == [] and report.counts == {"imported": 1, "campaigns_moved": 1}
    [asset] = w.derivatives(campaign)
    f, meta = w.fields, asset.metadata
    assert await w.dam_bytes(asset.id) == mp4(b"localised bytes")
    assert asset.name == agency_name(tid)
    assert meta[f.tracking_id] == tid
    assert (meta[f.country], meta[f.language], meta[f.job_number]) == ("DE", "de", "OMG999")
    assert (meta[f.brand], meta[f.campaign_number]) == ("Nutella", campaign.number)
    assert (meta[f.creativex_score], meta[f.creativex_status]) == ("N/A", "Not scored")
    assert w.files(w.folders["a2_a3"]) == []
    [row] = await w.rows("SELECT * FROM derivative_assets")
    assert (row["state"], row["dam_asset_id"], row["country"], row["language"]) == (
        "imported",
        asset.id,
        "DE",
        "de",
    )
    events = [r["event"] for r in await w.rows("SELECT event FROM asset_events ORDER BY id")]
    assert events[:3] == ["derivative_import_started", "derivative_imported", "agency_file_deleted"]
    assert w.status(campaign) == "A3"
    [hook] = await w.webhooks()
    assert (hook["old_status"], hook["new_status"], hook["campaign_id"]) == (
        "A2",
        "A3",
        campaign.dam_id,
    )
    [mail] = await w.emails()
    assert mail.to == "success" and mail.template == "a2_a3_uploads"
    assert f"{agency_name(tid)} has no CreativeX score yet" in mail.text


async def test_a_stored_score_goes_onto_the_derivative(w: World) -> None:
    assert isinstance(w.scorer, FakeScorer)
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.scorer.cards[b"%PDF-1.4 score"] = scorecard(agency_name(tid), 83.0)
    w.drop_scorecard("scorecard.pdf", b"%PDF-1.4 score")
    await w.run("creativex")
    w.upload(agency_name(tid))

    await w.run("a2_a3")

    [asset] = w.derivatives(campaign)
    f = w.fields
    assert asset.metadata[f.creativex_score] == "83%"
    assert asset.metadata[f.creativex_status] == "On Track"
    assert asset.metadata[f.creativex_guidelines] == "5/6"
    [mail] = await w.emails("a2_a3_uploads")
    assert mail.context["unscored"] == [] and "CreativeX: 83% (On Track)" in mail.text
    [row] = await w.rows("SELECT score_written, cqs_pct FROM derivative_assets")
    assert row["score_written"] and row["cqs_pct"] == 83.0


async def test_one_mail_per_run_lists_every_upload(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    for country in ("DE", "FR", "IT"):
        w.upload(agency_name(tid, country, country.lower()))

    await w.run("a2_a3")
    await w.run("a2_a3")

    [mail] = await w.emails("a2_a3_uploads")
    assert sorted(u["country"] for u in mail.context["uploads"]) == ["DE", "FR", "IT"]
    assert len(w.derivatives(campaign)) == 3
    assert len(await w.webhooks()) == 1


@pytest.mark.parametrize(
    ("make_name", "data", "reason"),
    [
        (lambda tid: "Nutella_DE_de_123_OMG999.mp4", b"x", "carries no tracking ID"),
        (lambda tid: agency_name(bad_check(tid)), b"x", "fails its check character"),
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

    item = w.file(file_id)
    assert item.parent_id == w.attention_folder("a2_a3")
    assert reason in item.description and len(item.description) <= 256
    assert report.counts == {"set_aside": 1}
    [row] = await w.rows("SELECT * FROM attention_items")
    assert (
        row["box_file_id"] == file_id and reason in row["reason"] and row["reported_at"] is not None
    )
    [mail] = await w.emails()
    assert mail.to == "errors" and mail.template == "needs_attention_digest"
    [entry] = mail.context["set_aside"]
    assert entry["file"] == name and reason in mail.text
    assert w.derivatives(campaign) == []


async def test_moving_a_set_aside_file_back_retries_it(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    file_id = w.upload(agency_name(tid), b"")
    await w.run("a2_a3")

    w.move_back(file_id, mp4(b"fixed bytes"))
    report = await w.run("a2_a3")

    assert report.counts == {"imported": 1, "campaigns_moved": 1}
    [asset] = w.derivatives(campaign)
    assert await w.dam_bytes(asset.id) == mp4(b"fixed bytes")
    [row] = await w.rows("SELECT resolved_at FROM attention_items")
    assert row["resolved_at"] is not None


async def test_a_redelivery_after_rejection_is_a_new_version(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid), mp4(b"first cut"))
    await w.run("a2_a3")
    [first] = w.derivatives(campaign)
    w.review(first.id, {w.fields.approval: "NOT APPROVED", w.fields.comments: "Logo"})
    w.upload(agency_name(tid, "DE", "DE"), mp4(b"second cut"))  # the language typed in capitals

    report = await w.run("a2_a3")

    assert report.counts == {"versioned": 1}
    [second] = w.derivatives(campaign)
    assert second.version == 2 and second.original_id == first.original_id
    assert await w.dam_bytes(second.id) == mp4(b"second cut")
    assert w.fields.approval not in second.metadata  # back to review
    assert len(w.derivatives(campaign, latest=False)) == 2
    [row] = await w.rows("SELECT dam_asset_id, dam_version, state FROM derivative_assets")
    assert (row["dam_asset_id"], row["dam_version"], row["state"]) == (second.id, 2, "imported")
    mails = await w.emails("a2_a3_uploads")
    assert [u["new_version"] for m in mails for u in m.context["uploads"]] == [False, True]


async def test_a_dry_run_plans_and_changes_nothing(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid))
    bad = w.upload("holiday.mov")
    services, recorder = w.dry_services()

    report = await w.run("a2_a3", dry_run=True, services=services)

    assert report.counts == {"would_import": 1, "set_aside": 1}
    assert w.derivatives(campaign) == []
    assert len(w.files(w.folders["a2_a3"])) == 2 and w.file(bad).parent_id == w.folders["a2_a3"]
    assert recorder.emails == [] and recorder.webhooks == []
    assert await w.rows("SELECT * FROM derivative_assets") == []
    assert w.status(campaign) == "A2"


async def test_a_dry_run_reads_the_first_bytes_and_says_what_the_real_run_sets_aside(
    w: World,
) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    page = b"<!DOCTYPE html><html><body>Sign in to Box</body></html>" + b" " * (4 << 20)
    html = w.upload(agency_name(tid), page)
    services, _ = w.dry_services()
    spy = ReadSpy(services.box)

    with capture_logs() as logs:
        report = await w.run("a2_a3", dry_run=True, services=services.with_(box=spy))

    assert report.counts == {"set_aside": 1}
    [planned] = [e for e in logs if e["event"] == "would_set_aside"]
    assert "the content is not an MP4/QuickTime video" in planned["reason"]
    assert 0 < spy.read[html] < len(page) // 4 and spy.open == 0  # the head, then closed
    assert w.file(html).parent_id == w.folders["a2_a3"]

    real = await w.run("a2_a3")

    assert real.counts == {"set_aside": 1}
    [entry] = await w.attention()
    assert entry["reason"] == planned["reason"]


class ReadSpy:
    """The Box client, counting the bytes each download hands on and the ones still open."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.read: dict[str, int] = {}
        self.open = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    @asynccontextmanager
    async def download(self, file_id: str) -> AsyncIterator[Download]:
        self.read[file_id] = 0
        self.open += 1
        try:
            async with self._inner.download(file_id) as download:
                yield replace(download, chunks=self._counted(file_id, download.chunks))
        finally:
            self.open -= 1

    async def _counted(self, file_id: str, chunks: ByteStream) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            self.read[file_id] += len(chunk)
            yield chunk


async def test_a_dam_outage_keeps_the_box_file_and_the_next_run_takes_it(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    file_id = w.upload(agency_name(tid), mp4(b"localised bytes"))
    w.otmm.inject(r"/assets$", method="POST", status=503, count=50)

    report = await w.run("a2_a3")

    [failure] = report.failures  # nothing went through: the DAM is down, not the file bad
    assert failure.item == "OTMM" and "retried on the next run" in failure.reason
    assert w.file(file_id).parent_id == w.folders["a2_a3"]  # kept, not set aside
    assert w.derivatives(campaign) == [] and await w.emails() == []
    w.otmm.faults.clear()

    assert (await w.run("a2_a3")).counts == {"imported": 1, "campaigns_moved": 1}
    assert len(w.derivatives(campaign, latest=False)) == 1
    assert w.files(w.folders["a2_a3"]) == []


async def test_an_identical_re_upload_is_not_a_new_version(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid), mp4(b"the cut"))
    await w.run("a2_a3")
    w.review(w.derivatives(campaign)[0].id, {w.fields.approval: "APPROVED"})
    again = w.upload(agency_name(tid), mp4(b"the cut"))  # the agency sends it once more

    report = await w.run("a2_a3")

    assert report.counts == {"unchanged": 1} and report.failures == []
    [asset] = w.derivatives(campaign, latest=False)
    assert asset.version == 1 and asset.metadata[w.fields.approval] == "APPROVED"
    assert w.files(w.folders["a2_a3"]) == [] and again in {c.id for c in w.boxe.changes("deleted")}
    _, second = await w.emails("a2_a3_uploads")
    assert second.context["uploads"] == [] and second.context["unchanged"][0]["version"] == 1
    assert "identical to the version already in the DAM" in second.text


async def test_an_identical_re_upload_of_a_rejected_version_is_set_aside(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid), mp4(b"the cut"))
    await w.run("a2_a3")
    [first] = w.derivatives(campaign)
    w.review(first.id, {w.fields.approval: "NOT APPROVED", w.fields.comments: "Logo"})
    w.set_status(campaign, "A5")
    await w.run("a5_a6")
    again = w.upload(agency_name(tid), mp4(b"the cut"))

    report = await w.run("a2_a3")

    assert report.counts == {"set_aside": 1}
    assert "identical to version 1 in the DAM, which the reviewers rejected" in str(
        w.file(again).description
    )
    assert len(w.derivatives(campaign, latest=False)) == 1
