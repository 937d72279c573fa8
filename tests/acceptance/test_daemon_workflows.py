"""The real daemon running a real workflow: ``a1_a2`` against the OTMM and Box emulators."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ferrero_daemon.sandbox.box.auth import BoxApp
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from ferrero_daemon.sandbox.smtp import SmtpEmulator
from tests.fixtures.runtime import PINNED, DaemonProcess, LoopThread

World = tuple[LoopThread, OtmmEmulator, BoxEmulator]


@pytest.fixture
def world(
    smtp_thread: tuple[LoopThread, SmtpEmulator], box_app: BoxApp, tmp_path: Path
) -> Iterator[World]:
    thread = smtp_thread[0]
    otmm = OtmmEmulator(data_dir=tmp_path / "otmm")
    box = BoxEmulator(data_dir=tmp_path / "box", app=box_app)
    thread.call(otmm.start())
    thread.call(box.start())
    yield thread, otmm, box
    thread.call(box.stop(), timeout=30)
    thread.call(otmm.stop(), timeout=30)


async def seed(otmm: OtmmEmulator) -> str:
    f = otmm.fields
    campaign = otmm.create_campaign(
        "4711 Nutella Winter",
        {
            f.campaign_status: "A1",
            f.campaign_type: "Local comm",
            f.campaign_number: "4711",
            f.campaign_name: "Nutella Winter",
            f.brand: "Nutella",
            f.market: "IT",
        },
    )
    otmm.create_asset(campaign, "Spot.mp4", {f.asset_role: "Master"}, size=4096, seed=7)
    return campaign


async def delivered(box: BoxEmulator) -> list[str]:
    root = box.folder_ids["a1_a2"]
    return [
        f.name
        for sub in box.store.children(root)
        if sub.type == "folder"
        for f in box.files_in(sub.id)
    ]


async def campaign_status(otmm: OtmmEmulator, campaign: str) -> object:
    return otmm.metadata(campaign)[otmm.fields.campaign_status]


def test_dry_run_then_sigterm_mid_transfer_then_the_next_start_delivers_once_and_keeps_pauses(
    make_daemon: Callable[..., DaemonProcess], world: World
) -> None:
    thread, otmm, box = world
    daemon = make_daemon(
        emulators=[otmm, box],
        overrides={"jobs": {"a1_a2": {"enabled": True, "schedule": PINNED}}},
        jobs="",
    )
    campaign = thread.call(seed(otmm))
    daemon.start()
    daemon.wait_notify("READY")

    dry = daemon.cli("trigger", "a1_a2", "--dry-run", "--wait")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "dry run" in dry.stdout and "a1_a2: succeeded" in dry.stdout
    assert thread.call(delivered(box)) == []
    assert thread.call(campaign_status(otmm, campaign)) == "A1"

    # A stalled download: long enough to be cut by SIGTERM (1 s drain deadline), short
    # enough that the emulator's handler is done by the end of the test.
    otmm.inject(r"/assets/[^/]+/contents$", method="GET", delay=8.0)
    assert daemon.cli("pause", "a2_a3").returncode == 0
    assert daemon.cli("trigger", "a1_a2").returncode == 0
    daemon.wait_log("tracking_id_minted")
    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit() == 0
    daemon.wait_log("run_finished", job="a1_a2", outcome="interrupted")
    assert thread.call(delivered(box)) == []

    thread.call(clear_faults(otmm))
    daemon.start()
    daemon.wait_log("run_finished", job="a1_a2", trigger="catchup", outcome="succeeded")
    (name,) = thread.call(delivered(box))
    assert name.endswith(".mp4") and "Spot" in name
    assert thread.call(campaign_status(otmm, campaign)) == "A2"
    jobs = json.loads(daemon.cli("status", "--json").stdout)["jobs"]
    assert [j["job"] for j in jobs if j["paused"]] == ["a2_a3"]  # survived the restart
    resumed = daemon.cli("resume", "a2_a3")
    assert resumed.returncode == 0 and "next run 2027-01-01" in resumed.stdout


async def clear_faults(otmm: OtmmEmulator) -> None:
    otmm.faults.clear()
