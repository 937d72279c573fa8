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
    ],
)
def test_each_unusable_name_says_what_is_wrong(filename: str, problem: NameProblem) -> None:
    with pytest.raises(BadName) as caught:
        agency_names.parse(filename)
    assert caught.value.problem is problem
    assert filename in str(caught.value)


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
