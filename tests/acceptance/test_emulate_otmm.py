"""``ferrero-daemon emulate otmm --mtls``: OAuth2 on its URL, mutual TLS on a second port."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

from ferrero_daemon.clients.otmm.client import OtmmClient
from tests import configs

ROOT = Path(__file__).resolve().parents[2]


async def test_emulate_otmm_mtls_takes_the_pfx_it_printed(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ferrero_daemon", "emulate", "otmm", "--mtls",
        "--data-dir", str(tmp_path), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stderr is not None
        base_url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        line = (await asyncio.wait_for(proc.stderr.readline(), 30)).decode()
        found = re.match(
            r"mutual TLS on (https://\S+): client certificate (\S+) \(password in (\S+)\), CA (\S+)",
            line,
        )
        assert found, line
        mtls_url, pfx, password, ca = found.groups()
        dam = {
            "auth_mode": "mtls",
            "mtls_base_url": f"{mtls_url}/otmmapi",
            "mtls_cert_path": pfx,
            "ca_bundle": ca,
        }
        config = configs.config(
            {"dam": dam}, {"dam_mtls_cert_password": Path(password).read_text()}
        )
        async with OtmmClient.from_config(config) as client:
            probed = await client.probe()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)

    assert base_url.startswith("http://127.0.0.1:") and mtls_url.startswith("https://127.0.0.1:")
    assert mtls_url != base_url
    assert "client certificate accepted" in probed
    assert Path(password).stat().st_mode & 0o077 == 0
    assert code == 0
