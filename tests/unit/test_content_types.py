from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ferrero_daemon.domain import content_types
from ferrero_daemon.sandbox import media
from ferrero_daemon.workflows.streams import peek

HTML = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>...</body></html>"


@pytest.mark.parametrize(
    "name", ["a.mp4", "a.MP4", "a.mov", "a.m4v", "a.jpg", "a.JPEG", "a.png", "a.pdf", "a.mxf"]
)
def test_a_file_that_starts_like_its_extension_passes(name: str) -> None:
    ext = name[name.rindex(".") :]
    assert content_types.problem(ext, media.sample(name)) is None


@pytest.mark.parametrize(
    ("ext", "head", "says"),
    [
        (".mp4", HTML, "is an HTML page"),
        (".mp4", b"\xef\xbb\xbf  <html>", "is an HTML page"),
        (".mp4", b"%PDF-1.7\n" + b"x" * 80, "is a PDF"),
        (".mp4", b"PK\x03\x04" + b"x" * 80, "is a ZIP archive"),
        (".mp4", media.sample("x.jpg") + b"x" * 60, "is a JPEG image"),
        (".mov", b'{"error": "not found"}', "is JSON text"),
        (".mp4", b"abc", "3 bytes in all"),
        (".jpg", b"\x00\x01\x02\x03" * 20, "unknown data (it starts 00 01 02 03"),
        (".pdf", b"", "nothing"),
        (".xyz", HTML, "the name says .xyz but the content is an HTML page"),
        ("", b"anything", "has no extension"),
    ],
)
def test_content_that_is_not_what_the_extension_says_is_named(
    ext: str, head: bytes, says: str
) -> None:
    problem = content_types.problem(ext, head[: content_types.HEAD_BYTES])
    assert problem is not None and says in problem


@pytest.mark.parametrize(("ext", "head"), [(".xyz", b"\x00\x01"), (".html", HTML), (".txt", b"")])
def test_an_extension_without_a_signature_is_not_checked(ext: str, head: bytes) -> None:
    assert content_types.problem(ext, head) is None


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_peek_reads_only_what_it_needs_and_replays_it() -> None:
    source = _chunks(b"ab", b"cd", b"ef", b"gh")
    head, stream = await peek(source, 3)
    assert head == b"abc"
    assert [c async for c in stream] == [b"ab", b"cd", b"ef", b"gh"]


async def test_peek_at_a_short_stream_gives_all_of_it() -> None:
    head, stream = await peek(_chunks(b"x"), 64)
    assert head == b"x" and [c async for c in stream] == [b"x"]


def test_a_pdf_must_be_one_and_readable() -> None:
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"
    assert content_types.pdf_problem(pdf) is None
    encrypted = pdf.replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 5 0 R")
    assert "encrypted" in str(content_types.pdf_problem(encrypted))
    assert "is an HTML page" in str(content_types.pdf_problem(HTML))
