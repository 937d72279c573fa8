"""A set-aside reason is read beside its file's name, the name once, old rows included."""

from __future__ import annotations

import pytest

from ferrero_daemon.domain.file_reasons import bare, line


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("the name carries no tracking ID", "the name carries no tracking ID"),
        ("X.mp4: the name carries no tracking ID", "the name carries no tracking ID"),
        ("Y.mp4: not this file's name", "Y.mp4: not this file's name"),
        ("X.mp4 the name runs on", "X.mp4 the name runs on"),
    ],
)
def test_an_old_reason_loses_the_name_in_front_and_a_new_one_is_kept(
    reason: str, expected: str
) -> None:
    assert bare("X.mp4", reason) == expected


def test_a_name_with_hidden_characters_is_shown_escaped_and_its_old_label_goes() -> None:
    name = "Nutella_DE_de_5001_OMG999_7K3M9QX2A\u202e4pm.mov"
    old = f"{name!a}: the name contains invisible characters"

    assert line(name, old) == f"{name!a} — the name contains invisible characters"


def test_a_line_names_the_file_once() -> None:
    assert line("X.mp4", "X.mp4: empty") == "X.mp4 — empty"
