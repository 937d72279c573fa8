"""The CreativeX job against the Box and OTMM emulators, the real clients and PostgreSQL;
one test drives the real CreativeXClient (LlamaCloud SDK) against the LlamaCloud emulator."""

from __future__ import annotations

import pytest

from ferrero_daemon.clients.creativex import CreativeXClient
from ferrero_daemon.domain import scores
from ferrero_daemon.errors import InvalidInputError
from ferrero_daemon.sandbox import scorecard as sandbox_scorecard
from ferrero_daemon.sandbox.llamacloud import LlamaCloudEmulator
from tests import configs
from tests.fixtures.returns import WorldFactory
from tests.returns_world import FakeScorer, World, scorecard


def agency_name(tid: str, country: str = "DE", language: str = "de") -> str:
    return f"Nutella_{country}_{language}_123_OMG999_{tid}.mp4"


def cards(w: World) -> FakeScorer:
    assert isinstance(w.scorer, FakeScorer)
    return w.scorer


async def test_a_real_scorecard_is_extracted_stored_and_deleted(make_world: WorldFactory) -> None:
    async with LlamaCloudEmulator() as llama:
        scorer = CreativeXClient.from_config(configs.config(emulators=[llama]))
        try:
            async with make_world(scorer=scorer) as w:
                campaign = await w.campaign("A2")
                tid = await w.master(campaign)
                spec = sandbox_scorecard.sample(agency_name(tid), seed=1)
                w.drop_scorecard("Nutella_DE_de_scorecard.pdf", sandbox_scorecard.render(spec))

                report = await w.run("creativex")

                assert report.failures == [] and report.counts == {"stored": 1}
                [row] = await w.rows("SELECT * FROM creativex_scores")
                assert row["asset_filename"] == scores.asset_key(agency_name(tid))
                assert row["tracking_id"] == tid
                assert 0 <= row["cqs_pct"] <= 100 and len(row["pdf_sha256"]) == 64
                assert w.files(w.folders["creativex"]) == []
                [mail] = await w.emails("creativex_scores")
                assert agency_name(tid) in mail.text
                # The next upload of that creative carries the score.
                w.upload(agency_name(tid))
                await w.run("a2_a3")
                [asset] = w.derivatives(campaign)
                assert asset.metadata[w.fields.creativex_score] == f"{row['cqs_pct']:g}%"
        finally:
            await scorer.aclose()


async def test_a_pdf_already_stored_is_not_extracted_again(w: World) -> None:
    pdf = b"%PDF-1.4 same"
    cards(w).cards[pdf] = scorecard("spot.mp4", 70.0)
    w.drop_scorecard("a.pdf", pdf)
    await w.run("creativex")
    w.drop_scorecard("a (copy).pdf", pdf)

    await w.run("creativex")

    assert cards(w).calls == 1
    assert len(await w.rows("SELECT * FROM creativex_scores")) == 1
    assert w.files(w.folders["creativex"]) == []
    [mail] = await w.emails()
    assert len(mail.context["scores"]) == 1


async def test_without_a_printed_name_the_pdf_name_is_the_key(w: World) -> None:
    cards(w).cards[b"%PDF unnamed"] = scorecard(None, 60.0)
    w.drop_scorecard("DE_de_Spot.mp4_scorecard.pdf", b"%PDF unnamed")

    await w.run("creativex")

    [row] = await w.rows("SELECT asset_filename, tracking_id FROM creativex_scores")
    assert (row["asset_filename"], row["tracking_id"]) == ("de_de_spot", None)


@pytest.mark.parametrize(
    ("name", "outcome", "reason"),
    [
        ("notes.docx", None, "not a PDF"),
        (
            "broken.pdf",
            InvalidInputError("the extraction run ended with status ERROR"),
            "status ERROR",
        ),
        (
            "unscored.pdf",
            InvalidInputError("no Creative Quality Score on the scorecard"),
            "no Creative Quality Score",
        ),
    ],
)
async def test_an_unusable_file_is_set_aside_with_the_reason(
    w: World, name: str, outcome: Exception | None, reason: str
) -> None:
    data = f"%PDF {name}".encode()
    if outcome is not None:
        cards(w).cards[data] = outcome
    file_id = w.drop_scorecard(name, data)

    await w.run("creativex")
    await w.run("creativex")

    item = w.file(file_id)
    assert item.parent_id == w.attention_folder("creativex") and reason in item.description
    assert await w.rows("SELECT * FROM creativex_scores") == []
    [mail] = await w.emails()
    assert mail.to == "errors" and reason in mail.text
    assert cards(w).calls == (0 if outcome is None else 1)


async def test_a_late_score_is_written_onto_the_derivative_in_the_dam(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    german = agency_name(tid)
    w.upload(german)
    w.upload(agency_name(tid, "FR", "fr"))
    await w.run("a2_a3")
    # Scored under another file name that carries the tracking ID and the market.
    cards(w).cards[b"%PDF late"] = scorecard(f"Nutella_DE_de_7_AGENCY2_{tid}.mov", 77.0)
    w.drop_scorecard("late.pdf", b"%PDF late")

    report = await w.run("creativex")

    assert report.counts == {"stored": 1, "scores_written_to_dam": 1}
    by_country = {a.metadata[w.fields.country]: a for a in w.derivatives(campaign)}
    assert by_country["DE"].metadata[w.fields.creativex_score] == "77%"
    assert by_country["DE"].metadata[w.fields.creativex_status] == "On Track"
    assert by_country["FR"].metadata[w.fields.creativex_score] == "N/A"
    rows = {r["country"]: r for r in await w.rows("SELECT * FROM derivative_assets")}
    assert rows["DE"]["score_written"] and rows["DE"]["cqs_pct"] == 77.0
    assert not rows["FR"]["score_written"]
    [mail] = await w.emails("creativex_scores")
    assert mail.context["written"][0]["file"] == german
    assert (await w.run("creativex")).counts == {}
