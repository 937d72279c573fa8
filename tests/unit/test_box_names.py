from __future__ import annotations

import pytest

from ferrero_daemon.domain import tracking_id
from ferrero_daemon.domain.box_names import campaign_folder_name, is_valid, master_file_name

TID = tracking_id.mint(bytes(range(8)))


def test_a_master_keeps_its_stem_and_extension_around_the_tracking_id() -> None:
    assert master_file_name("Spot 30s.mp4", TID) == f"Spot 30s_{TID}.mp4"
    assert master_file_name("Spot.mp4", TID, "MASTERS_") == f"MASTERS_Spot_{TID}.mp4"


def test_the_prefix_is_not_stacked_on_a_name_that_already_has_it() -> None:
    assert master_file_name("masters_Spot.mp4", TID, "MASTERS_") == f"masters_Spot_{TID}.mp4"


@pytest.mark.parametrize(
    ("original", "expected_stem"),
    [
        ("a/b\\c.mov", "a_b_c"),
        ("  spaced  .png", "spaced"),
        ("tab\there.jpg", "tab_here"),
        ("nul\x00byte.jpg", "nul_byte"),
        (".mp4", ".mp4"),  # a dot-file: no extension to split off
        ("..", ".."),  # only a whole name of "." or ".." is refused
        ("", "master"),
        ("   ", "master"),
        ("version.final.v2", "version.final"),
    ],
)
def test_names_box_rejects_are_made_valid(original: str, expected_stem: str) -> None:
    name = master_file_name(original, TID)
    assert is_valid(name)
    assert name.startswith(expected_stem + "_" + TID)


def test_long_names_are_cut_to_255_bytes_in_the_stem_only() -> None:
    name = master_file_name("é" * 300 + ".mp4", TID, "MASTERS_")
    assert len(name.encode()) <= 255
    assert name.startswith("MASTERS_é")
    assert name.endswith(f"_{TID}.mp4")
    assert is_valid(name)


def test_names_differing_only_in_case_stay_distinct_in_box() -> None:
    first = master_file_name("Spot.mp4", tracking_id.mint(bytes(8)))
    second = master_file_name("SPOT.mp4", tracking_id.mint(bytes([1] * 8)))
    assert first.casefold() != second.casefold()


def test_the_same_name_always_gives_the_same_box_name() -> None:
    assert master_file_name("  a/b.mp4", TID) == master_file_name("  a/b.mp4", TID)


def test_campaign_folders_are_named_from_number_and_name() -> None:
    assert campaign_folder_name("C-1001", "Nutella / Summer ", "f1") == "C-1001 - Nutella _ Summer"
    assert campaign_folder_name("", "Kinder", "f1") == "Kinder"
    assert campaign_folder_name(" ", "", "folder-9") == "folder-9"
    assert campaign_folder_name("", "..", "x") == "_"
    assert len(campaign_folder_name("1", "x" * 400, "f").encode()) == 255


def test_is_valid_knows_what_box_refuses() -> None:
    for bad in ("", ".", "..", " a", "a ", "a/b", "a\\b", "a\x07", "x" * 256):
        assert not is_valid(bad), bad
    assert is_valid("Spot_000000000.mp4")
