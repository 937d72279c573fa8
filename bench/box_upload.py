"""Throughput and peak memory of a large upload (and download) through BoxApiClient.

The Box emulator runs in its own process (``ferrero-daemon emulate box``), so the
figures separate the client's memory from the emulator's. The upload source is a
generated stream (nothing on disk); the emulator keeps only size and SHA-1.

    .venv/bin/python bench/box_upload.py                 # 1 GiB, Box's sizes
    .venv/bin/python bench/box_upload.py --size-mib 2048 --parallelism 4 --download
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ferrero_daemon.clients.box.client import BoxApiClient
from ferrero_daemon.config import Config, Secret, Secrets, parse_settings

MIB = 1024 * 1024
BASE: dict[str, Any] = {
    "environment": "test",
    "dam": {
        "base_url": "http://127.0.0.1:9/otmmapi",
        "auth_url": "http://127.0.0.1:9/t",
        "client_id": "bench",
    },
    "smtp": {"host": "127.0.0.1", "sender": "bench@example.com"},
    "recipients": {"errors": ["a@b.c"], "success": ["a@b.c"], "reports": ["a@b.c"]},
}


def rss_peak_mib(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ferrero_daemon", "emulate", "box"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def admin(base_url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{base_url}/_admin/{path}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def config_for(base_url: str, parallelism: int) -> Config:
    app = admin(base_url, "app")
    box = {**app["config"]["box"], "chunk_parallelism": parallelism}
    settings = parse_settings({**BASE, "box": box})
    secrets = {k: Secret(v, "bench") for k, v in app["secrets"].items()}
    return Config(settings=settings, secrets=Secrets(secrets))


async def generated(size: int, chunk: int = MIB) -> AsyncIterator[bytes]:
    block = os.urandom(chunk)
    for at in range(0, size, chunk):
        yield block[: min(chunk, size - at)]


async def bench(args: argparse.Namespace, base_url: str) -> dict[str, Any]:
    size = args.size_mib * MIB
    results: dict[str, Any] = {"size_mib": args.size_mib, "parallelism": args.parallelism}
    config = config_for(base_url, args.parallelism)
    async with BoxApiClient.from_config(config) as client:
        folder = config.settings.box.folders.a1_a2
        started = time.perf_counter()
        item = await client.upload(folder, "bench.bin", size, generated(size))
        elapsed = time.perf_counter() - started
        results["upload_mib_s"] = round(args.size_mib / elapsed, 1)
        results["upload_s"] = round(elapsed, 2)
        results["client_peak_rss_mib_after_upload"] = round(rss_peak_mib(), 1)
        if args.download:
            seeded = admin(base_url, "files", {"folder_id": folder, "name": "dl.bin", "size": size})
            started = time.perf_counter()
            digest = hashlib.sha1(usedforsecurity=False)
            async with client.download(seeded["id"]) as download:
                async for chunk in download.chunks:
                    digest.update(chunk)
            elapsed = time.perf_counter() - started
            results["download_mib_s"] = round(args.size_mib / elapsed, 1)
            results["download_sha1_ok"] = digest.hexdigest() == seeded["sha1"]
    results["item_size"] = item.size
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--download", action="store_true", help="also time a download")
    args = parser.parse_args()
    baseline = rss_peak_mib()
    proc, base_url = start_emulator()
    try:
        results = asyncio.run(bench(args, base_url))
        results["client_baseline_rss_mib"] = round(baseline, 1)
        results["client_peak_rss_mib"] = round(rss_peak_mib(), 1)
        results["emulator_peak_rss_mib"] = round(rss_peak_mib(proc.pid), 1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    for key, value in results.items():
        print(f"{key:36} {value}")


if __name__ == "__main__":
    main()
