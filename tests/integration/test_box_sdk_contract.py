"""Box's own SDK (boxsdk 10, sync, run in a thread) against the Box emulator.

If the real SDK's JWT auth, uploads, chunked sessions, paging, downloads and error
handling work against the emulator, the emulator speaks Box's dialect as Box's own
client understands it; then what our client learns from the emulator holds.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from box_sdk_gen import BaseUrls, BoxClient, BoxJWTAuth, JWTConfig, NetworkSession
from box_sdk_gen.box.errors import BoxAPIError
from box_sdk_gen.managers.uploads import UploadFileAttributes, UploadFileAttributesParentField
from box_sdk_gen.networking.retries import BoxRetryStrategy

from ferrero_daemon.sandbox.box.auth import BoxApp
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.box.uploads import UploadSettings

T = TypeVar("T")
MB = 1024 * 1024


def sdk_for(emulator: BoxEmulator, app_config_json: str | None = None) -> BoxClient:
    base = emulator.base_url
    auth = BoxJWTAuth(
        config=JWTConfig.from_config_json_string(app_config_json or emulator.app_config_json())
    )
    session = NetworkSession(
        base_urls=BaseUrls(base_url=base, upload_url=f"{base}/api", oauth_2_url=f"{base}/oauth2"),
        retry_strategy=BoxRetryStrategy(retry_base_interval=0.01),
    )
    return BoxClient(auth=auth, network_session=session)


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(fn, *args, **kwargs)


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def upload(sdk: BoxClient, folder_id: str, name: str, data: bytes) -> Any:
    attributes = UploadFileAttributes(
        name=name, parent=UploadFileAttributesParentField(id=folder_id)
    )
    return sdk.uploads.upload_file(attributes, io.BytesIO(data))


@pytest.fixture
async def sdk_emulator(box_app: BoxApp) -> Any:
    # Box's real sizes (20 MB chunked minimum, 8 MiB parts); the key pair is the test's.
    async with BoxEmulator(app=box_app) as emulator:
        yield emulator


@pytest.fixture
def sdk(sdk_emulator: BoxEmulator) -> BoxClient:
    return sdk_for(sdk_emulator)


async def test_small_upload_lands_with_its_sha1(sdk_emulator: BoxEmulator, sdk: BoxClient) -> None:
    folder = sdk_emulator.folder_ids["a1_a2"]
    data = os.urandom(3000)

    files = await in_thread(upload, sdk, folder, "Nutella_IT_it_1_OMG1_AB12C.mp4", data)

    assert files.entries[0].sha_1 == sha1(data)
    assert [c.name for c in sdk_emulator.uploaded()] == ["Nutella_IT_it_1_OMG1_AB12C.mp4"]
    assert await sdk_emulator.read_file(files.entries[0].id) == data


async def test_25_mb_file_goes_up_in_a_chunked_session(
    sdk_emulator: BoxEmulator, sdk: BoxClient
) -> None:
    data = os.urandom(25 * MB)
    folder = sdk_emulator.folder_ids["a1_a2"]

    file = await in_thread(
        sdk.chunked_uploads.upload_big_file, io.BytesIO(data), "big.mp4", len(data), folder
    )

    assert file.sha_1 == sha1(data)
    assert file.size == len(data)
    parts = sdk_emulator.requests_to(r"/api/2\.0/files/upload_sessions/[^/]+$", "PUT")
    assert len(parts) == 4  # 25 MiB in Box's 8 MiB parts: 8 + 8 + 8 + 1
    assert sdk_emulator.requests_to(r"/commit$")[-1].status == 201


async def test_listing_pages_by_marker(sdk_emulator: BoxEmulator, sdk: BoxClient) -> None:
    folder = sdk_emulator.folder_ids["a2_a3"]
    for name in ("c.mp4", "a.mp4", "b.mp4"):
        sdk_emulator.create_file(folder, name, data=name.encode())
    sdk_emulator.create_folder(folder, "zz-sub")

    names, marker, pages = [], None, 0
    while True:
        page = await in_thread(
            sdk.folders.get_folder_items,
            folder,
            fields=["name", "sha1", "size"],
            usemarker=True,
            marker=marker,
            limit=2,
        )
        names += [e.name for e in page.entries or []]
        pages += 1
        marker = page.next_marker
        if not marker:
            break

    assert pages == 2
    assert names == ["zz-sub", "a.mp4", "b.mp4", "c.mp4"]  # folders first, then by name


async def test_download_matches_the_sha1_box_reports(
    sdk_emulator: BoxEmulator, sdk: BoxClient
) -> None:
    folder = sdk_emulator.folder_ids["creativex"]
    file = sdk_emulator.create_file(folder, "score.pdf", size=3 * MB + 17, seed=7)

    info = await in_thread(sdk.files.get_file_by_id, file.id, fields=["sha1", "size"])
    stream = await in_thread(sdk.downloads.download_file, file.id)
    assert stream is not None
    data = await in_thread(stream.read)

    assert sha1(data) == info.sha_1 == file.sha1
    assert len(data) == info.size


async def test_name_taken_is_a_409_carrying_the_existing_sha1(
    sdk_emulator: BoxEmulator, sdk: BoxClient
) -> None:
    folder = sdk_emulator.folder_ids["a1_a2"]
    first = await in_thread(upload, sdk, folder, "Same.mp4", b"first")

    with pytest.raises(BoxAPIError) as raised:
        await in_thread(upload, sdk, folder, "same.MP4", b"second")

    info = raised.value.response_info
    assert info.status_code == 409
    assert info.code == "item_name_in_use"
    assert info.context_info is not None
    conflict = info.context_info["conflicts"]
    assert conflict["id"] == first.entries[0].id
    assert conflict["sha1"] == sha1(b"first")


async def test_preflight_and_delete(sdk_emulator: BoxEmulator, sdk: BoxClient) -> None:
    folder = sdk_emulator.folder_ids["a2_a3"]
    file = sdk_emulator.create_file(folder, "gone.mp4", data=b"x")

    check = await in_thread(
        sdk.uploads.preflight_file_upload_check, name="new.mp4", size=10, parent={"id": folder}
    )
    await in_thread(sdk.files.delete_file_by_id, file.id)

    assert (check.upload_url or "").startswith(sdk_emulator.base_url)
    assert [c.kind for c in sdk_emulator.changes()] == ["deleted"]
    with pytest.raises(BoxAPIError) as raised:
        await in_thread(sdk.files.get_file_by_id, file.id)
    assert raised.value.response_info.status_code == 404


async def test_an_assertion_signed_by_another_key_is_refused(sdk_emulator: BoxEmulator) -> None:
    impostor = BoxApp.generate()
    config = impostor.config()
    config["boxAppSettings"]["clientID"] = sdk_emulator.app.client_id
    config["boxAppSettings"]["clientSecret"] = sdk_emulator.app.client_secret
    config["boxAppSettings"]["appAuth"]["publicKeyID"] = sdk_emulator.app.public_key_id
    config["enterpriseID"] = sdk_emulator.app.enterprise_id
    sdk = sdk_for(sdk_emulator, json.dumps(config))

    with pytest.raises(BoxAPIError) as raised:
        await in_thread(sdk.folders.get_folder_by_id, "0")
    assert raised.value.response_info.status_code == 400
    assert (raised.value.response_info.body or {})["error"] == "invalid_grant"


# -- faults reach the SDK ------------------------------------------------------------------
async def test_expired_token_makes_the_sdk_mint_a_new_one(
    sdk_emulator: BoxEmulator, sdk: BoxClient
) -> None:
    await in_thread(sdk.folders.get_folder_by_id, "0")
    sdk_emulator.expire_tokens()

    await in_thread(sdk.folders.get_folder_items, "0")

    assert sdk_emulator.tokens.issued == 2
    assert [r.status for r in sdk_emulator.requests_to(r"/folders/0/items")] == [401, 200]


@pytest.mark.parametrize(
    ("fault", "first_status"),
    [
        ({"retry_after": 0.01}, 429),
        ({"status": 503}, 503),
        ({"drop": True}, 0),
    ],
    ids=["429-retry-after", "503", "dropped-connection"],
)
async def test_faults_reach_the_sdk_which_retries(
    sdk_emulator: BoxEmulator, sdk: BoxClient, fault: dict[str, Any], first_status: int
) -> None:
    file = sdk_emulator.create_file("0", "f.txt", data=b"hello")
    sdk_emulator.inject(rf"^/2\.0/files/{file.id}$", **fault)

    info = await in_thread(sdk.files.get_file_by_id, file.id)

    assert info.sha_1 == sha1(b"hello")
    statuses = [r.status for r in sdk_emulator.requests_to(rf"^/2\.0/files/{file.id}$")]
    assert statuses == [first_status, 200]


async def test_commit_202_with_retry_after_is_waited_out(sdk_emulator: BoxEmulator) -> None:
    sdk_emulator.upload_settings.chunked_min = 1000
    sdk_emulator.upload_settings.part_size = 400
    sdk_emulator.upload_settings.commit_pending = 1
    sdk = sdk_for(sdk_emulator)
    data = os.urandom(1000)

    file = await in_thread(
        sdk.chunked_uploads.upload_big_file, io.BytesIO(data), "b.bin", len(data), "0"
    )

    assert file.sha_1 == sha1(data)
    assert [r.status for r in sdk_emulator.requests_to(r"/commit$")] == [202, 201]


def test_emulator_defaults_are_box_sizes() -> None:
    assert UploadSettings().chunked_min == 20_000_000
    assert UploadSettings().part_size == 8 * MB
