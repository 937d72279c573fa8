"""What Box does, once, for both clients: our ``BoxApiClient`` and Box's own SDK, against
the Box emulator (``box_sides.py``). The behaviours only our client has (a same-content
409 counted as done, the upload window, resumed downloads…) are ``test_box_client.py``'s.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from box_sdk_gen.box.errors import BoxAPIError

from ferrero_daemon.sandbox.box.auth import BoxApp
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.box.uploads import UploadSettings
from tests.fixtures.box import TEST_PART_SIZE
from tests.integration.box_sides import SIDES, BoxSdk, Side, sha1

PARTS = r"/api/2\.0/files/upload_sessions/[^/]+$"


@pytest.fixture(params=list(SIDES))
async def side(request: pytest.FixtureRequest, box_emulator: BoxEmulator) -> AsyncIterator[Side]:
    client = SIDES[request.param](box_emulator)
    yield client
    await client.aclose()


# -- uploads --------------------------------------------------------------------------------
async def test_a_small_upload_lands_with_its_sha1(box_emulator: BoxEmulator, side: Side) -> None:
    folder = box_emulator.folder_ids["a1_a2"]
    data = os.urandom(3000)

    stored = await side.upload(folder, "Nutella_IT_it_1_OMG1_AB12C.mp4", data)

    assert (stored.sha1, stored.size) == (sha1(data), len(data))
    assert [c.name for c in box_emulator.uploaded()] == ["Nutella_IT_it_1_OMG1_AB12C.mp4"]
    assert await box_emulator.read_file(stored.id) == data
    assert len(box_emulator.requests_to(r"/api/2\.0/files/content$")) == 1


async def test_a_large_file_goes_up_in_a_chunked_session(
    box_emulator: BoxEmulator, side: Side
) -> None:
    data = os.urandom(4 * TEST_PART_SIZE + 5)  # above the test emulator's chunked minimum

    stored = await side.upload(box_emulator.folder_ids["b1_b2"], "MASTERS_big.mov", data)

    assert (stored.sha1, stored.size) == (sha1(data), len(data))
    assert await box_emulator.read_file(stored.id) == data
    assert len(box_emulator.requests_to(PARTS, "PUT")) == 5  # the emulator's part size
    assert [r.status for r in box_emulator.requests_to(r"/commit$")] == [201]


async def test_a_commit_answered_202_is_waited_out(box_emulator: BoxEmulator, side: Side) -> None:
    box_emulator.upload_settings.commit_pending = 1
    data = os.urandom(4 * TEST_PART_SIZE)

    stored = await side.upload("0", "commit.bin", data)

    assert stored.sha1 == sha1(data)
    assert [r.status for r in box_emulator.requests_to(r"/commit$")] == [202, 201]


async def test_a_name_taken_by_other_content_is_a_409(
    box_emulator: BoxEmulator, side: Side
) -> None:
    folder = box_emulator.folder_ids["a1_a2"]
    await side.upload(folder, "Same.mp4", b"first")

    with side.refused(409):
        await side.upload(folder, "same.MP4", b"second")  # Box's names ignore case

    assert len(box_emulator.uploaded()) == 1


# -- reads ----------------------------------------------------------------------------------
async def test_a_listing_follows_the_markers_page_by_page(
    box_emulator: BoxEmulator, side: Side
) -> None:
    folder = box_emulator.folder_ids["a2_a3"]
    for name in ("c.mp4", "a.mp4", "b.mp4"):
        box_emulator.create_file(folder, name, data=name.encode())
    box_emulator.create_folder(folder, "zz-sub")

    names = await side.names(folder)

    assert names == ["zz-sub", "a.mp4", "b.mp4", "c.mp4"]  # folders first, then by name
    assert len(box_emulator.requests_to(rf"/folders/{folder}/items")) == 2  # two per page


async def test_a_download_matches_the_sha1_box_reports(
    box_emulator: BoxEmulator, side: Side
) -> None:
    file = box_emulator.create_file("0", "score.pdf", size=3 * 1024 * 1024 + 17, seed=7)

    info = await side.info(file.id)
    data = await side.read(file.id)

    assert sha1(data) == info.sha1 == file.sha1
    assert len(data) == info.size == file.size


async def test_a_deleted_file_is_gone(box_emulator: BoxEmulator, side: Side) -> None:
    file = box_emulator.create_file("0", "gone.mp4", data=b"x")

    await side.delete(file.id)

    assert [c.kind for c in box_emulator.changes()] == ["deleted"]
    with side.refused(404):
        await side.info(file.id)


# -- auth and faults ------------------------------------------------------------------------
async def test_an_expired_token_is_minted_again(box_emulator: BoxEmulator, side: Side) -> None:
    await side.names("0")
    box_emulator.expire_tokens()

    await side.names("0")

    assert box_emulator.tokens.issued == 2
    statuses = [r.status for r in box_emulator.requests_to(r"/folders/0/items")]
    assert statuses == [200, 200, 401, 200, 200]  # two pages each; the token died in between


@pytest.mark.parametrize("name", list(SIDES))
async def test_an_assertion_signed_by_another_key_is_refused(
    box_emulator: BoxEmulator, name: str
) -> None:
    impostor = BoxApp.generate().config()  # the app's IDs and secret, another private key
    impostor["boxAppSettings"]["clientID"] = box_emulator.app.client_id
    impostor["boxAppSettings"]["clientSecret"] = box_emulator.app.client_secret
    impostor["boxAppSettings"]["appAuth"]["publicKeyID"] = box_emulator.app.public_key_id
    impostor["enterpriseID"] = box_emulator.app.enterprise_id
    side = SIDES[name](box_emulator, json.dumps(impostor))

    with side.refused(400):
        await side.names("0")
    await side.aclose()

    assert box_emulator.tokens.issued == 0


@pytest.mark.parametrize(
    ("fault", "first_status"),
    [({"retry_after": 0.01}, 429), ({"status": 503}, 503), ({"drop": True}, 0)],
    ids=["429-retry-after", "503", "dropped-connection"],
)
async def test_a_fault_is_retried(
    box_emulator: BoxEmulator, side: Side, fault: dict[str, Any], first_status: int
) -> None:
    box_emulator.inject(r"/folders/0/items", **fault)

    names = await side.names("0")

    assert len(names) == 4  # the four configured folders, on two pages
    statuses = [r.status for r in box_emulator.requests_to(r"/folders/0/items")]
    assert statuses == [first_status, 200, 200]


# -- what our client relies on, seen through Box's own SDK ----------------------------------
async def test_the_409_of_a_taken_name_carries_the_existing_file_and_its_sha1(
    box_emulator: BoxEmulator,
) -> None:
    """Our client counts a same-content 409 as uploaded (``test_box_client.py``) from this."""
    sdk = BoxSdk(box_emulator)
    first = await sdk.upload("0", "Same.mp4", b"first")

    with pytest.raises(BoxAPIError) as raised:
        await sdk.upload("0", "Same.mp4", b"second")

    info = raised.value.response_info
    assert (info.status_code, info.code) == (409, "item_name_in_use")
    assert info.context_info is not None
    conflict = info.context_info["conflicts"]
    assert (conflict["id"], conflict["sha1"]) == (first.id, sha1(b"first"))


async def test_a_preflight_check_names_the_upload_url(box_emulator: BoxEmulator) -> None:
    sdk = BoxSdk(box_emulator).sdk
    folder = box_emulator.folder_ids["a2_a3"]

    check = await BoxSdk(box_emulator)._call(
        sdk.uploads.preflight_file_upload_check, name="new.mp4", size=10, parent={"id": folder}
    )

    assert (check.upload_url or "").startswith(box_emulator.base_url)


def test_the_emulator_defaults_are_box_sizes() -> None:
    """The suite shrinks them; out of the box, the emulator asks for Box's real sizes."""
    assert UploadSettings().chunked_min == 20_000_000
    assert UploadSettings().part_size == 8 * 1024 * 1024
