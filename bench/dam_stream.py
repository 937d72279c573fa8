"""Stream a large seeded asset out of the OTMM emulator with OtmmClient; print the figures.

The emulator runs as its own process (`ferrero-daemon emulate otmm`), so the figures
are the client's alone: throughput, and the peak RSS of this process (and of the
emulator) while the whole asset goes through ``hashlib.sha1``.

    .venv/bin/python bench/dam_stream.py                 # 2 GiB
    .venv/bin/python bench/dam_stream.py --size-mib 512 --drops 3
    .venv/bin/python bench/dam_stream.py --upload       # import the same bytes into the DAM
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.config import Config, Secret, Secrets, parse_settings
from ferrero_daemon.sandbox.otmm.content import SeededContent

ROOT = Path(__file__).resolve().parent.parent


def settings(dam: dict[str, Any]) -> dict[str, Any]:
    return {
        "environment": "test",
        "dam": dam,
        "box": {"folders": {"a1_a2": "1", "a2_a3": "2", "b1_b2": "3", "creativex": "4"}},
        "smtp": {"host": "127.0.0.1", "sender": "bench@example.com"},
        "recipients": {"errors": ["a@b.c"], "success": ["a@b.c"], "reports": ["a@b.c"]},
    }


def peak_rss_mib(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def download(client: OtmmClient, asset: dict[str, Any]) -> tuple[int, bool]:
    digest = hashlib.sha1()
    received = 0
    async with client.download(asset["id"]) as stream:
        async for chunk in stream.chunks:
            digest.update(chunk)
            received += len(chunk)
    return received, digest.hexdigest() == asset["sha1"]


async def upload(
    client: OtmmClient, admin: httpx.AsyncClient, folder_id: str, size: int
) -> tuple[int, bool]:
    content = SeededContent(seed=2, size=size)
    asset = await client.import_asset(folder_id, "upload.mp4", size, content.chunks(), {})
    stored = (await admin.get(f"/objects/{asset.id}")).json()
    return stored["size"], stored["sha1"] == content.sha1()


async def run(
    emulator: subprocess.Popen[str], size: int, drops: int, direction: str
) -> dict[str, Any]:
    assert emulator.stdout is not None
    base = emulator.stdout.readline().strip()
    async with httpx.AsyncClient(base_url=f"{base}/_admin", timeout=600) as admin:
        setup = (await admin.get("/config")).json()
        campaign = (await admin.post("/campaigns", json={"name": "Bench"})).json()["id"]
        seeded = {"folder_id": campaign, "name": "big.mp4", "size": size, "seed": 1}
        if direction == "upload":
            seeded["size"] = 0  # nothing to serve; the bytes go the other way
        asset = (await admin.post("/assets", json=seeded)).json()
        for _ in range(drops):
            fault = {
                "path": f"/assets/{asset['id']}/contents",
                "drop_after_bytes": size // (drops + 1),
            }
            await admin.post("/faults", json=fault)
    secrets = setup.pop("secrets")
    config = Config(
        settings=parse_settings(settings(setup["dam"])),
        secrets=Secrets({k: Secret(v, "bench") for k, v in secrets.items()}),
    )
    rss_before = peak_rss_mib()
    async with (
        OtmmClient.from_config(config, poll_interval=0.05) as client,
        httpx.AsyncClient(base_url=f"{base}/_admin", timeout=600) as admin,
    ):
        started = time.perf_counter()
        cpu_started = time.process_time()
        if direction == "upload":
            moved, sha1_ok = await upload(client, admin, campaign, size)
        else:
            moved, sha1_ok = await download(client, asset)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    return {
        "direction": direction,
        "bytes": moved,
        "seconds": round(elapsed, 2),
        "mib_per_second": round(moved / elapsed / 2**20, 1),
        "sha1_ok": sha1_ok,
        "client_cpu_seconds": round(cpu, 2),
        "drops_injected": drops,
        "client_peak_rss_mib_before": round(rss_before, 1),
        "client_peak_rss_mib": round(peak_rss_mib(), 1),
        "emulator_peak_rss_mib": round(peak_rss_mib(emulator.pid), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--drops", type=int, default=0, help="dropped connections to resume from")
    parser.add_argument("--upload", action="store_true", help="import into the DAM instead")
    args = parser.parse_args()
    direction = "upload" if args.upload else "download"
    emulator = subprocess.Popen(
        [sys.executable, "-m", "ferrero_daemon", "emulate", "otmm"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        figures = asyncio.run(run(emulator, args.size_mib * 2**20, args.drops, direction))
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    figures["load_average"] = Path("/proc/loadavg").read_text().split()[0]  # figures vary with it
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
