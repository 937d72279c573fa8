"""Kill the process after every single step of a campaign's delivery, start it again,
and check that each master still arrives exactly once and is announced exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from tests.integration.delivery_world import Seeded, World, open_world
from tests.integration.mortal import Killed, Reaper

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


def _killed(exc: BaseException) -> bool:
    if isinstance(exc, Killed):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return exc.subgroup(Killed) is not None
    return False


async def _exactly_once(world: World, seeded: Seeded, folder: str, step: str) -> None:
    rows = await world.masters(seeded.campaign_id)
    files = world.box_files("a1_a2").get(folder, {})
    uploads = [c for c in world.box.uploaded() if c.name in files]
    assert len(rows) == len(MASTERS), step
    assert all(r["state"] == "delivered" for r in rows), step
    assert sorted(files) == sorted(r["box_filename"] for r in rows), step
    assert {files[r["box_filename"]] for r in rows} == {r["sha1"] for r in rows}, step
    assert len(uploads) == len(MASTERS), step
    assert world.status(seeded.campaign_id) == "A2", step
    patches = [p for p in world.otmm.patches() if p[0] == seeded.campaign_id]
    assert len(patches) == 1, step
    changes = await world.rows(
        "SELECT 1 FROM asset_events WHERE campaign_id = $1 AND event = 'campaign_status_changed'",
        seeded.campaign_id,
    )
    assert len(changes) == 1, step
    assert [o["kind"] for o in await world.outbox(seeded.campaign_id)] == ["email", "webhook"], step


async def test_a_kill_at_any_step_then_a_restart_delivers_and_announces_exactly_once(
    world: World,
) -> None:
    probe = Reaper()
    seeded = world.campaign("K-0", "Probe", MASTERS)
    await world.run("a1_a2", world.services(probe))
    await _exactly_once(world, seeded, "K-0 - Probe", "clean run")
    steps = len(probe.trace)
    assert steps > 20  # every DB call and commit, the Box folder, each upload, the status

    for n in range(1, steps + 1):
        seeded = world.campaign(f"K-{n}", "Crash", MASTERS)
        reaper = Reaper(die_after=n)
        try:
            await world.run("a1_a2", world.services(reaper))
        except BaseException as exc:
            assert _killed(exc), exc
        else:
            pytest.fail(f"the run outlived its kill at step {n}")
        step = f"killed after step {n}: {reaper.trace[-1]}"
        await world.run("a1_a2")  # the restart
        await _exactly_once(world, seeded, f"K-{n} - Crash", step)


async def test_a_kill_right_after_a_chunked_upload_does_not_send_it_twice(world: World) -> None:
    big = [("Film.mp4", 1_500_000)]  # above the test Box's chunked threshold
    probe = Reaper()
    world.campaign("K-B0", "Probe", big)
    await world.run("a1_a2", world.services(probe))
    upload_step = probe.trace.index("box.upload") + 1

    seeded = world.campaign("K-B1", "Big", big)
    try:
        await world.run("a1_a2", world.services(Reaper(die_after=upload_step)))
    except BaseException as exc:
        assert _killed(exc), exc
    (row,) = await world.masters(seeded.campaign_id)
    assert row["state"] == "uploading"  # the file is in Box, the database does not know yet

    await world.run("a1_a2")

    (row,) = await world.masters(seeded.campaign_id)
    files = world.box_files("a1_a2")["K-B1 - Big"]
    assert files == {row["box_filename"]: row["sha1"]} and row["state"] == "delivered"
    assert [c.name for c in world.box.uploaded()].count(row["box_filename"]) == 1
    assert world.status(seeded.campaign_id) == "A2"
