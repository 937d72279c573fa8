"""``ferrero-daemon emulate box``: the Box emulator in the foreground, as an operator runs it."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import httpx

from ferrero_daemon.clients.box.client import BoxApiClient
from tests import configs

ROOT = Path(__file__).resolve().parents[2]


async def test_emulate_box_prints_its_url_serves_the_daemon_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ferrero_daemon",
        "emulate",
        "box",
        "--data-dir",
        str(tmp_path),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        base_url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        async with httpx.AsyncClient(base_url=base_url) as admin:
            app = (await admin.get("/_admin/app")).json()
        config = configs.config(app["config"], app["secrets"])
        async with BoxApiClient.from_config(config) as client:
            folders = await client.list_folder("0")
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)

    assert base_url.startswith("http://127.0.0.1:")
    assert json.loads(app["secrets"]["box_jwt_config"])["boxAppSettings"]["appAuth"]["passphrase"]
    assert {f.id for f in folders} == set(app["config"]["box"]["folders"].values())
    assert code == 0
