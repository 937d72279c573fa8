"""The Box emulator's wire rules, checked with plain httpx (what boxsdk alone cannot show)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from ferrero_daemon.sandbox.box.auth import AUDIENCE, JWT_GRANT, BoxApp
from ferrero_daemon.sandbox.box.content import HashOnlyContent
from ferrero_daemon.sandbox.box.server import BoxEmulator
from tests.fixtures.box import TEST_CHUNKED_MIN, TEST_PART_SIZE


def assertion(app: BoxApp, **claims: Any) -> str:
    body = {
        "iss": app.client_id,
        "sub": app.enterprise_id,
        "box_sub_type": "enterprise",
        "aud": AUDIENCE,
        "jti": str(uuid.uuid4()),
        "exp": int(time.time()) + 30,
        **claims,
    }
    return jwt.encode(body, app.private_key, algorithm="RS512", headers={"kid": app.public_key_id})


def token_form(app: BoxApp, jwt_text: str, **form: str) -> dict[str, str]:
    return {
        "grant_type": JWT_GRANT,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "assertion": jwt_text,
        **form,
    }


@pytest.fixture
async def http(box_emulator: BoxEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=box_emulator.base_url) as client:
        form = token_form(box_emulator.app, assertion(box_emulator.app))
        token = (await client.post("/oauth2/token", data=form)).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def digest(data: bytes) -> str:
    return "sha=" + base64.b64encode(hashlib.sha1(data).digest()).decode()


def multipart(name: str, parent: str, data: bytes, *, file_first: bool = False) -> dict[str, Any]:
    boundary = "b0undary"
    attributes = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attributes"\r\n\r\n'
        + json.dumps({"name": name, "parent": {"id": parent}})
        + "\r\n"
    ).encode()
    file = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename=""\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts = [file, attributes] if file_first else [attributes, file]
    return {
        "content": b"".join(parts) + f"--{boundary}--\r\n".encode(),
        "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"},
    }


# -- auth -------------------------------------------------------------------------------------
async def test_api_without_a_token_is_401_in_box_shape(box_emulator: BoxEmulator) -> None:
    async with httpx.AsyncClient(base_url=box_emulator.base_url) as client:
        answer = await client.get("/2.0/folders/0/items")
    assert answer.status_code == 401
    assert answer.json()["type"] == "error" and answer.json()["code"] == "unauthorized"
    assert "invalid_token" in answer.headers["WWW-Authenticate"]


@pytest.mark.parametrize(
    ("claims", "form", "error"),
    [
        ({}, {"client_secret": "wrong"}, "invalid_client"),
        ({"exp": int(time.time()) + 3600}, {}, "invalid_grant"),
        ({"exp": int(time.time()) - 10}, {}, "invalid_grant"),
        ({"sub": "1"}, {}, "invalid_grant"),
        ({"aud": "https://example.com"}, {}, "invalid_grant"),
        ({"jti": "short"}, {}, "invalid_grant"),
    ],
    ids=["client-secret", "exp-too-far", "expired", "sub", "aud", "jti-length"],
)
async def test_token_endpoint_checks_the_assertion(
    box_emulator: BoxEmulator, claims: dict[str, Any], form: dict[str, str], error: str
) -> None:
    app = box_emulator.app
    async with httpx.AsyncClient(base_url=box_emulator.base_url) as client:
        answer = await client.post(
            "/oauth2/token", data=token_form(app, assertion(app, **claims), **form)
        )
    assert (answer.status_code, answer.json()["error"]) == (400, error)


async def test_an_assertion_cannot_be_replayed(box_emulator: BoxEmulator) -> None:
    app = box_emulator.app
    form = token_form(app, assertion(app))
    async with httpx.AsyncClient(base_url=box_emulator.base_url) as client:
        first = await client.post("/oauth2/token", data=form)
        second = await client.post("/oauth2/token", data=form)
    assert first.status_code == 200 and first.json()["token_type"] == "bearer"
    assert second.status_code == 400


# -- listing ----------------------------------------------------------------------------------
async def test_offset_paging_and_fields(box_emulator: BoxEmulator, http: httpx.AsyncClient) -> None:
    for name in ("b.mp4", "a.mp4"):
        box_emulator.create_file("0", name, data=name.encode())

    page = (await http.get("/2.0/folders/0/items", params={"offset": 4, "limit": 1})).json()
    picked = await http.get("/2.0/folders/0/items", params={"fields": "size,name", "limit": 1000})

    assert (page["total_count"], page["offset"], page["limit"]) == (6, 4, 1)
    (entry,) = page["entries"]
    assert entry["name"] == "a.mp4" and entry["sha1"] == sha1(b"a.mp4")
    assert entry["file_version"]["sha1"] == entry["sha1"] and "size" not in entry  # mini
    files = [e for e in picked.json()["entries"] if e["type"] == "file"]
    assert set(files[0]) == {"type", "id", "etag", "size", "name"}


# -- direct uploads ---------------------------------------------------------------------------
async def test_file_before_attributes_is_refused(
    box_emulator: BoxEmulator, http: httpx.AsyncClient
) -> None:
    answer = await http.post("/api/2.0/files/content", **multipart("x", "0", b"d", file_first=True))
    assert (answer.status_code, answer.json()["code"]) == (400, "metadata_after_file_contents")
    assert box_emulator.uploaded() == []


async def test_content_md5_is_checked_as_sha1(
    box_emulator: BoxEmulator, http: httpx.AsyncClient
) -> None:
    request = multipart("x.bin", "0", b"data")
    request["headers"]["Content-MD5"] = sha1(b"other")

    answer = await http.post("/api/2.0/files/content", **request)

    assert (answer.status_code, answer.json()["code"]) == (400, "bad_digest")
    assert box_emulator.uploaded() == []


async def test_conflicts_are_an_object_for_files_and_a_list_for_folders(
    box_emulator: BoxEmulator, http: httpx.AsyncClient
) -> None:
    file = box_emulator.create_file("0", "Taken.MP4", data=b"t")
    folder = box_emulator.create_folder("0", "Sub")

    upload = await http.post("/api/2.0/files/content", **multipart("taken.mp4", "0", b"x"))
    create = await http.post("/2.0/folders", json={"name": "SUB", "parent": {"id": "0"}})
    preflight = await http.request(
        "OPTIONS",
        "/2.0/files/content",
        json={"name": "TAKEN.mp4", "size": 1, "parent": {"id": "0"}},
    )

    assert upload.status_code == preflight.status_code == create.status_code == 409
    assert upload.json()["context_info"]["conflicts"]["sha1"] == file.sha1
    assert preflight.json()["context_info"]["conflicts"]["id"] == file.id
    assert create.json()["context_info"]["conflicts"][0]["id"] == folder.id


# -- chunked uploads ----------------------------------------------------------------------------
async def open_session(http: httpx.AsyncClient, size: int, name: str = "big.bin") -> dict[str, Any]:
    answer = await http.post(
        "/api/2.0/files/upload_sessions",
        json={"folder_id": "0", "file_size": size, "file_name": name},
    )
    assert answer.status_code == 201, answer.text
    session: dict[str, Any] = answer.json()
    return session


async def put(
    http: httpx.AsyncClient, url: str, data: bytes, start: int, total: int, **headers: str
) -> httpx.Response:
    return await http.put(
        url,
        content=data,
        headers={
            "Digest": digest(data),
            "Content-Range": f"bytes {start}-{start + len(data) - 1}/{total}",
            **headers,
        },
    )


async def test_chunked_session_rules(box_emulator: BoxEmulator, http: httpx.AsyncClient) -> None:
    size = TEST_CHUNKED_MIN + 10
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    session = await open_session(http, size)
    url = session["session_endpoints"]["upload_part"]
    part = TEST_PART_SIZE

    too_small = await http.post(
        "/api/2.0/files/upload_sessions", json={"folder_id": "0", "file_size": 10, "file_name": "s"}
    )
    misaligned = await put(http, url, data[1 : part + 1], 1, size)
    short = await put(http, url, data[:100], 0, size)
    bad_digest = await put(http, url, data[:part], 0, size, Digest=digest(b"nope"))
    first = await put(http, url, data[:part], 0, size)
    again = await put(http, url, data[:part], 0, size)
    early_commit = await http.post(session["session_endpoints"]["commit"], json={"parts": []})

    assert (too_small.status_code, too_small.json()["code"]) == (400, "file_size_too_small")
    assert misaligned.status_code == short.status_code == 416
    assert (bad_digest.status_code, bad_digest.json()["code"]) == (400, "bad_digest")
    assert first.json()["part"] == {
        "part_id": first.json()["part"]["part_id"],
        "offset": 0,
        "size": part,
        "sha1": sha1(data[:part]),
    }
    assert (again.status_code, again.json()["code"]) == (409, "range_overlaps_existing_part")
    assert (early_commit.status_code, early_commit.json()["code"]) == (400, "parts_mismatch")


async def test_commit_checks_the_whole_file_digest_and_keeps_only_the_hash(
    box_emulator: BoxEmulator, http: httpx.AsyncClient
) -> None:
    box_emulator._memory_limit = 1024  # anything larger is reduced to size + SHA-1
    size = 4 * TEST_PART_SIZE
    data = b"\x07" * size
    session = await open_session(http, size)
    endpoints = session["session_endpoints"]
    parts = []
    for start in reversed(range(0, size, TEST_PART_SIZE)):  # out of order on purpose
        answer = await put(
            http, endpoints["upload_part"], data[start : start + TEST_PART_SIZE], start, size
        )
        parts.append(answer.json()["part"])
    listed = (await http.get(endpoints["list_parts"])).json()

    wrong = await http.post(
        endpoints["commit"], json={"parts": parts}, headers={"Digest": digest(b"x")}
    )
    right = await http.post(
        endpoints["commit"], json={"parts": parts}, headers={"Digest": digest(data)}
    )

    assert listed["total_count"] == 4 and [p["offset"] for p in listed["entries"]] == sorted(
        p["offset"] for p in parts
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "bad_digest")
    assert right.status_code == 201 and right.json()["entries"][0]["sha1"] == sha1(data)
    stored = box_emulator.store.file(right.json()["entries"][0]["id"])
    assert isinstance(stored.content, HashOnlyContent) and stored.size == size


async def test_absolute_urls_follow_the_host_the_client_used(box_emulator: BoxEmulator) -> None:
    origin = f"http://localhost:{box_emulator.port}"
    file = box_emulator.create_file("0", "f.bin", data=b"0123456789")
    async with httpx.AsyncClient(base_url=origin) as client:
        form = token_form(box_emulator.app, assertion(box_emulator.app))
        token = (await client.post("/oauth2/token", data=form)).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        session = await open_session(client, TEST_CHUNKED_MIN)
        redirect = await client.get(f"/2.0/files/{file.id}/content")

    assert all(url.startswith(origin) for url in session["session_endpoints"].values())
    assert redirect.status_code == 302 and redirect.headers["Location"].startswith(f"{origin}/dl/")


# -- downloads --------------------------------------------------------------------------------
async def test_content_url_needs_no_auth_and_honours_range(
    box_emulator: BoxEmulator, http: httpx.AsyncClient
) -> None:
    file = box_emulator.create_file("0", "f.bin", data=b"0123456789")
    location = (await http.get(f"/2.0/files/{file.id}/content")).headers["Location"]

    async with httpx.AsyncClient() as anonymous:
        whole = await anonymous.get(location)
        tail = await anonymous.get(location, headers={"Range": "bytes=7-"})
        beyond = await anonymous.get(location, headers={"Range": "bytes=10-"})

    assert (whole.status_code, whole.content) == (200, b"0123456789")
    assert (tail.status_code, tail.content, tail.headers["Content-Range"]) == (
        206,
        b"789",
        "bytes 7-9/10",
    )
    assert beyond.status_code == 416


# -- admin ------------------------------------------------------------------------------------
async def test_admin_over_http(box_emulator: BoxEmulator, http: httpx.AsyncClient) -> None:
    folder = box_emulator.folder_ids["a2_a3"]
    async with httpx.AsyncClient(base_url=f"{box_emulator.base_url}/_admin") as admin:
        app = (await admin.get("/app")).json()
        seeded = (
            await admin.post(
                "/files", json={"folder_id": folder, "name": "s.bin", "size": 5000, "seed": 2}
            )
        ).json()
        text = (
            await admin.post("/files", json={"folder_id": folder, "name": "t.txt", "text": "hi"})
        ).json()
        await http.delete(f"/2.0/files/{text['id']}")
        changes = (await admin.get("/changes")).json()
        content = await admin.get(f"/files/{seeded['id']}/content")
        await admin.post("/settings", json={"commit_pending": 3})
        await admin.post("/expire_tokens")
    after = await http.get("/2.0/folders/0")

    assert app["config"]["box"]["folders"]["a2_a3"] == folder
    assert (
        json.loads(app["secrets"]["box_jwt_config"])["enterpriseID"]
        == box_emulator.app.enterprise_id
    )
    assert sha1(content.content) == seeded["sha1"] and seeded["size"] == 5000
    assert changes == [
        {
            "kind": "deleted",
            "id": text["id"],
            "name": "t.txt",
            "folder_id": folder,
            "size": 2,
            "sha1": sha1(b"hi"),
        }
    ]
    assert box_emulator.upload_settings.commit_pending == 3
    assert after.status_code == 401


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("a/b.mp4", "item_name_invalid"),
        ("a\\b.mp4", "item_name_invalid"),
        ("trailing.mp4 ", "item_name_invalid"),
        ("..", "item_name_invalid"),
        ("x" * 256, "item_name_too_long"),
    ],
)
async def test_names_box_refuses_are_refused(http: httpx.AsyncClient, name: str, code: str) -> None:
    answer = await http.post("/2.0/folders", json={"name": name, "parent": {"id": "0"}})
    assert (answer.status_code, answer.json()["code"]) == (400, code)
