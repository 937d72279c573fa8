"""Transfer: one asset DAM → the daemon's clients → Box, against curl on the same emulators.

    .venv/bin/python bench/transfer.py [--sizes 10e6,100e6,1073741824] [--runs 3]

For each size one asset is seeded in the OTMM emulator (its own process, like Box's).
Each run measures, one after the other:

- ``curl_down``: curl downloads the asset from the OTMM emulator to /dev/null;
- ``curl_up``: curl uploads the same bytes (from a file in the page cache) to the Box
  emulator in one multipart POST;
- ``ours``: a fresh process loads the config, opens ``OtmmClient`` and ``BoxApiClient``
  and runs the workflows' ``transfer`` (the function A1→A2 runs for each master):
  download, SHA-1, chunked upload, check. Tokens are fetched before the clock starts,
  as curl's are. Its peak RSS is the process's ``VmHWM``.

Prints one JSON line: per size the medians of MB/s for the three, and our peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import harness
from harness import MB, cpu_seconds, median, peak_rss_mb, rss_mb
from stack import BenchStack, workdir

SIZES = (10_000_000, 100_000_000, 1024**3)
PROFILE = os.environ.get("BENCH_PROFILE")  # a directory: profile our side with py-spy


# -- ours: one fresh process per transfer -------------------------------------------------


async def client_transfer(config_path: str, asset_id: str, folder: str, name: str) -> None:
    from ferrero_daemon.clients.box.client import BoxApiClient
    from ferrero_daemon.clients.otmm.client import OtmmClient
    from ferrero_daemon.config import load_config
    from ferrero_daemon.workflows.transfer import transfer

    config = load_config(config_path)
    async with OtmmClient.from_config(config) as dam, BoxApiClient.from_config(config) as box:
        asset = await dam.get_asset(asset_id)  # the DAM token, and the size A1→A2 plans with
        await box.probe_token()
        rest = rss_mb()
        cpu = time.process_time()
        started = time.perf_counter()
        done = await transfer(
            dam,
            box,
            asset_id,
            folder_id=folder,
            name=name,
            expected_size=asset.size or 0,
            on_chunk=lambda _: None,
        )
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    harness.emit(
        {
            "seconds": seconds,
            "cpu_s": cpu,
            "bytes": done.size,
            "sha1": done.sha1,
            "rss_before_mb": rest,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


def ours(stack: BenchStack, asset_id: str, folder: str, name: str) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--client", str(stack.config_path), asset_id, folder, name]
    if PROFILE:  # py-spy's collapsed stacks of the client, one file per transfer
        out = Path(PROFILE) / f"{name}.txt"
        argv = [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--format",
            "raw",
            "--rate",
            "250",
            "-o",
            str(out),
            "--",
            *argv,
        ]
    out = subprocess.run(
        argv, env=stack.env(), capture_output=True, text=True, check=False, cwd=harness.ROOT
    )
    if out.returncode != 0:
        raise RuntimeError(f"transfer client failed: {out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# -- curl ---------------------------------------------------------------------------------


def curl(*args: str) -> dict[str, float]:
    """Run curl; its own timing (``time_total``) and byte counts."""
    fmt = '{"time_total": %{time_total}, "size_download": %{size_download}, "size_upload": %{size_upload}, "http_code": %{http_code}}'
    out = subprocess.run(
        ["curl", "-sS", "--fail", "-w", fmt, *args], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


class Curl:
    def __init__(self, stack: BenchStack, dam_token: str, box_token: str) -> None:
        dam = stack.settings()["dam"]
        box = stack.settings()["box"]
        self.contents = dam["base_url"].rstrip("/") + "/v6/assets/{}/contents"
        self.upload = box["upload_url"].rstrip("/") + "/files/content"
        self.dam_auth = f"Authorization: Bearer {dam_token}"
        self.box_auth = f"Authorization: Bearer {box_token}"

    def download(self, asset_id: str, to: str = "/dev/null") -> dict[str, float]:
        return curl("-H", self.dam_auth, "-o", to, self.contents.format(asset_id))

    def upload_file(self, path: Path, folder: str, name: str) -> dict[str, float]:
        attributes = json.dumps({"name": name, "parent": {"id": folder}})
        return curl(
            "-o",
            "/dev/null",
            "-H",
            self.box_auth,
            "-F",
            f"attributes={attributes}",
            "-F",
            f"file=@{path};type=application/octet-stream",
            self.upload,
        )


async def tokens(stack: BenchStack) -> tuple[str, str]:
    import httpx

    from ferrero_daemon.clients.box.auth import JwtTokens
    from ferrero_daemon.clients.otmm.auth import TokenSource
    from ferrero_daemon.config import load_config

    config = load_config(stack.config_path)
    dam = config.settings.dam
    async with httpx.AsyncClient() as http:
        source = TokenSource(
            http, dam.auth_url, dam.client_id, config.secrets.require("dam_client_secret")
        )
        dam_token = await source.get()
    box = JwtTokens(config.secrets.require("box_jwt_config"), config.settings.box.oauth_url)
    return dam_token, await box.get()


# -- the driver -------------------------------------------------------------------------


async def measure(sizes: list[int], runs: int) -> dict[str, Any]:
    figures: dict[str, Any] = {"runs": runs, "sizes": {}}
    async with BenchStack(workdir("fb-t-")) as stack:
        os.environ.update(stack.daemon_env())
        campaign = stack.otmm.admin("campaigns", {"name": "Transfer bench"})["id"]
        folder = stack.settings()["box"]["folders"]["a1_a2"]
        get = Curl(stack, *await tokens(stack))
        for index, size in enumerate(sizes):
            seeded = stack.otmm.admin(
                "assets",
                {"folder_id": campaign, "name": f"m{index}.mp4", "size": size, "seed": index},
            )
            local = stack.workdir / f"asset-{index}.bin"
            get.download(seeded["id"], str(local))  # the bytes curl uploads
            rows = []
            for run in range(runs):
                down = get.download(seeded["id"])
                up = get.upload_file(local, folder, f"curl-{index}-{run}.bin")
                emulators = cpu_seconds(stack.otmm.pid), cpu_seconds(stack.box.pid)
                mine = await asyncio.to_thread(
                    ours, stack, seeded["id"], folder, f"ours-{index}-{run}.bin"
                )
                otmm_cpu = cpu_seconds(stack.otmm.pid) - emulators[0]
                box_cpu = cpu_seconds(stack.box.pid) - emulators[1]
                assert mine["sha1"] == seeded["sha1"] and mine["bytes"] == size
                assert down["size_download"] == size and up["size_upload"] > size
                rows.append(
                    {
                        "curl_down": size / down["time_total"] / MB,
                        "curl_up": size / up["time_total"] / MB,
                        "ours": size / mine["seconds"] / MB,
                        "ours_s": mine["seconds"],
                        "cpu_s_client": mine["cpu_s"],
                        "cpu_s_otmm": otmm_cpu,
                        "cpu_s_box": box_cpu,
                        "peak_rss_mb": mine["peak_rss_mb"],
                        "rss_before_mb": mine["rss_before_mb"],
                    }
                )
            local.unlink()
            figures["sizes"][str(size)] = {
                key: round(median(r[key] for r in rows), 1) for key in rows[0]
            } | {"all": rows}
        figures["emulator_peak_rss_mb"] = {
            "otmm": round(peak_rss_mb(stack.otmm.pid), 1),
            "box": round(peak_rss_mb(stack.box.pid), 1),
        }
    stack.remove()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--client", nargs=4, metavar=("CONFIG", "ASSET", "FOLDER", "NAME"))
    args = parser.parse_args()
    if args.client:
        asyncio.run(client_transfer(*args.client))
        return
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    harness.emit(asyncio.run(measure(sizes, args.runs)))


if __name__ == "__main__":
    main()
