"""Mutual TLS: the client presents the ``.pfx`` certificate; others are refused."""

from __future__ import annotations

import hashlib
import os
import ssl
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ferrero_daemon.clients.http import Retry
from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.config import Config
from ferrero_daemon.errors import ConfigError, TransientError
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from ferrero_daemon.sandbox.pki import TestPki


async def test_mtls_client_reads_and_downloads(
    otmm_mtls: OtmmEmulator, dam_mtls_client: OtmmClient
) -> None:
    assert otmm_mtls.base_url.startswith("https://")
    campaign = otmm_mtls.create_campaign("C", {otmm_mtls.fields.campaign_status: "A1"})
    asset = otmm_mtls.create_asset(campaign, "m.mp4", size=300_000, seed=5)

    assert "client certificate accepted" in await dam_mtls_client.probe()
    assert [
        f.id for f in await dam_mtls_client.find_folders({otmm_mtls.fields.campaign_status: "A1"})
    ] == [campaign]
    digest = hashlib.sha1()
    async with dam_mtls_client.download(asset) as download:
        async for chunk in download.chunks:
            digest.update(chunk)
    assert digest.hexdigest() == otmm_mtls.content_sha1(asset)
    assert not any("Authorization" in r.headers for r in otmm_mtls.requests_to("^/otmmapi/"))


async def test_refused_without_a_client_certificate(otmm_mtls: OtmmEmulator) -> None:
    assert otmm_mtls.mtls_dir is not None
    context = ssl.create_default_context(cafile=str(otmm_mtls.mtls_dir / "ca.pem"))
    async with httpx.AsyncClient(verify=context) as http:
        with pytest.raises(httpx.TransportError):
            await http.get(f"{otmm_mtls.base_url}/otmmapi/v6/folders/rootfolders")


async def test_refused_with_a_certificate_from_another_ca(
    otmm_mtls: OtmmEmulator, dam_make_config: Callable[..., Config], tmp_path: Path
) -> None:
    stranger = TestPki("someone-else").client_pfx(tmp_path / "other.pfx", "pw-other")
    overrides = otmm_mtls.config_overrides()
    overrides["dam"]["mtls_cert_path"] = str(stranger)
    config = dam_make_config(overrides, {"dam_mtls_cert_password": "pw-other"})
    async with OtmmClient.from_config(config, retry=Retry(attempts=1)) as client:
        # TLS 1.3: OTMM's refusal of our certificate arrives as a reset on the first
        # read, which cannot be told from any other dropped connection.
        with pytest.raises(TransientError, match="connection to OTMM lost"):
            await client.probe()


def test_wrong_pfx_password_is_a_clear_config_error(
    otmm_mtls: OtmmEmulator, dam_make_config: Callable[..., Config]
) -> None:
    config = dam_make_config(otmm_mtls.config_overrides(), {"dam_mtls_cert_password": "wrong"})
    with pytest.raises(ConfigError, match="dam_mtls_cert_password"):
        OtmmClient.from_config(config)


async def test_no_key_file_is_left_behind(
    otmm_mtls: OtmmEmulator, dam_mtls_client: OtmmClient
) -> None:
    await dam_mtls_client.probe()
    runtime = Path(os.environ["XDG_RUNTIME_DIR"])
    assert not list(runtime.glob("ferrero-mtls-*"))
