"""The DAM client under the faults the OTMM emulator injects."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable

import pytest
from structlog.testing import capture_logs

from ferrero_daemon.clients.http import Retry
from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.config import Config
from ferrero_daemon.errors import AuthError, InvalidInputError, TransientError
from ferrero_daemon.sandbox.otmm.content import SeededContent
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator

MiB = 1024 * 1024


class RecordingSleep:
    """Stands in for asyncio.sleep: records the waits the client asks for."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def sleepy_client(dam_config: Config) -> AsyncIterator[tuple[OtmmClient, RecordingSleep]]:
    sleep = RecordingSleep()
    async with OtmmClient.from_config(
        dam_config, retry=Retry(sleep=sleep), sleep=sleep, poll_interval=0.0
    ) as client:
        yield client, sleep


async def download_sha1(client: OtmmClient, asset_id: str) -> str:
    digest = hashlib.sha1()
    async with client.download(asset_id) as download:
        async for chunk in download.chunks:
            digest.update(chunk)
    return digest.hexdigest()


async def test_token_expired_mid_run(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    campaign = otmm.create_campaign("C", {otmm.fields.campaign_status: "A1"})
    await dam_client.get_folder(campaign)
    otmm.expire_tokens()

    folder = await dam_client.get_folder(campaign)

    assert folder.id == campaign
    assert otmm.auth.tokens_issued == 2
    assert [r.status for r in otmm.requests_to(f"/folders/{campaign}")] == [200, 401, 200]


async def test_token_expired_before_download(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    asset = otmm.create_asset(otmm.create_campaign("C"), "m.mp4", size=MiB, seed=3)
    await dam_client.probe()
    otmm.expire_tokens()

    assert await download_sha1(dam_client, asset) == otmm.content_sha1(asset)


async def test_429_retry_after_is_honoured(
    otmm: OtmmEmulator, sleepy_client: tuple[OtmmClient, RecordingSleep]
) -> None:
    client, sleep = sleepy_client
    campaign = otmm.create_campaign("C", {otmm.fields.campaign_status: "A1"})
    otmm.inject("/search/text", retry_after=7, count=2)

    found = await client.find_folders({otmm.fields.campaign_status: "A1"})

    assert [f.id for f in found] == [campaign]
    assert sleep.waits == [7.0, 7.0]


async def test_503_then_success(
    otmm: OtmmEmulator, sleepy_client: tuple[OtmmClient, RecordingSleep]
) -> None:
    client, sleep = sleepy_client
    campaign = otmm.create_campaign("C")
    otmm.inject(f"/folders/{campaign}/children", status=503)

    children = await client.folder_children(campaign)

    assert children.assets == []
    assert len(sleep.waits) == 1 and 0 < sleep.waits[0] <= 0.5


async def test_503_for_good_gives_up_as_transient(
    otmm: OtmmEmulator, sleepy_client: tuple[OtmmClient, RecordingSleep]
) -> None:
    client, _sleep = sleepy_client
    campaign = otmm.create_campaign("C")
    otmm.inject(f"/folders/{campaign}$", status=503, count=10)

    with pytest.raises(TransientError, match="503"):
        await client.get_folder(campaign)

    assert len(otmm.requests_to(f"/folders/{campaign}$")) == Retry().attempts  # 5


async def test_import_is_not_repeated_on_503(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    campaign = otmm.create_campaign("C")
    otmm.inject("/otmmapi/v6/assets$", method="POST", status=503, count=5)
    content = SeededContent(1, 1000)

    with pytest.raises(TransientError):
        await dam_client.import_asset(campaign, "x.mp4", 1000, content.chunks(), {})

    assert len(otmm.requests_to("/otmmapi/v6/assets$", "POST")) == 1
    assert otmm.imported() == []


async def test_download_resumes_after_dropped_connection(
    otmm: OtmmEmulator, dam_client: OtmmClient
) -> None:
    asset = otmm.create_asset(otmm.create_campaign("C"), "m.mp4", size=6 * MiB + 5, seed=11)
    otmm.inject(f"/assets/{asset}/contents", drop_after_bytes=2 * MiB + 17, count=2)

    with capture_logs() as logs:
        sha1 = await download_sha1(dam_client, asset)

    assert sha1 == otmm.content_sha1(asset)
    ranges = [r.headers.get("Range") for r in otmm.requests_to(f"/assets/{asset}/contents")]
    assert ranges[0] is None
    assert ranges[1:] == ["bytes=2097169-", "bytes=4194338-"]
    assert [e["offset"] for e in logs if e["event"] == "dam_download_resumed"] == [2097169, 4194338]


async def test_wrong_client_secret_is_an_auth_error(
    otmm: OtmmEmulator, dam_make_config: Callable[..., Config]
) -> None:
    config = dam_make_config(otmm.config_overrides(), {"dam_client_secret": "not-the-secret"})
    async with OtmmClient.from_config(config) as client:
        with pytest.raises(AuthError, match="OTDS answered 401") as caught:
            await client.probe()
    assert "dam_client_secret" in caught.value.hint
    assert "not-the-secret" not in str(caught.value)


async def test_every_call_sends_x_requested_by(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    f = otmm.fields
    campaign = otmm.create_campaign("C", {f.campaign_status: "A1"})
    await dam_client.find_folders({f.campaign_status: "A1"})
    await dam_client.update_folder_metadata(campaign, {f.campaign_status: "A2"})
    await dam_client.import_asset(campaign, "a.jpg", 3, SeededContent(1, 3).chunks(), {})

    api_calls = otmm.requests_to("^/otmmapi/")
    assert api_calls and all(r.headers.get("X-Requested-By") == "ferrero-daemon" for r in api_calls)


async def test_logs_carry_no_secret(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    campaign = otmm.create_campaign("C")
    otmm.inject(f"/folders/{campaign}$", status=503)
    with capture_logs() as logs:
        await dam_client.get_folder(campaign)
        otmm.expire_tokens()
        await dam_client.get_folder(campaign)
    tokens = list(otmm.auth.tokens)
    text = repr(logs)
    assert {"dam_token_fetched", "http_retry", "dam_token_refused"} <= {e["event"] for e in logs}
    assert otmm.client_secret not in text and not any(t in text for t in tokens)


async def test_failed_import_job_is_reported(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    campaign = otmm.create_campaign("C")
    otmm.fail_next_jobs(reason="Import failed: storage full.")

    with pytest.raises(InvalidInputError, match="failed: Import failed: storage full"):
        await dam_client.import_asset(campaign, "x.mp4", 10, SeededContent(1, 10).chunks(), {})

    assert otmm.imported() == []


async def test_failed_check_in_releases_the_check_out(
    otmm: OtmmEmulator, dam_client: OtmmClient
) -> None:
    asset = otmm.create_asset(otmm.create_campaign("C"), "v.mp4", size=10)
    otmm.inject("/jobs/checkins/", status=500, body={"exception_body": {"message": "boom"}})

    with pytest.raises(TransientError, match="boom"):
        await dam_client.check_in_version(asset, "v.mp4", 10, SeededContent(1, 10).chunks())

    assert otmm.asset(asset).checked_out_by is None and otmm.asset(asset).lock_user is None
    assert [a.version for a in otmm.versions(asset)] == [1]


async def test_concurrent_calls_share_one_token(otmm: OtmmEmulator, dam_client: OtmmClient) -> None:
    campaign = otmm.create_campaign("C")

    await asyncio.gather(*(dam_client.get_folder(campaign) for _ in range(10)))

    assert otmm.auth.tokens_issued == 1
