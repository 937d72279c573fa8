"""SIGKILL the real daemon again and again in the middle of a campaign; each asset once.

A loop triggers the job, kills the process at a seeded point (a log line, or a byte of
an upload Box is taking), starts it again (it takes its dead predecessor's lease at
once, and re-runs the interrupted job as a catch-up), and kills it again. After the
last kill, one undisturbed run must finish the work, and the end state must count
every thing exactly once. The full loops (30 masters through A1→A2 with 20 kills, 30
files through A2→A3 with 10) run with ``--reliability-full``; a small loop always.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import pytest

from tests.reliability import matrix
from tests.reliability.kills import Killed, KillPlan, kill_at
from tests.reliability.world import Campaign, World

TABLE = "crash loops (SIGKILL of the daemon process)"


@dataclass(frozen=True)
class Loop:
    job: str
    items: int
    kills: int
    seed: int
    plan: KillPlan


LOOPS = [
    pytest.param(
        Loop("a1_a2", 5, 3, 12, KillPlan(12, lines=14, bytes_=3 * 48 * 1024)),
        id="a1_a2-5-masters-3-kills",
    ),
    pytest.param(
        Loop("a1_a2", 30, 20, 1201, KillPlan(1201, lines=24, bytes_=6 * 48 * 1024)),
        id="a1_a2-30-masters-20-kills",
        marks=pytest.mark.full,
    ),
    pytest.param(
        Loop("a2_a3", 30, 10, 2301, KillPlan(2301, kinds=("log line",), lines=40)),
        id="a2_a3-30-files-10-kills",
        marks=pytest.mark.full,
    ),
]


async def start_or_catch_up(world: World, job: str) -> int:
    """(Re)start the daemon with a run of ``job`` going; the log index it started at."""
    since = len(world.daemon.events)
    if not world.daemon.running:
        ready = await world.daemon.start()
        # Active at once: it took the lease of the process it replaced (killed, same host).
        assert ready is not None and ready["role"] == "active", ready
    if not world.daemon.find("catch_up", after=since, job=job):
        await world.daemon.cli("trigger", job)  # no interrupted run to catch up: start one
    return since


async def kill_loop(world: World, loop: Loop) -> list[Killed]:
    killed = []
    for index in range(loop.kills):
        since = await start_or_catch_up(world, loop.job)
        killed.append(
            await kill_at(world.daemon, world.box, loop.plan.point(index), loop.job, since)
        )
    since = len(world.daemon.events)
    await world.daemon.start()
    if world.daemon.find("catch_up", after=since, job=loop.job):
        finished = await world.daemon.wait_log("run_finished", after=since, job=loop.job)
        assert finished["outcome"] == "succeeded", finished
    else:
        assert (await world.daemon.trigger(loop.job)).code == 0
    await world.outbox_settled()
    return killed


async def prepare(world: World, loop: Loop) -> Campaign:
    campaign = world.seed_campaign("5100", loop.items)
    if loop.job == "a2_a3":
        await world.daemon.start()
        assert (await world.daemon.trigger("a1_a2")).code == 0
        await world.agency_uploads(campaign)
        await world.daemon.stop()
    return campaign


def describe(killed: list[Killed]) -> str:
    """How many kills of each kind, and the last log lines the process wrote before."""
    kinds = Counter(k.point.kind for k in killed)
    lasts = Counter(k.last_event for k in killed).most_common()
    return (
        ", ".join(f"{n} at a {kind}" for kind, n in kinds.items())
        + "; died after "
        + ", ".join(f"{event} ×{n}" for event, n in lasts)
    )


def once_each(counts: Counter[str]) -> bool:
    """Every event once, but for at most one repeat (the outbox is at least once)."""
    return sum(n - 1 for n in counts.values()) <= 1


@pytest.mark.parametrize("loop", LOOPS)
async def test_each_asset_arrives_once_however_often_the_daemon_is_killed(
    world: World, loop: Loop
) -> None:
    started = time.monotonic()
    campaign = await prepare(world, loop)
    killed = await kill_loop(world, loop)
    wall = time.monotonic() - started

    masters = await world.masters(campaign)
    in_box = world.box_files("a1_a2")
    imports = [a.name for a in world.otmm.imported()]
    moves = world.status_changes(campaign)
    events = world.webhook_events()
    want_moves = ["A2"] if loop.job == "a1_a2" else ["A2", "A3"]
    want_imports = 0 if loop.job == "a1_a2" else loop.items
    matrix.record(TABLE, {
        "loop": f"{loop.job}: {loop.items} items", "kills": len(killed),
        "kill points (seeded)": describe(killed),
        "Box files": len(in_box), "master rows": len(masters), "DAM imports": len(imports),
        "status changes": "→".join(map(str, moves)), "webhooks": sum(events.values()),
        "wall s": f"{wall:.0f}",
    })  # fmt: skip

    assert len(killed) == loop.kills and world.daemon.kills == loop.kills
    assert sorted(in_box) == sorted(set(in_box)) and len(in_box) == loop.items
    assert [r["state"] for r in masters] == ["delivered"] * loop.items
    assert sorted(imports) == sorted(set(imports)) and len(imports) == want_imports
    derivatives = await world.count("SELECT count(*) FROM derivative_assets")
    assert derivatives == want_imports and world.waiting_in("a2_a3") == []
    assert moves == want_moves
    assert len(events) == len(want_moves) and once_each(events)
    assert once_each(world.mail_copies())
