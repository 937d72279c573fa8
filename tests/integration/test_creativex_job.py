from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from ferrero_daemon import scores
from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from ferrero_daemon.errors import InvalidInputError
from tests.returns_world import A2_A3, CREATIVEX, World, scorecard, world


@pytest.fixture
async def w(make_config: Callable[..., Config], database: Database) -> AsyncIterator[World]:
    async with world(make_config, database) as w:
        yield w


def agency_name(tid: str, country: str = "DE", language: str = "de") -> str:
    return f"Nutella_{country}_{language}_123_OMG999_{tid}.mp4"


async def test_a_scorecard_becomes_one_row_and_leaves_box(w: World) -> None:
    pdf = b"%PDF-1.4 one"
    w.scorer.cards[pdf] = scorecard("Nutella_DE_de_123_OMG999_000000000.mp4", 91.5)
    w.box.add_file(CREATIVEX, "Nutella_DE_de_scorecard.pdf", pdf)

    report = await w.run("creativex")

    assert report.failures == [] and report.counts == {"stored": 1}
    [row] = await w.rows("SELECT * FROM creativex_scores")
    assert row["asset_filename"] == scores.asset_key("Nutella_DE_de_123_OMG999_000000000.mp4")
    assert row["tracking_id"] == "000000000"
    assert (row["cqs_pct"], row["guidelines_met"], row["guidelines_total"], row["channel"]) == (
        91.5,
        5,
        6,
        "Meta",
    )
    assert len(row["pdf_sha256"]) == 64
    assert w.box.files(CREATIVEX) == []
    [mail] = await w.emails()
    assert mail.template == "creativex_scores" and mail.context["scores"][0]["cqs_pct"] == 91.5


async def test_a_pdf_already_stored_is_not_extracted_again(w: World) -> None:
    pdf = b"%PDF-1.4 same"
    w.scorer.cards[pdf] = scorecard("spot.mp4", 70.0)
    w.box.add_file(CREATIVEX, "a.pdf", pdf)
    await w.run("creativex")
    w.box.add_file(CREATIVEX, "a (copy).pdf", pdf)

    await w.run("creativex")

    assert w.scorer.calls == 1
    assert len(await w.rows("SELECT * FROM creativex_scores")) == 1
    assert w.box.files(CREATIVEX) == []


async def test_without_a_printed_name_the_pdf_name_is_the_key(w: World) -> None:
    pdf = b"%PDF-1.4 unnamed"
    w.scorer.cards[pdf] = scorecard(None, 60.0)
    w.box.add_file(CREATIVEX, "DE_de_Spot.mp4_scorecard.pdf", pdf)

    await w.run("creativex")

    [row] = await w.rows("SELECT asset_filename, tracking_id FROM creativex_scores")
    assert (row["asset_filename"], row["tracking_id"]) == ("de_de_spot", None)


@pytest.mark.parametrize(
    ("name", "card", "reason"),
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
    w: World, name: str, card: Exception | None, reason: str
) -> None:
    data = f"%PDF {name}".encode()
    if card is not None:
        w.scorer.cards[data] = card
    file_id = w.box.add_file(CREATIVEX, name, data)

    await w.run("creativex")
    await w.run("creativex")

    item = w.box.items[file_id]
    assert item.parent_id == w.attention_folder(CREATIVEX)
    assert item.description is not None and reason in item.description
    assert await w.rows("SELECT * FROM creativex_scores") == []
    [mail] = await w.emails()
    assert mail.to == "errors" and reason in mail.context["reason"]
    assert w.scorer.calls == (0 if card is None else 1)


async def test_a_late_score_is_written_onto_the_derivative_in_the_dam(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    german, french = agency_name(tid), agency_name(tid, "FR", "fr")
    w.upload(german)
    w.upload(french)
    await w.run("a2_a3")
    pdf = b"%PDF late"
    # Scored under another name, but the name carries the tracking ID and the market.
    w.scorer.cards[pdf] = scorecard(
        f"Nutella_DE_de_123_OMG999_{tid}_v2.mov".replace("_v2", ""), 77.0
    )
    w.box.add_file(CREATIVEX, "late.pdf", pdf)

    report = await w.run("creativex")

    assert report.counts == {"stored": 1, "scores_written_to_dam": 1}
    by_country = {a.metadata[w.fields.country]: a for a in w.derivatives(campaign)}
    assert by_country["DE"].metadata[w.fields.creativex_score] == "77%"
    assert by_country["FR"].metadata[w.fields.creativex_score] == "N/A"
    rows = {r["country"]: r for r in await w.rows("SELECT * FROM derivative_assets")}
    assert rows["DE"]["score_written"] and rows["DE"]["cqs_pct"] == 77.0
    assert not rows["FR"]["score_written"]
    mail = (await w.emails("creativex_scores"))[0]
    assert mail.context["written"][0]["file"] == german
    assert (await w.run("creativex")).counts == {}
    assert w.box.files(A2_A3) == []
