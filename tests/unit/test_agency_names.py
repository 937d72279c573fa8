from __future__ import annotations

import pytest

from ferrero_daemon.domain import agency_names, box_names, tracking_id
from ferrero_daemon.domain.agency_names import BadName, NameProblem

TID = tracking_id.mint(b"\x01\x02\x03\x04\x05\x06\x07\x08")


def wrong_check(tid: str) -> str:
    last = tracking_id.ALPHABET[(tracking_id.ALPHABET.index(tid[-1]) + 1) % 32]
    return tid[:-1] + last


def test_reads_every_part_of_an_agency_name() -> None:
    name = agency_names.parse(f"Kinder_Bueno_DE_de_123_OMG999_{TID.lower()}.mp4")
    assert name.brand == "Kinder_Bueno"
    assert (name.country, name.language, name.number, name.job) == ("DE", "de", "123", "OMG999")
    assert name.tracking_id == TID
    assert name.extension == ".mp4"


@pytest.mark.parametrize(
    ("filename", "problem"),
    [
        ("Nutella_DE_de_123_OMG999.mp4", NameProblem.NO_TRACKING_ID),
        ("holiday-video.mov", NameProblem.NO_TRACKING_ID),
        (f"Nutella_DE_de_123_OMG999_{wrong_check(TID)}.mp4", NameProblem.BAD_CHECK_CHARACTER),
        (f"Nutella_DE_{TID}.mp4", NameProblem.UNPARSEABLE),
        (f"Nutella_DE_de_x12_OMG999_{TID}.mp4", NameProblem.UNPARSEABLE),
        (f"Nutella_DE__123_OMG999_{TID}.mp4", NameProblem.UNPARSEABLE),
        (f"{TID}_Nutella_DE_de_123_OMG999.mp4", NameProblem.UNPARSEABLE),
        (f"Nutella_DE_de_123_OMG999_{TID[:-1]}.mp4", NameProblem.DAMAGED_TRACKING_ID),
        (f"Nutella_DE_de_123_OMG999_{TID}X.mp4", NameProblem.DAMAGED_TRACKING_ID),
        (f"Nutella_DE_de_123_OMG999_{TID[:4]}U{TID[5:]}.mp4", NameProblem.DAMAGED_TRACKING_ID),
        (f"Nutella_DE_de_123_OMG999_{TID[:4]}ı{TID[5:]}.mp4", NameProblem.DAMAGED_TRACKING_ID),
        (f"Nutella_D\u0301E_de_123_OMG999_{TID}.mp4", NameProblem.BAD_COUNTRY),
        (f"Nutella_XX_de_123_OMG999_{TID}.mp4", NameProblem.BAD_COUNTRY),
        (f"Nutella_ＤＥ_de_123_OMG999_{TID}.mp4", NameProblem.BAD_COUNTRY),
        (f"Nutella_DEU_de_123_OMG999_{TID}.mp4", NameProblem.BAD_COUNTRY),
        (f"Nutella_DE_xx_123_OMG999_{TID}.mp4", NameProblem.BAD_LANGUAGE),
        (f"Nutella_BR_pt-BR_123_OMG999_{TID}.mp4", NameProblem.BAD_LANGUAGE),
        (f"Nutella_DE_de_١٢٣_OMG999_{TID}.mp4", NameProblem.UNPARSEABLE),
        (f"Nutella_DE_de_²_OMG999_{TID}.mp4", NameProblem.UNPARSEABLE),
        (f"Nutella\u202e_DE_de_123_OMG999_{TID}.mp4", NameProblem.HIDDEN_CHARACTERS),
        (f"Nutella_DE_de_123_OMG999_{TID[:4]}\u200b{TID[4:]}.mp4", NameProblem.HIDDEN_CHARACTERS),
        (f"Nutella\x07_DE_de_123_OMG999_{TID}.mp4", NameProblem.HIDDEN_CHARACTERS),
        (f"Nut/ella_DE_de_123_OMG999_{TID}.mp4", NameProblem.FORBIDDEN_CHARACTERS),
        (f"Nutella_DE_de_123_OMG999_{TID}.mp4.mov", NameProblem.DOUBLE_EXTENSION),
    ],
)
def test_each_unusable_name_says_what_is_wrong(filename: str, problem: NameProblem) -> None:
    with pytest.raises(BadName) as caught:
        agency_names.parse(filename)
    assert caught.value.problem is problem
    assert filename in str(caught.value) or ascii(filename) in str(caught.value)


def test_a_typo_in_the_tracking_id_is_named_in_the_reason() -> None:
    bad = wrong_check(TID)
    with pytest.raises(BadName, match=f"tracking ID {bad} fails its check character"):
        agency_names.parse(f"Nutella_DE_de_123_OMG999_{bad}.mp4")


def test_a_normalised_asset_key_parses_too() -> None:
    parsed = agency_names.parse(f"nutella_de_de_123_omg999_{TID.lower()}")
    assert agency_names.same_market(parsed, "DE", "DE")
    assert not agency_names.same_market(parsed, "FR", "fr")


