"""The OTMM emulator's ``/_admin`` interface and its ``emulate`` entry point."""

from __future__ import annotations

from pathlib import Path

import httpx

from ferrero_daemon.sandbox.emulators import create
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator


async def test_seed_and_inspect_over_http(otmm: OtmmEmulator) -> None:
    status = otmm.fields.campaign_status
    async with httpx.AsyncClient(base_url=f"{otmm.base_url}/_admin") as admin:
        campaign = (
            await admin.post("/campaigns", json={"name": "C", "metadata": {status: "A1"}})
        ).json()["id"]
        asset = (
            await admin.post(
                "/assets", json={"folder_id": campaign, "name": "m.mp4", "size": 1000, "seed": 3}
            )
        ).json()
        assert asset["size"] == 1000 and asset["sha1"] == otmm.content_sha1(asset["id"])
        assert (
            await admin.post("/locks", json={"id": asset["id"], "user": "mrossi"})
        ).status_code == 200
        described = (await admin.get(f"/objects/{asset['id']}")).json()
        assert described["lock_user"] == "mrossi"
        assert (await admin.get(f"/objects/{campaign}")).json()["metadata"] == {status: "A1"}
        bad = await admin.post("/campaigns", json={"name": "X", "metadata": {status: "Z9"}})
        assert bad.status_code == 400 and "domain" in bad.json()["exception_body"]["message"]
        config = (await admin.get("/config")).json()
        assert config["secrets"]["dam_client_secret"] == otmm.client_secret
        assert (await admin.post("/expire-tokens")).status_code == 200
        assert (await admin.post("/job-failures", json={"count": 2})).status_code == 200
        assert otmm.store.job_failures == ["Import failed."] * 2
        assert (await admin.get("/imports")).json() == []


async def test_emulate_entry_point_serves(tmp_path: Path) -> None:
    emulator = create("otmm", data_dir=tmp_path / "data")
    url = await emulator.start()
    try:
        async with httpx.AsyncClient() as http:
            refused = await http.get(f"{url}/otmmapi/v6/folders/rootfolders")
        assert refused.status_code == 401
        assert "exception_body" in refused.json()
    finally:
        await emulator.stop()
