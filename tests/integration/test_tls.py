"""TLS verification is on for every outside HTTPS client: an unknown CA is refused.

Each emulator serves a certificate of a private CA minted for the test (``sandbox/pki.py``):
no client trusts it until that system's ``ca_bundle`` names the CA, and then the same
call goes through. The refusal is a ``CertificateError`` whose hint names the key.
"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ferrero_daemon.clients.box.auth import JwtTokens
from ferrero_daemon.clients.box.client import BoxApiClient
from ferrero_daemon.clients.creativex import CreativeXClient
from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.clients.webhook import WebhookClient
from ferrero_daemon.config import Config
from ferrero_daemon.errors import CertificateError
from ferrero_daemon.sandbox import scorecard
from ferrero_daemon.sandbox.box.auth import BoxApp
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.http import EmulatorServer
from ferrero_daemon.sandbox.llamacloud import LlamaCloudEmulator
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from ferrero_daemon.sandbox.pki import TestPki
from ferrero_daemon.sandbox.webhook import WebhookReceiver
from tests import configs

Use = Callable[[Config], Awaitable[str]]
# asyncio (3.11) leaves the server side of a refused TLS handshake unclosed: the
# emulator's, not the client's. Its ResourceWarning is no finding of these tests.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(autouse=True)
def _collect_refused_handshakes() -> Iterator[None]:
    """Collect those transports here, so that their warning cannot land in another test."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def serve_tls(emulator: EmulatorServer, directory: Path) -> Path:
    """Make ``emulator`` speak HTTPS with a private CA's certificate; the CA's PEM file."""
    directory.mkdir(parents=True, exist_ok=True)
    pki = TestPki("ferrero-test-private-ca")
    emulator.ssl_context = pki.server_context(directory)
    return pki.write_ca(directory / "ca.pem")


async def refused_then_trusted(
    emulator: Any, section: str, use: Use, tmp_path: Path, refused_by: Use | None = None
) -> tuple[CertificateError, str]:
    ca = serve_tls(emulator, tmp_path / "pki")
    async with emulator:
        assert emulator.base_url.startswith("https://")
        with pytest.raises(CertificateError) as refused:
            await (refused_by or use)(configs.config(emulators=[emulator]))
        trusted = await use(
            configs.config(emulators=[emulator], overrides={section: {"ca_bundle": str(ca)}})
        )
    return refused.value, trusted


async def dam_probe(config: Config) -> str:
    async with OtmmClient.from_config(config) as client:
        return await client.probe()


async def box_listing(config: Config) -> str:
    async with BoxApiClient.from_config(config) as client:
        return ", ".join(sorted(item.name for item in await client.list_folder("0")))


async def webhook_post(config: Config) -> str:
    client = WebhookClient.from_config(config)
    try:
        return str(await client.post({"event": "test"}, key="tls"))
    finally:
        await client.aclose()


async def llamacloud_probe(config: Config) -> str:
    client = CreativeXClient.from_config(config)
    try:
        return await client.probe()
    finally:
        await client.aclose()


async def score(config: Config) -> str:
    client = CreativeXClient.from_config(config)
    try:
        card = await client.extract(scorecard.render(scorecard.sample("TLS spot")), "tls.pdf")
    finally:
        await client.aclose()
    return card.creative_name


async def test_the_dam_and_otds(tmp_path: Path) -> None:
    error, trusted = await refused_then_trusted(OtmmEmulator(), "dam", dam_probe, tmp_path)
    assert "OTDS's TLS certificate is not trusted" in str(error)  # the token comes first
    assert "[dam] ca_bundle" in error.hint
    assert "OAuth2 token accepted" in trusted


async def test_box_rest_and_its_jwt_token(tmp_path: Path, box_app: BoxApp) -> None:
    emulator = BoxEmulator(app=box_app)
    error, trusted = await refused_then_trusted(emulator, "box", box_listing, tmp_path)
    assert "Box's token endpoint's TLS certificate is not trusted" in str(error)
    assert "[box] ca_bundle" in error.hint
    assert trusted  # the configured folders, listed over HTTPS with a token minted over HTTPS


async def test_the_webhook(tmp_path: Path) -> None:
    receiver = WebhookReceiver()
    error, trusted = await refused_then_trusted(receiver, "webhook", webhook_post, tmp_path)
    assert "[webhook] ca_bundle" in error.hint
    assert trusted == "200" and [p.body for p in receiver.posts] == [{"event": "test"}]


async def test_llamacloud(tmp_path: Path) -> None:
    # Refused through the probe: the SDK's get_agent retries a refused handshake for ~20 s.
    error, trusted = await refused_then_trusted(
        LlamaCloudEmulator(), "creativex", score, tmp_path, refused_by=llamacloud_probe
    )
    assert "LlamaCloud" in str(error) and "[creativex] ca_bundle" in error.hint
    assert trusted == "TLS spot"


async def test_box_rest_calls_verify_on_their_own(tmp_path: Path, box_app: BoxApp) -> None:
    """The token is minted by boxsdk (requests), REST calls go through httpx: both verify."""
    emulator = BoxEmulator(app=box_app)
    ca = serve_tls(emulator, tmp_path / "pki")
    async with emulator:
        box = configs.config(emulators=[emulator]).settings.box
        tokens = JwtTokens(emulator.app_config_json(), box.oauth_url, ca_bundle=ca)
        async with BoxApiClient(box, tokens) as client:  # [box] ca_bundle not set
            with pytest.raises(CertificateError, match="Box's TLS certificate is not trusted"):
                await client.list_folder("0")
    assert tokens.minted == 1
