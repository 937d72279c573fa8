from __future__ import annotations

import io

import pypdf
import pytest

from ferrero_daemon.domain.creativex_rules import validate
from ferrero_daemon.sandbox import pdf, scorecard
from ferrero_daemon.sandbox.scorecard import Guideline, ScorecardSpec


def test_a_scorecard_pdf_is_valid_for_an_independent_reader() -> None:
    spec = scorecard.sample("DE_de_Summer_15s_v3.mp4")
    reader = pypdf.PdfReader(io.BytesIO(scorecard.render(spec)), strict=True)
    text = reader.pages[0].extract_text()
    assert "Creative: DE_de_Summer_15s_v3.mp4" in text
    assert f"Creative Quality Score: {spec.cqs_pct:g}%" in text
    assert reader.metadata is not None
    assert reader.metadata.title == f"{scorecard.TITLE}: DE_de_Summer_15s_v3.mp4"


def test_what_a_scorecard_prints_is_read_back_as_the_extraction_schema() -> None:
    spec = ScorecardSpec(
        creative_name="IT_it_Natale (v2).mp4",
        guidelines=(
            Guideline("Brand Early", True, 25.0),
            Guideline("Sound On", False, 25.0),
            Guideline("Safe Zones", True, 50.0),
            Guideline("Humanise", None, None),
        ),
        brand="Ferrero Rocher",
        market="Italy",
        channel="YouTube",
        creativex_id="post-4711",
    )
    data = scorecard.read(scorecard.render(spec))
    assert data["creative_name"] == "IT_it_Natale (v2).mp4"
    assert (data["creative_quality_score"], data["score_text"]) == (75.0, "75%")
    assert (data["brand"], data["market"], data["channel"]) == (
        "Ferrero Rocher",
        "Italy",
        "YouTube",
    )
    assert data["quality_tier"] == "On Track"
    assert (data["guidelines_met"], data["guidelines_total"]) == (2, 3)
    assert data["guidelines"][3] == {"name": "Humanise", "passed": None, "weight_percent": None}
    assert data["evaluation_date"] == "2026-11-30"
    assert data["creativex_id"] == "post-4711"
    card = validate(data)
    assert (card.cqs_pct, card.guidelines_met, card.guidelines_total, card.warnings) == (
        75.0,
        2,
        3,
        (),
    )


def test_different_creatives_get_different_scorecards() -> None:
    scores = {scorecard.sample(f"DE_de_Spot_{i}.mp4").cqs_pct for i in range(12)}
    assert len(scores) > 2
    assert scorecard.sample("x.mp4") == scorecard.sample("x.mp4")


def test_a_fraction_and_disagreeing_counts_are_printed_as_asked() -> None:
    spec = scorecard.sample("FR_fr_Spot.mp4", score_format="fraction", printed_met=9)
    data = scorecard.read(scorecard.render(spec))
    assert data["score_text"] == f"{spec.cqs_pct / 100:.2f}"
    card = validate(data)
    assert card.cqs_pct == pytest.approx(spec.cqs_pct, abs=0.5)
    assert card.warnings[0].startswith("printed guidelines met 9")


def test_a_pdf_that_is_not_a_scorecard_reads_as_nulls() -> None:
    data = scorecard.read(pdf.write([[pdf.Text(50, 700, "Quarterly minutes")]]))
    assert data["creative_quality_score"] is None
    assert data["guidelines"] == []


@pytest.mark.parametrize(
    "damage",
    [
        scorecard.broken_pdf(),
        b"not a pdf at all",
        scorecard.render(scorecard.sample("x")).replace(
            b"FlateDecode >>\nstream\nx", b"FlateDecode >>\nstream\nX"
        ),
    ],
)
def test_a_damaged_pdf_is_refused(damage: bytes) -> None:
    with pytest.raises(pdf.PdfError):
        scorecard.read(damage)


def test_text_outside_cp1252_is_refused_when_writing() -> None:
    with pytest.raises(ValueError, match="cp1252"):
        pdf.write([[pdf.Text(50, 700, "Łódź")]])
