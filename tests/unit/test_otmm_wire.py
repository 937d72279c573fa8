"""OTMM JSON ↔ values, and the seeded content generator."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from ferrero_daemon.clients.otmm.stream import StreamedMultipart
from ferrero_daemon.clients.otmm.wire import error_for, parse_metadata
from ferrero_daemon.errors import (
    AuthError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from ferrero_daemon.sandbox.otmm.content import (
    BLOCK,
    RangeNotSatisfiable,
    SeededContent,
    parse_range,
)

TREE = {
    "metadata_element_list": [
        {
            "type": "com.artesia.metadata.MetadataFieldGroup",
            "id": "G",
            "metadata_element_list": [
                {"type": "com.artesia.metadata.MetadataField", "id": "S",
                 "value": {"domain_value": False, "value": {"type": "string", "value": "x"}}},
                {"type": "com.artesia.metadata.MetadataField", "id": "D",
                 "value": {"domain_value": True, "value": {"type": "com.artesia.metadata.DomainValue",
                           "field_value": {"type": "string", "value": "A1"}, "display_value": "A1 - ready"}}},
                {"type": "com.artesia.metadata.MetadataField", "id": "E", "value": {"domain_value": False}},
                {"type": "com.artesia.metadata.MetadataTableField", "id": "T.TAB",
                 "metadata_element_list": [{"id": "T", "values": [
                     {"value": {"type": "string", "value": "r1", "display_value": "r1"}},
                     {"value": {"display_value": "r2"}}]}]},
            ],
        }
    ]
}  # fmt: skip


def test_parse_metadata_reads_scalars_domains_tables_and_empties() -> None:
    assert parse_metadata(TREE) == {
        "S": "x", "D": "A1", "E": None, "T": ["r1", "r2"], "T.TAB": ["r1", "r2"],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, {"exception_body": {"message": "expired"}}, AuthError),
        (404, {"exception_body": {"message": "Asset doesn't exist."}}, NotFoundError),
        (409, {"exception_body": {"message": "locked"}}, ConflictError),
        (400, {"exception_body": {"message": "bad"}}, InvalidInputError),
        (500, {"exception_body": {"message": "boom"}}, TransientError),
        (429, {}, RateLimitedError),
    ],
)
def test_error_mapping(status: int, body: dict[str, object], kind: type[Exception]) -> None:
    response = httpx.Response(
        status, json=body, headers={"Retry-After": "3"} if status == 429 else {}
    )
    error = error_for(response, "DAM thing")
    assert type(error) is kind
    assert str(error).startswith(f"DAM thing: OTMM answered {status}")


def test_error_tolerates_html_bodies() -> None:
    error = error_for(httpx.Response(401, text="<html>login</html>"), "DAM probe")
    assert isinstance(error, AuthError)


def test_rate_limit_carries_retry_after() -> None:
    error = error_for(httpx.Response(429, headers={"Retry-After": "12"}), "x")
    assert isinstance(error, RateLimitedError) and error.retry_after == 12.0


def test_seeded_content_ranges_agree_with_the_whole() -> None:
    content = SeededContent(seed=3, size=2 * BLOCK + 100)
    whole = b"".join(content.blocks())
    assert len(whole) == content.size
    assert hashlib.sha1(whole).hexdigest() == content.sha1()
    start, end = BLOCK - 5, 2 * BLOCK + 7
    assert b"".join(content.blocks(start, end)) == whole[start:end]
    assert whole[:BLOCK] != whole[BLOCK : 2 * BLOCK]  # blocks differ
    assert SeededContent(seed=4, size=100).sha1() != SeededContent(seed=3, size=100).sha1()


def test_parse_range() -> None:
    assert parse_range(None, 10) is None
    assert parse_range("bytes=2-", 10) == (2, 10)
    assert parse_range("bytes=2-4", 10) == (2, 5)
    assert parse_range("bytes=-3", 10) == (7, 10)
    assert parse_range("items=1-2", 10) is None
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=10-", 10)


async def _chunks(*pieces: bytes) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def test_streamed_multipart_announces_its_exact_length() -> None:
    body = StreamedMultipart(
        [("parent_folder_id", "abc", "text/plain")],
        file_field="files", filename='we"ird.mp4', mime_type="video/mp4",
        size=6, chunks=_chunks(b"abc", b"def"),
    )  # fmt: skip
    data = b"".join([piece async for piece in body.body()])
    assert len(data) == int(body.headers["Content-Length"])
    assert b'filename="we%22ird.mp4"' in data and b"\r\nabcdef\r\n" in data


@pytest.mark.parametrize("pieces", [(b"abc",), (b"abc", b"defg")])
async def test_streamed_multipart_refuses_a_wrong_length(pieces: tuple[bytes, ...]) -> None:
    body = StreamedMultipart(
        [], file_field="f", filename="x", mime_type="a/b", size=6, chunks=_chunks(*pieces)
    )
    with pytest.raises(InvalidInputError, match="announced 6 bytes"):
        _ = [piece async for piece in body.body()]
