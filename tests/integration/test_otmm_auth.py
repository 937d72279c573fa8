"""Credentials against the OTMM emulator: token lifetime, sessions, X-Requested-By."""

from __future__ import annotations

import httpx
import pytest

from ferrero_daemon.clients.otmm.auth import TokenSource
from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.errors import NotFoundError
from ferrero_daemon.sandbox.otmm.content import SeededContent
from ferrero_daemon.sandbox.otmm.server import CLIENT_ID, OtmmEmulator


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_token_is_cached_and_refreshed_a_minute_early(otmm: OtmmEmulator) -> None:
    clock = Clock()
    url = f"{otmm.base_url}/otdsws/oauth2/token"
    async with httpx.AsyncClient() as http:
        tokens = TokenSource(http, url, CLIENT_ID, otmm.client_secret, clock=clock)
        first = await tokens.get()
        clock.now += 3539
        assert await tokens.get() == first
        clock.now += 2  # 59 s before expiry
        assert await tokens.get() != first
    assert otmm.auth.tokens_issued == 2


async def test_short_lived_token_is_not_fetched_per_call() -> None:
    async with OtmmEmulator(token_lifetime=30) as otmm, httpx.AsyncClient() as http:
        clock = Clock()
        url = f"{otmm.base_url}/otdsws/oauth2/token"
        tokens = TokenSource(http, url, CLIENT_ID, otmm.client_secret, clock=clock)
        first = await tokens.get()
        clock.now += 10
        assert await tokens.get() == first
        clock.now += 6  # past half its life
        assert await tokens.get() != first


async def test_import_after_token_expiry_still_succeeds(
    otmm: OtmmEmulator, dam_client: OtmmClient
) -> None:
    campaign = otmm.create_campaign("C")
    await dam_client.probe()
    otmm.expire_tokens()
    content = SeededContent(5, 100_000)

    asset = await dam_client.import_asset(campaign, "x.jpg", content.size, content.chunks(), {})

    assert otmm.content_sha1(asset.id) == content.sha1()


async def test_import_into_missing_folder_sends_no_bytes(
    otmm: OtmmEmulator, dam_client: OtmmClient
) -> None:
    content = SeededContent(5, 100_000)
    with pytest.raises(NotFoundError):
        await dam_client.import_asset("f" * 40, "x.jpg", content.size, content.chunks(), {})
    assert otmm.requests_to("/otmmapi/v6/assets$", "POST") == []


async def test_session_login_and_csrf_header(otmm: OtmmEmulator) -> None:
    otmm.set_password("tsuper", "pw-tsuper")
    campaign = otmm.create_campaign("C")
    async with httpx.AsyncClient(base_url=f"{otmm.base_url}/otmmapi/v6") as http:
        refused = await http.post("/sessions", data={"username": "tsuper", "password": "nope"})
        assert refused.status_code == 401
        login = await http.post("/sessions", data={"username": "tsuper", "password": "pw-tsuper"})
        session = login.json()["session_resource"]["session"]
        assert session["login_name"] == "tsuper" and "JSESSIONID" in login.cookies
        digest = {"otmmauthtoken": session["message_digest"]}
        assert (await http.get(f"/folders/{campaign}", headers=digest)).status_code == 200
        lock = {"action": "lock"}
        no_csrf = await http.put(f"/assets/{campaign}/state", data=lock, headers=digest)
        assert no_csrf.status_code == 403
        with_csrf = await http.put(
            f"/assets/{campaign}/state", data=lock,
            headers={**digest, "X-Requested-By": str(session["id"])},
        )  # fmt: skip
        assert with_csrf.status_code == 200
        assert otmm.folder(campaign).lock_user == "tsuper"
