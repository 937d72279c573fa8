"""The pure parts of the Box client and emulator: parsing, mapping, ranges, markers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from ferrero_daemon.clients.box.auth import JwtTokens, oauth_url_checked
from ferrero_daemon.clients.box.http import box_error
from ferrero_daemon.clients.box.items import conflict_of, item_from
from ferrero_daemon.clients.box.stream import ExactReader
from ferrero_daemon.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from ferrero_daemon.sandbox.box.content import (
    Assembler,
    HashOnlyContent,
    MemoryContent,
    Receiver,
    SeededContent,
    SpooledContent,
)
from ferrero_daemon.sandbox.box.server import _byte_range, _marker, _unmarker


def response(
    status: int, body: object = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def test_item_from_reads_box_json_tolerantly() -> None:
    item = item_from(
        {
            "type": "file",
            "id": 7,
            "name": "a.mp4",
            "size": 1.2e10,
            "sha1": "ABC",
            "parent": {"id": "5"},
        }
    )
    assert (item.id, item.size, item.sha1, item.parent_id) == ("7", 12_000_000_000, "abc", "5")
    assert item_from({"type": "folder", "id": "9"}, "1").parent_id == "1"


def test_conflict_is_an_object_for_files_and_a_list_for_folders() -> None:
    file = {"type": "file", "id": "1", "sha1": "x"}
    folder = {"type": "folder", "id": "2"}
    assert conflict_of(response(409, {"context_info": {"conflicts": file}})) == file
    assert conflict_of(response(409, {"context_info": {"conflicts": [folder]}})) == folder
    assert conflict_of(response(409, {"code": "item_name_in_use"})) == {}


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (429, "rate_limit_exceeded", RateLimitedError),
        (503, "unavailable", TransientError),
        (500, "internal_server_error", TransientError),
        (401, "unauthorized", AuthError),
        (403, "access_denied_insufficient_permissions", AuthError),
        (404, "not_found", NotFoundError),
        (409, "item_name_in_use", ConflictError),
        (412, "precondition_failed", ConflictError),
        (400, "item_name_invalid", InvalidInputError),
        # Box's own exceptions to the one table, by error code:
        (400, "bad_digest", IntegrityError),
        (409, "operation_blocked_temporary", TransientError),
    ],
)
def test_box_statuses_map_onto_our_error_tree(status: int, code: str, kind: type) -> None:
    error = box_error(response(status, {"type": "error", "code": code}), "upload of 'x.mp4'")
    assert type(error) is kind
    assert str(error).startswith(f"upload of 'x.mp4': Box answered {status}: {code}")


def test_a_box_429_carries_its_retry_after_and_box_s_hints() -> None:
    error = box_error(response(429, {}, {"Retry-After": "3"}), "x")
    assert isinstance(error, RateLimitedError) and error.retry_after == 3.0
    refused = box_error(response(403, {"code": "access_denied_insufficient_permissions"}), "x")
    assert "service account" in refused.hint


def test_oauth_url_must_be_the_token_endpoint() -> None:
    url = "http://127.0.0.1:5/oauth2/token"
    assert oauth_url_checked(url + "/") == url
    with pytest.raises(ConfigError, match="must end with /oauth2/token"):
        oauth_url_checked("https://api.box.com/2.0")


@pytest.mark.parametrize("text", ["", "{}", "not json", '{"boxAppSettings": {"clientID": ""}}'])
def test_a_wrong_box_config_is_named_without_its_content(text: str) -> None:
    with pytest.raises(ConfigError, match="box_jwt_config") as raised:
        JwtTokens(text, "http://127.0.0.1:5/oauth2/token")
    assert text not in str(raised.value) or not text


async def chunks(*pieces: bytes) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def test_exact_reader_regroups_chunks() -> None:
    reader = ExactReader(chunks(b"abc", b"", b"defgh", b"ij"), "upload")
    assert [bytes(await reader.read(n)) for n in (4, 1, 5)] == [b"abcd", b"e", b"fghij"]
    await reader.finish()


async def test_exact_reader_refuses_a_stream_of_another_length() -> None:
    with pytest.raises(InvalidInputError, match="ended after 3 of 5"):
        await ExactReader(chunks(b"abc"), "upload").read(5)
    reader = ExactReader(chunks(b"abcdef"), "upload")
    await reader.read(4)
    with pytest.raises(InvalidInputError, match="2 bytes longer"):
        await reader.finish()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, (0, 100)),
        ("bytes=0-9", (0, 10)),
        ("bytes=90-", (90, 100)),
        ("bytes=-10", (90, 100)),
        ("bytes=95-200", (95, 100)),
        ("bytes=100-", None),
        ("items=0-1", None),
    ],
)
def test_emulator_byte_ranges(header: str | None, expected: tuple[int, int] | None) -> None:
    assert _byte_range(header, 100) == expected


def test_markers_are_opaque_and_round_trip() -> None:
    assert _unmarker(_marker(1000)) == 1000
    assert "1000" not in _marker(1000)
    assert _unmarker("") == 0


def test_seeded_content_is_deterministic_and_consistent() -> None:
    content = SeededContent(seed=5, size=3 * 1024 * 1024 + 7)
    again = SeededContent(seed=5, size=3 * 1024 * 1024 + 7)
    assert content.sha1 == again.sha1 != SeededContent(seed=6, size=content.size).sha1
    block = 1024 * 1024
    assert content.read(block - 2, block + 2) == content.read(block - 2, block) + content.read(0, 2)


def test_assembler_feeds_parts_in_order_whatever_their_arrival() -> None:
    receiver = Receiver(None)
    assembler = Assembler(receiver)
    assembler.add(4, b"efgh")
    assert assembler.complete_bytes == 0
    assembler.add(0, b"abcd")
    assembler.add(8, b"ij")
    assert assembler.complete_bytes == 10
    assert receiver.sha1 == "d68c19a0a345b7eab78d5e11e991c026ec60db63"  # sha1(b"abcdefghij")


def test_receiver_keeps_small_files_and_only_hashes_large_ones() -> None:
    small, large = Receiver(None, memory_limit=8), Receiver(None, memory_limit=8)
    small.write(b"12345678")
    large.write(b"123456789")
    assert isinstance(small.finish(), MemoryContent)
    kept = large.finish()
    assert isinstance(kept, HashOnlyContent) and kept.size == 9


async def test_receiver_spools_large_files_when_given_a_directory(tmp_path: Path) -> None:
    receiver = Receiver(tmp_path, memory_limit=4)
    for piece in (b"abc", b"defg", b"hij"):
        receiver.write(piece)
    content = receiver.finish()
    assert isinstance(content, SpooledContent)
    assert b"".join([c async for c in content.chunks(2, 9)]) == b"cdefghi"
    assert content.sha1 == "d68c19a0a345b7eab78d5e11e991c026ec60db63"
