from __future__ import annotations

import pytest

from ferrero_daemon.domain.scores import asset_key, asset_key_from_scorecard


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("DE_de_Summer_15s_v3.mp4", "de_de_summer_15s_v3"),
        ("  DE_de_Summer_15s_v3.MOV ", "de_de_summer_15s_v3"),
        ("/box/A2→A3/DE_de_Summer_15s_v3.mp4", "de_de_summer_15s_v3"),
        ("C:\\Agency\\Out\\DE_de_Summer_15s_v3.mp4", "de_de_summer_15s_v3"),
        ("DE_de_Summer_15s_v3", "de_de_summer_15s_v3"),
        ("STRASSE_Straße.mp4", "strasse_strasse"),  # casefold, not lower
    ],
)
def test_every_spelling_of_one_creative_meets_on_one_key(name: str, key: str) -> None:
    assert asset_key(name) == key


def test_composed_and_decomposed_accents_are_the_same_key() -> None:
    composed, decomposed = "Caf\u00e9_FR.mp4", "Cafe\u0301_FR.mp4"
    assert composed != decomposed
    assert asset_key(composed) == asset_key(decomposed) == "café_fr"


@pytest.mark.parametrize(
    "pdf_name",
    [
        "DE_de_Summer_15s_v3.pdf",
        "DE_de_Summer_15s_v3.mp4.pdf",
        "DE_de_Summer_15s_v3_scorecard.pdf",
        "DE_de_Summer_15s_v3.mp4_Scorecard.PDF",
        "DE_de_Summer_15s_v3 - CreativeX Report.pdf",
    ],
)
def test_a_scorecards_own_file_name_falls_back_to_the_creatives_key(pdf_name: str) -> None:
    assert asset_key_from_scorecard(pdf_name) == asset_key("DE_de_Summer_15s_v3.mp4")


def test_a_scorecard_named_only_by_its_suffix_keeps_that_name() -> None:
    assert asset_key_from_scorecard("scorecard.pdf") == "scorecard"
