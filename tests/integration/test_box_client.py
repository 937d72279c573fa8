"""Our ``BoxApiClient`` against the Box emulator: every operation, and the faults."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from structlog.testing import capture_logs

from ferrero_daemon.clients.box.auth import JwtTokens
from ferrero_daemon.clients.box.client import BoxApiClient
from ferrero_daemon.config import Config
from ferrero_daemon.errors import (
    AuthError,
    ConflictError,
    IntegrityError,
    InvalidInputError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    TransientError,
)
from ferrero_daemon.sandbox.box.auth import BoxApp
from ferrero_daemon.sandbox.box.server import BoxEmulator
from tests import configs
from tests.fixtures.box import TEST_PART_SIZE

PARTS = r"/api/2\.0/files/upload_sessions/[^/]+$"


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


async def stream(data: bytes, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    for at in range(0, len(data), chunk):
        yield data[at : at + chunk]


# -- listing and folders --------------------------------------------------------------------
async def test_listed_items_carry_their_size_sha1_and_parent(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    folder = box_emulator.folder_ids["a2_a3"]
    for n in range(3):
        box_emulator.create_file(folder, f"f{n}.mp4", data=bytes([n]) * (n + 1))

    items = await box_client.list_folder(folder)

    assert [(i.name, i.size, i.sha1) for i in items] == [
        (f"f{n}.mp4", n + 1, sha1(bytes([n]) * (n + 1))) for n in range(3)
    ]
    assert all(i.type == "file" and i.parent_id == folder for i in items)


async def test_a_folder_is_counted_in_one_request_folders_and_files_alike(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    folder = box_emulator.folder_ids["a2_a3"]
    box_emulator.create_folder(folder, "Germany")
    for n in range(5):
        box_emulator.create_file(folder, f"f{n}.mp4", data=b"x")
    box_emulator.requests.clear()

    count = await box_client.item_count(folder)

    assert len(box_emulator.requests_to(f"/folders/{folder}/items")) == 1
    assert count == 6 == len(await box_client.list_folder(folder))


async def test_ensure_folder_creates_once_then_finds_it(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    parent = box_emulator.folder_ids["a2_a3"]

    created = await box_client.ensure_folder(parent, "REJECTED")
    again = await box_client.ensure_folder(parent, "rejected")

    assert created.type == again.type == "folder"
    assert again.id == created.id


async def test_ensure_folder_refuses_when_a_file_has_the_name(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    parent = box_emulator.folder_ids["a2_a3"]
    box_emulator.create_file(parent, "REJECTED", data=b"oops")

    with pytest.raises(ConflictError, match="'REJECTED'"):
        await box_client.ensure_folder(parent, "REJECTED")


# -- uploads --------------------------------------------------------------------------------
async def test_a_small_upload_sends_its_sha1_as_content_md5(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    folder = box_emulator.folder_ids["a1_a2"]
    data = os.urandom(200_000)

    item = await box_client.upload(folder, "Nutella_IT.mp4", len(data), stream(data))

    assert item.parent_id == folder
    (request,) = box_emulator.requests_to(r"/api/2\.0/files/content$")
    assert request.headers["Content-MD5"] == sha1(data)  # Box's name for the SHA-1 it checks


async def test_same_content_again_counts_as_uploaded(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    folder = box_emulator.folder_ids["a1_a2"]
    data = b"master bytes"
    first = await box_client.upload(folder, "M.mp4", len(data), stream(data))

    with capture_logs() as logs:
        again = await box_client.upload(folder, "m.MP4", len(data), stream(data))

    assert again.id == first.id
    assert len(box_emulator.uploaded()) == 1
    assert "box_upload_already_present" in [e["event"] for e in logs]


async def test_a_stream_shorter_than_announced_is_refused(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    with pytest.raises(InvalidInputError, match="ended after 3 of 10"):
        await box_client.upload("0", "short.bin", 10, stream(b"abc"))
    assert box_emulator.uploaded() == []


async def test_memory_stays_within_part_size_times_parallelism(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    """The stream is never read further ahead of what Box has stored than the window."""
    parallelism = box_client.settings.chunk_parallelism
    box_emulator.inject(PARTS, method="PUT", delay=0.02, count=100)
    data = os.urandom(12 * TEST_PART_SIZE)
    chunk = 32 * 1024
    ahead: list[int] = []

    async def watched() -> AsyncIterator[bytes]:
        for at in range(0, len(data), chunk):
            stored = sum(
                p.size for s in box_emulator.uploads.sessions.values() for p in s.parts.values()
            )
            ahead.append(at - stored)
            yield data[at : at + chunk]

    await box_client.upload("0", "window.bin", len(data), watched())

    assert max(ahead) <= parallelism * TEST_PART_SIZE
    assert max(ahead) > (parallelism - 1) * TEST_PART_SIZE  # the parts did overlap


async def test_uploads_in_flight_together_share_one_window_of_parts(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    """Four masters at once hold as many parts in memory as one: the window is the process's."""
    parallelism = box_client.settings.chunk_parallelism
    box_emulator.inject(PARTS, method="PUT", delay=0.02, count=200)
    files = [os.urandom(6 * TEST_PART_SIZE) for _ in range(4)]
    chunk = 32 * 1024
    read = [0] * len(files)
    ahead: list[int] = []

    def stored(index: int) -> int:
        name = f"m{index}.bin"
        if any(c.name == name for c in box_emulator.uploaded()):
            return len(files[index])
        sessions = [s for s in box_emulator.uploads.sessions.values() if s.file_name == name]
        return sum(p.size for s in sessions for p in s.parts.values())

    async def watched(index: int) -> AsyncIterator[bytes]:
        data = files[index]
        for at in range(0, len(data), chunk):
            read[index] = at  # handed to the client so far
            ahead.append(sum(read[i] - stored(i) for i in range(len(files))))
            yield data[at : at + chunk]

    items = await asyncio.gather(
        *(box_client.upload("0", f"m{i}.bin", len(d), watched(i)) for i, d in enumerate(files))
    )

    assert [i.sha1 for i in items] == [sha1(d) for d in files]
    # Without one window for the process, each upload would hold its own: 4 × as much.
    assert max(ahead) <= parallelism * TEST_PART_SIZE + len(files) * chunk


