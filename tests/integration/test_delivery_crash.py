"""Kill the process after every single step of a campaign's delivery, start it again,
and check that each master still arrives exactly once and is announced exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from tests.crash import Fuse, every_step, fused, killed
from tests.integration.delivery_world import Seeded, World, open_world

MASTERS = [("Spot.mp4", 3000), ("Visual.png", 2000)]


@pytest.fixture
async def world(
    otmm: OtmmEmulator,
    box_emulator: BoxEmulator,
    make_config: Callable[..., Config],
    database: Database,
) -> AsyncIterator[World]:
    async with open_world(otmm, box_emulator, make_config, database) as w:
        yield w


async def run(world: World, fuse: Fuse | None) -> object:
    services = world.services()
    return await world.run("a1_a2", fused(services, fuse) if fuse else services)


async def delivered_and_announced_once(world: World, case: tuple[Seeded, str]) -> None:
    seeded, folder = case
    rows = await world.masters(seeded.campaign_id)
    files = world.box_files("a1_a2").get(folder, {})
    uploads = [c for c in world.box.uploaded() if c.name in files]
    assert len(rows) == len(MASTERS)
    assert all(r["state"] == "delivered" for r in rows)
    assert sorted(files) == sorted(r["box_filename"] for r in rows)
    assert {files[r["box_filename"]] for r in rows} == {r["sha1"] for r in rows}
    assert len(uploads) == len(MASTERS)
    assert world.status(seeded.campaign_id) == "A2"
    patches = [p for p in world.otmm.patches() if p[0] == seeded.campaign_id]
    assert len(patches) == 1
    changes = await world.rows(
        "SELECT 1 FROM asset_events WHERE campaign_id = $1 AND event = 'campaign_status_changed'",
        seeded.campaign_id,
    )
    assert len(changes) == 1
    assert [o["kind"] for o in await world.outbox(seeded.campaign_id)] == ["email", "webhook"]


async def test_a_kill_at_any_step_then_a_restart_delivers_and_announces_exactly_once(
    world: World,
) -> None:
    numbers = iter(range(1000))

    async def scenario() -> tuple[Seeded, str]:
        number = f"K-{next(numbers)}"
        return world.campaign(number, "Crash", MASTERS), f"{number} - Crash"

    steps = await every_step(
        scenario, lambda fuse: run(world, fuse), lambda c: delivered_and_announced_once(world, c)
    )

    # the status move, the Box folder, each upload, the announcements, each commit
    assert {"dam.update_folder_metadata", "box.ensure_folder", "box.upload"} <= set(steps)
    assert steps.count("box.upload") == len(MASTERS)
    assert "db.commit" in steps


async def test_a_kill_right_after_a_chunked_upload_does_not_send_it_twice(world: World) -> None:
    big = [("Film.mp4", 1_500_000)]  # above the test Box's chunked threshold
    probe = Fuse()
    world.campaign("K-B0", "Probe", big)
    await run(world, probe)
    upload_step = probe.steps.index("box.upload") + 1

    seeded = world.campaign("K-B1", "Big", big)
    try:
        await run(world, Fuse(upload_step))
    except BaseException as exc:
        assert killed(exc), exc
    (row,) = await world.masters(seeded.campaign_id)
    assert row["state"] == "uploading"  # the file is in Box, the database does not know yet

    await run(world, None)

    (row,) = await world.masters(seeded.campaign_id)
    files = world.box_files("a1_a2")["K-B1 - Big"]
    assert files == {row["box_filename"]: row["sha1"]} and row["state"] == "delivered"
    assert [c.name for c in world.box.uploaded()].count(row["box_filename"]) == 1
    assert world.status(seeded.campaign_id) == "A2"
