from __future__ import annotations

from typing import Any

import pytest

from ferrero_daemon.domain.creativex_rules import parse_score_text, score_pct, validate
from ferrero_daemon.errors import InvalidInputError


def extraction(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "creative_name": "DE_de_Summer_15s_v3.mp4",
        "creative_quality_score": 80.0,
        "score_text": "80%",
        "channel": "Meta",
        "guidelines_met": 4,
        "guidelines_total": 5,
        "guidelines": [
            {"name": "Aspect Ratio", "passed": True, "weight_percent": 20.0},
            {"name": "Brand Early", "passed": True, "weight_percent": 20.0},
            {"name": "Optimal Length", "passed": False, "weight_percent": 20.0},
            {"name": "Safe Zones", "passed": True, "weight_percent": 20.0},
            {"name": "Sound On", "passed": True, "weight_percent": 20.0},
        ],
    }
    return data | changes


def test_a_clean_extraction_becomes_a_scorecard_without_warnings() -> None:
    card = validate(extraction(), {"llama_run_id": "run_1"})
    assert (card.cqs_pct, card.guidelines_met, card.guidelines_total) == (80.0, 4, 5)
    assert card.creative_name == "DE_de_Summer_15s_v3.mp4"
    assert card.channel == "Meta"
    assert card.warnings == ()
    assert card.data["llama_run_id"] == "run_1"
    assert card.data["guidelines"][0]["name"] == "Aspect Ratio"


@pytest.mark.parametrize(
    ("raw", "text", "expected"),
    [
        (83, "83%", 83.0),
        (None, "83%", 83.0),
        (None, "83,5 %", 83.5),
        ("83%", None, 83.0),
        (0.83, "0.83", 83.0),  # a fraction, as CreativeX's API reports it
        (0.83, None, 83.0),
        (None, "0.83", 83.0),
        (0.83, "83%", 83.0),  # the model converted the printed percentage itself
        (1, "1%", 1.0),  # one percent printed as such is not a fraction
        (0, "0%", 0.0),
        (100.4, "100%", 100.0),  # rounding noise is clamped
        (-0.5, None, 0.0),
        (83, "83/100", 83.0),
        (83, "83 out of 100", 83.0),
        (83, "0.83", 83.0),  # printed as a fraction, returned as a percentage
    ],
)
def test_the_score_is_read_as_a_percentage(raw: Any, text: str | None, expected: float) -> None:
    assert score_pct(raw, text) == expected


@pytest.mark.parametrize(("raw", "text"), [(None, None), (None, "n/a"), (True, None), ([], "")])
def test_a_scorecard_without_a_score_is_refused(raw: Any, text: str | None) -> None:
    with pytest.raises(InvalidInputError, match="no Creative Quality Score"):
        score_pct(raw, text)


@pytest.mark.parametrize("raw", [250, -7, 830])
def test_a_score_far_outside_0_to_100_is_refused(raw: float) -> None:
    with pytest.raises(InvalidInputError, match="outside 0–100"):
        score_pct(raw, None)


def test_guideline_counts_are_recomputed_and_a_mismatch_is_flagged() -> None:
    card = validate(extraction(guidelines_met=5, guidelines_total=6))
    assert (card.guidelines_met, card.guidelines_total) == (4, 5)
    assert card.warnings == (
        "printed guidelines met 5, the list shows 4",
        "printed guidelines total 6, the list shows 5",
    )


def test_a_guideline_not_applicable_is_not_counted() -> None:
    data = extraction()
    data["guidelines"][2]["passed"] = None
    card = validate(data | {"guidelines_total": 4})
    assert (card.guidelines_met, card.guidelines_total) == (4, 4)


def test_printed_counts_are_kept_when_there_is_no_guideline_list() -> None:
    card = validate(extraction(guidelines=[], guidelines_met=3, guidelines_total=6))
    assert (card.guidelines_met, card.guidelines_total) == (3, 6)


def test_weights_that_do_not_add_up_to_the_score_are_flagged() -> None:
    card = validate(extraction(creative_quality_score=60, score_text="60%"))
    assert card.warnings == ("passed guideline weights add up to 80%, the score is 60%",)


def test_a_list_result_is_refused_with_a_hint() -> None:
    with pytest.raises(InvalidInputError, match="PER_DOC"):
        validate([extraction()])


def test_blank_names_become_none() -> None:
    card = validate(extraction(creative_name="  ", channel=None))
    assert card.creative_name is None
    assert card.channel is None


def test_score_text_parsing() -> None:
    assert parse_score_text("Score: 91.5 %") == 91.5
    assert parse_score_text("none") is None


def test_a_result_given_in_words_is_understood() -> None:
    data = extraction()
    words = ["Pass", "met", "FAIL", "✓", "unreadable"]
    for guideline, word in zip(data["guidelines"], words, strict=True):
        guideline["passed"] = word
    card = validate(
        data
        | {
            "guidelines_met": 3,
            "guidelines_total": 4,
            "creative_quality_score": 60,
            "score_text": "60%",
        }
    )
    assert (card.guidelines_met, card.guidelines_total, card.warnings) == (3, 4, ())


@pytest.mark.parametrize("text", ["83%; 45%", "83% / 45%", "Score 83 (was 45)"])
def test_a_scorecard_with_two_scores_is_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="more than one score"):
        score_pct(None, text)


@pytest.mark.parametrize(("raw", "text"), [(45, "83%"), (0.45, "83%"), (60, "0.83")])
def test_an_extracted_score_that_is_not_the_printed_one_is_refused(raw: Any, text: str) -> None:
    with pytest.raises(InvalidInputError, match="not the score printed"):
        score_pct(raw, text)
