from __future__ import annotations

import pytest

from ferrero_daemon.sandbox.multipart import BadDisposition, Disposition, disposition, parse


@pytest.mark.parametrize(
    ("filename", "quoted"),
    [
        ("Nutella;;Spot.mp4", "Nutella;;Spot.mp4"),
        ("a; b; c.mp4", "a; b; c.mp4"),
        ("a; filename=evil.mp4", "a; filename=evil.mp4"),
        ("back\\slash;.mp4", "back\\\\slash;.mp4"),  # httpx and our OTMM client escape \
        ('say "hi".mp4', 'say \\"hi\\".mp4'),
        ("Crème brûlée.mp4", "Crème brûlée.mp4"),
    ],
)
def test_a_quoted_file_name_keeps_every_character(filename: str, quoted: str) -> None:
    header = f'form-data; name="file"; filename="{quoted}"'
    assert parse(header) == ("form-data", {"name": "file", "filename": filename})


def test_tokens_spacing_and_case_of_keys() -> None:
    assert parse("Form-Data ;NAME=upload_file ;  filename = x.pdf ;") == (
        "form-data",
        {"name": "upload_file", "filename": "x.pdf"},
    )


def test_a_header_that_is_not_key_value_pairs_is_refused() -> None:
    with pytest.raises(BadDisposition):
        parse('form-data; name="file"; filename="unterminated')


def test_an_encoded_file_name_wins_over_the_plain_one() -> None:
    header = "form-data; name=file; filename=\"x.pdf\"; filename*=UTF-8''cr%C3%A8me%3B%3B.pdf"
    assert disposition({"Content-Disposition": header}) == Disposition(
        "form-data", "file", "crème;;.pdf"
    )