async def test_a_failed_upload_gives_its_part_slots_back(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    parallelism = box_client.settings.chunk_parallelism
    box_emulator.inject(PARTS, method="PUT", status=400)
    data = os.urandom((parallelism + 2) * TEST_PART_SIZE)
    with pytest.raises(PermanentError):
        await box_client.upload("0", "lost.bin", len(data), stream(data))

    async with asyncio.timeout(30):  # a leaked slot would leave this one waiting
        item = await box_client.upload("0", "next.bin", len(data), stream(data))

    assert item.sha1 == sha1(data)
    assert box_client.uploader._slots._value == parallelism
    assert box_client.uploader._buffers == []  # no part in flight: no part buffer kept


async def test_a_failing_part_is_sent_again(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    box_emulator.inject(PARTS, method="PUT", status=503)
    box_emulator.inject(PARTS, method="PUT", drop=True)
    data = os.urandom(4 * TEST_PART_SIZE)

    item = await box_client.upload("0", "retry.bin", len(data), stream(data))

    assert item.sha1 == sha1(data)
    statuses = sorted(r.status for r in box_emulator.requests_to(PARTS, "PUT"))
    assert statuses == [0, 200, 200, 200, 200, 503]


async def test_chunked_409_with_same_content_is_already_uploaded(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    data = os.urandom(4 * TEST_PART_SIZE + 5)
    first = await box_client.upload("0", "twice.bin", len(data), stream(data))

    again = await box_client.upload("0", "twice.bin", len(data), stream(data))

    assert again.id == first.id and again.sha1 == sha1(data)
    assert len(box_emulator.requests_to(PARTS, "PUT")) == 5  # none the second time


async def test_chunked_409_with_other_content_is_a_conflict(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    box_emulator.create_file("0", "taken.bin", size=4 * TEST_PART_SIZE + 5, seed=1)
    data = os.urandom(4 * TEST_PART_SIZE + 5)

    with pytest.raises(ConflictError, match=r"'taken\.bin'"):
        await box_client.upload("0", "taken.bin", len(data), stream(data))


async def test_upload_version_small_and_chunked(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    file = box_emulator.create_file("0", "Derivative.mp4", data=b"rejected cut")
    small, big = b"second cut", os.urandom(4 * TEST_PART_SIZE)

    v2 = await box_client.upload_version(file.id, "Derivative.mp4", len(small), stream(small))
    v3 = await box_client.upload_version(file.id, "Derivative.mp4", len(big), stream(big))

    assert v2.id == v3.id == file.id
    assert v3.sha1 == sha1(big) == box_emulator.store.file(file.id).sha1
    assert [c.kind for c in box_emulator.changes()] == ["version", "version"]


# -- downloads ------------------------------------------------------------------------------
async def test_a_download_says_what_it_streams_and_sends_no_token_to_the_content_host(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    file = box_emulator.create_file("0", "master.mov", size=1024 * 1024 + 1, seed=3)

    async with box_client.download(file.id) as download:
        size = sum([len(c) async for c in download.chunks])

    assert (download.size, download.sha1, download.name) == (file.size, file.sha1, "master.mov")
    assert size == file.size
    (content,) = box_emulator.requests_to(r"^/dl/")
    assert "Authorization" not in content.headers


async def test_download_resumes_after_a_dropped_connection(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    file = box_emulator.create_file("0", "master.mov", size=2 * 1024 * 1024, seed=4)
    box_emulator.inject(r"^/dl/", drop_after_bytes=1_500_000)

    async with box_client.download(file.id) as download:
        data = b"".join([c async for c in download.chunks])

    assert sha1(data) == file.sha1
    resumed = box_emulator.requests_to(r"^/dl/")[-1]
    assert resumed.headers["Range"].startswith("bytes=") and resumed.status == 206


async def test_download_with_wrong_sha1_raises_integrity_error(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    file = box_emulator.create_file("0", "bad.mov", data=b"bytes")
    file.content.sha1 = "0" * 40  # the emulator now promises a hash the bytes do not have

    with pytest.raises(IntegrityError, match=r"bad\.mov"):
        async with box_client.download(file.id) as download:
            async for _ in download.chunks:
                pass


async def test_download_of_a_missing_file(box_client: BoxApiClient) -> None:
    with pytest.raises(NotFoundError, match="file 999"):
        async with box_client.download("999"):
            pass


# -- move, describe, delete -----------------------------------------------------------------
async def test_move_with_a_new_name(box_emulator: BoxEmulator, box_client: BoxApiClient) -> None:
    source = box_emulator.folder_ids["a2_a3"]
    target = box_emulator.create_folder(source, "_needs_attention")
    file = box_emulator.create_file(source, "x.mp4", data=b"x")

    moved = await box_client.move(file.id, target.id, "x (bad tracking id).mp4")

    assert (moved.parent_id, moved.name) == (target.id, "x (bad tracking id).mp4")
    assert [c.kind for c in box_emulator.changes()] == ["moved", "renamed"]


async def test_move_onto_a_taken_name_is_a_conflict(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    target = box_emulator.create_folder("0", "dest")
    box_emulator.create_file(target.id, "x.mp4", data=b"1")
    file = box_emulator.create_file("0", "x.mp4", data=b"2")

    with pytest.raises(ConflictError, match=f"file {file.id}"):
        await box_client.move(file.id, target.id)


async def test_description_is_trimmed_to_box_limit(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    file = box_emulator.create_file("0", "d.mp4", data=b"d")

    item = await box_client.set_description(file.id, "Rejected: " + "too dark " * 50)

    assert item.description is not None and len(item.description) == 256
    assert box_emulator.store.file(file.id).description == item.description


async def test_delete_and_delete_again(box_emulator: BoxEmulator, box_client: BoxApiClient) -> None:
    file = box_emulator.create_file("0", "d.mp4", data=b"d")

    await box_client.delete(file.id)
    await box_client.delete(file.id)

    assert [c.kind for c in box_emulator.changes()] == ["deleted"]


# -- auth and faults ------------------------------------------------------------------------


async def test_retry_after_of_a_429_is_honoured(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    box_emulator.inject(r"/folders/0/items", retry_after=0.05)

    with capture_logs() as logs:
        await box_client.list_folder("0")

    (retry,) = [e for e in logs if e["event"] == "http_retry"]
    assert (retry["remote"], retry["wait_seconds"]) == ("Box", 0.05)


async def test_box_down_for_good_is_transient(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    box_emulator.inject(r"/folders/0/items", status=503, count=100)

    with pytest.raises(TransientError, match="listing of folder 0: Box answered 503"):
        await box_client.list_folder("0")
    assert len(box_emulator.requests_to(r"/folders/0/items")) == 5


async def test_wrong_app_is_an_auth_error_without_secrets(box_emulator: BoxEmulator) -> None:
    other = BoxApp.generate()
    config = configs.config(
        emulators=[box_emulator], secrets={"box_jwt_config": other.config_json()}
    )

    async with BoxApiClient.from_config(config) as client:
        with pytest.raises(AuthError, match="invalid_client") as raised:
            await client.list_folder("0")

    assert other.client_secret not in str(raised.value)
    assert other.passphrase not in str(raised.value)


async def test_probe_reports_each_folder(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    folders = {**box_emulator.folder_ids, "typo": "424242"}

    await box_client.probe_token()
    results = {p.key: p for p in await box_client.probe(folders)}

    assert all(results[k].ok for k in box_emulator.folder_ids)
    assert not results["typo"].ok and "404" in results["typo"].detail


async def test_token_is_renewed_ahead_of_its_expiry(box_emulator: BoxEmulator) -> None:
    box_emulator.tokens.lifetime = 100.0  # renewed a tenth of the lifetime early
    now = [0.0]
    tokens = JwtTokens(
        box_emulator.app_config_json(),
        f"{box_emulator.base_url}/oauth2/token",
        clock=lambda: now[0],
    )

    first = await tokens.get()
    now[0] = 89.0
    same = await tokens.get()
    now[0] = 91.0
    renewed = await tokens.get()

    assert first == same != renewed
    assert box_emulator.tokens.issued == 2


async def test_concurrent_calls_share_one_token(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    await asyncio.gather(*(box_client.list_folder("0") for _ in range(8)))

    assert box_emulator.tokens.issued == 1


async def test_a_token_refused_twice_is_an_auth_error(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    box_emulator.inject(r"/folders/0/items", status=401, count=2)

    with pytest.raises(AuthError, match="listing of folder 0: Box answered 401"):
        await box_client.list_folder("0")
    assert box_emulator.tokens.issued == 2


async def test_a_name_box_refuses_is_a_permanent_error(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    with pytest.raises(PermanentError, match="item_name_invalid"):
        await box_client.upload("0", "bad/name.mp4", 1, stream(b"x"))
    assert len(box_emulator.requests_to(r"/files/content$")) == 1  # not retried


async def test_download_not_ready_202_is_waited_out(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    file = box_emulator.create_file("0", "fresh.mp4", data=b"just uploaded")
    box_emulator.inject(rf"/files/{file.id}/content$", status=202, retry_after=0.01)

    async with box_client.download(file.id) as download:
        data = b"".join([c async for c in download.chunks])

    assert data == b"just uploaded"
    assert [r.status for r in box_emulator.requests_to(rf"/files/{file.id}/content$")] == [202, 302]


async def test_token_expiring_during_a_chunked_upload_is_renewed(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    box_emulator.inject(PARTS, method="PUT", status=401)  # as if it expired right then
    data = os.urandom(4 * TEST_PART_SIZE)

    item = await box_client.upload("0", "long.bin", len(data), stream(data))

    assert item.sha1 == sha1(data)
    assert box_emulator.tokens.issued == 2
    assert sorted(r.status for r in box_emulator.requests_to(PARTS, "PUT")) == [200] * 4 + [401]


async def test_a_part_refused_for_good_aborts_the_session(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    box_emulator.inject(PARTS, method="PUT", status=400, body={"code": "bad_request"}, count=100)
    data = os.urandom(4 * TEST_PART_SIZE)

    with pytest.raises(PermanentError, match="part at"):
        await box_client.upload("0", "refused.bin", len(data), stream(data))

    assert box_emulator.uploads.sessions == {}
    assert [r.status for r in box_emulator.requests_to(PARTS, "DELETE")] == [204]
    assert box_emulator.uploaded() == []


async def test_a_name_with_semicolons_is_uploaded_under_that_name(
    box_emulator: BoxEmulator, box_client: BoxApiClient
) -> None:
    name, data = "Nutella;;Spot; v2.mp4", b"agency bytes"

    item = await box_client.upload(box_emulator.folder_ids["a2_a3"], name, len(data), stream(data))

    assert item.name == name and await box_emulator.read_file(item.id) == data


async def test_a_token_endpoint_429_with_an_http_date_is_rate_limiting(
    box_emulator: BoxEmulator, box_config: Config
) -> None:
    """It used to be float(Retry-After): a ValueError outside our error tree."""
    when = datetime.now(UTC) + timedelta(minutes=2)
    box_emulator.inject("/oauth2/token", retry_after=format_datetime(when, usegmt=True))

    async with BoxApiClient.from_config(box_config) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.probe_token()

    assert caught.value.retry_after is not None and 100 < caught.value.retry_after <= 120