def test_with_tracking_id_keeps_a_name_that_already_carries_it() -> None:
    assert agency_names.with_tracking_id(f"A_DE_de_1_J_{TID}.mp4", TID) == f"A_DE_de_1_J_{TID}.mp4"
    assert agency_names.with_tracking_id("spot.mp4", TID) == f"spot_{TID}.mp4"


def test_a_second_file_of_one_name_is_set_aside_under_its_box_id() -> None:
    name = f"Nutella_DE_de_123_OMG999_{TID}.mp4"
    assert agency_names.set_aside_name(name, "4711") == (
        f"Nutella_DE_de_123_OMG999_{TID} (4711).mp4"
    )
    assert agency_names.set_aside_name("holiday.mov", "4711") == "holiday (4711).mov"


@pytest.mark.parametrize("tid", [TID, wrong_check(TID)])
def test_a_set_aside_name_fits_box_and_keeps_the_tracking_id(tid: str) -> None:
    # A 255-character agency name, already set aside once: the rename must still fit.
    stem = "Nutella_DE_de_123_" + "é" * 200 + f"_OMG999_{tid}"
    name = stem[: 255 - len(".mp4") - len(tid) - 1] + f"_{tid}.mp4"

    renamed = agency_names.set_aside_name(name, "1234567890")

    assert box_names.is_valid(renamed) and len(renamed.encode()) <= box_names.MAX_BYTES
    assert renamed.endswith(f"_{tid} (1234567890).mp4")
    assert renamed.startswith("Nutella_DE_de_123_é")


def test_a_long_name_without_a_tracking_id_is_cut_in_its_stem() -> None:
    renamed = agency_names.set_aside_name("x" * 251 + ".mov", "99")
    assert renamed == "x" * (255 - len(" (99).mov")) + " (99).mov"


def test_a_dropped_character_says_the_id_is_damaged_not_missing() -> None:
    with pytest.raises(BadName, match="is damaged \\(8 characters where a tracking ID has 9\\)"):
        agency_names.parse(f"Nutella_DE_de_123_OMG999_{TID[:-1]}.mp4")


def test_a_name_with_an_invisible_character_is_shown_escaped_in_its_reason() -> None:
    with pytest.raises(BadName) as caught:
        agency_names.parse(f"Nutella\u202e_DE_de_123_OMG999_{TID}.mp4")
    assert "\u202e" not in str(caught.value) and "\\u202e" in str(caught.value)
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in str(caught.value)


@pytest.mark.parametrize(
    "filename",
    [
        f"Nutella_de_DE_123_OMG999_{TID}.mp4",  # case games: both read without regard to case
        f"Nutella_UK_en_123_OMG999_{TID}.mp4",  # ISO's reserved code for the United Kingdom
        f"نوتيلا_AE_ar_123_OMG999_{TID}.mp4",  # a brand in Arabic (right to left)
        f"Nutella\u0300_DE_de_123_OMG999_{TID}.mp4",  # a combining mark in the brand
        f"Nutella;Summer;'26\"_DE_de_00123_OMG999_{TID}.MP4",
    ],
)
def test_names_of_any_script_and_case_are_read(filename: str) -> None:
    assert agency_names.parse(filename).tracking_id == TID


@pytest.mark.parametrize(
    ("number", "campaign", "same"),
    [
        ("5001", "5001", True),
        ("05001", "5001", True),
        ("5001", "FER-5001", True),
        ("5001", "5002", False),
        ("9999", "5002", False),
        ("5001", "", True),  # no number recorded: nothing to compare
        ("5001", "Summer", True),
    ],
)
def test_the_name_s_campaign_number_is_the_master_s(number: str, campaign: str, same: bool) -> None:
    name = agency_names.parse(f"Nutella_DE_de_{number}_OMG999_{TID}.mp4")
    mismatch = agency_names.campaign_mismatch(name, campaign)
    assert (mismatch is None) is same
    if not same:
        assert f"says campaign {number}" in str(mismatch) and f"campaign {campaign}" in str(
            mismatch
        )


@pytest.mark.parametrize(
    "filename",
    [
        f"._Nutella_DE_de_123_OMG999_{TID}.mp4",
        ".DS_Store",
        "Thumbs.db",
        "THUMBS.DB",
        "desktop.ini",
        "~$notes.docx",
        ".~lock.notes.odt#",
        "Icon\r",
    ],
)
def test_operating_system_files_are_named_for_what_they_are(filename: str) -> None:
    assert agency_names.system_file(filename) is not None


@pytest.mark.parametrize("filename", [f"Nutella_DE_de_123_OMG999_{TID}.mp4", "Icon.png", "x._y"])
def test_an_ordinary_file_is_not_a_system_file(filename: str) -> None:
    assert agency_names.system_file(filename) is None
