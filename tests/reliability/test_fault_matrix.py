"""The fault matrix: a campaign through the real daemon while each outside system fails.

For each cell (``faults.py``): seed a campaign of three masters, play it with the real
CLI (``trigger --wait``) through A1→A2, the agency's uploads, CreativeX (for the
LlamaCloud cells) and A2→A3; inject the fault before the step it hits, run that step,
clear the fault, run it again, let the outbox settle, and check the end state. The
table printed at the end of the run reads system × fault → outcome.

Two cells need more than an injected answer: PostgreSQL restarted in the middle of a
run, and SMTP down for an hour of simulated time (the daemon's clock is moved; nothing
waits an hour).
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from ferrero_daemon.outbox.deliver import CHANNEL_RETRY
from tests.postgres import start_server_again, stop_server
from tests.reliability import matrix
from tests.reliability.campaign import EndState, Expect, end_state, upload_scorecard
from tests.reliability.daemon import CliResult
from tests.reliability.faults import CELLS, Cell
from tests.reliability.world import Campaign, World

CHANNEL_TRIES = 8  # more than [runtime] outbox_give_up_after (5): a row would be given up by now
TABLE = "fault matrix (system × fault → outcome, once the fault cleared)"


def outcome(result: CliResult) -> str:
    match = re.search(r"\b(succeeded|partial|failed|interrupted)\b", result.stdout)
    return match.group(1) if match else f"exit {result.code}"


async def play(
    world: World, cell_step: str, faulty: Callable[[], Awaitable[str]], scored: bool
) -> tuple[Campaign, str]:
    """The campaign's steps; ``faulty()`` plays the step ``cell_step`` and says how it went."""
    campaign = world.seed_campaign("4711", 3)
    await world.daemon.start()
    told = ""
    for step in ("a1_a2", "creativex", "a2_a3"):
        if step == "creativex" and not scored:
            continue
        if step != "a1_a2" and not world.waiting_in("a2_a3"):
            names = await world.agency_uploads(campaign)
            if scored:
                await upload_scorecard(world, names[0])
        if step == cell_step:
            told = await faulty()
        else:
            result = await world.daemon.trigger(step)
            assert result.code == 0, result.text
    await world.outbox_settled()
    return campaign, told


def record(
    system: str,
    fault: str,
    step: str,
    told: str,
    state: EndState,
    problems: list[str],
    defined: str,
) -> None:
    matrix.record(TABLE, {
        "system": system, "fault": fault, "step": step,
        "runs (fault → cleared)": told,
        "alerts": ", ".join(f"{k}: {'+'.join(v)}" for k, v in state.alerts.items() if v) or "none",
        "dups": state.duplicates(),
        "end state": "✓" if not problems else "✗ " + "; ".join(problems),
        "defined as": defined or "template",
    })  # fmt: skip


@pytest.mark.parametrize(
    ("world", "cell"),
    [
        pytest.param(c.config, c, id=c.id, marks=() if c.fast else (pytest.mark.full,))
        for c in CELLS
    ],
    indirect=["world"],
)
async def test_a_campaign_ends_whole_once_the_fault_clears(world: World, cell: Cell) -> None:
    async def faulty() -> str:
        await cell.inject(world, campaign_of(world))
        first = await world.daemon.trigger(cell.step)
        lasted = ""
        if cell.lasting:
            gaps = await world.retried(cell.lasting, CHANNEL_TRIES)
            assert max(gaps) <= CHANNEL_RETRY.total_seconds() + 1, gaps  # the fix is seen soon
            lasted = f"; {len(gaps)} more tries, {sum(gaps) // 60} simulated min, gaps {gaps} s"
        await cell.clear(world, campaign_of(world))
        second = await world.daemon.trigger(cell.step)
        return f"{outcome(first)}{lasted} → {outcome(second)}"

    campaign, told = await play(world, cell.step, faulty, cell.expect.scored)
    state = await end_state(world, campaign)
    problems = state.problems(campaign, cell.expect) + await cell.check(world, campaign)
    record(cell.system, cell.fault, cell.step, told, state, problems, cell.defined)
    assert problems == []


def campaign_of(world: World) -> Campaign:
    return world.campaigns[-1]


# -- PostgreSQL restarted in the middle of a run --------------------------------------------
PG_DEFINED = (
    "the run cannot record itself or alert (both live in the database): it logs "
    "run_not_recorded at error priority; the next run finishes the campaign; no alert mail"
)


@pytest.mark.parametrize("own_pg_world", [{"jobs": {"a1_a2": {"parallelism": 1}}}], indirect=True)
async def test_postgresql_restarted_in_the_middle_of_a_run(own_pg_world: World) -> None:
    world = own_pg_world

    async def faulty() -> str:
        campaign = campaign_of(world)
        # The second master's download takes a while: PostgreSQL goes down meanwhile, so
        # the run's next write meets it down, whatever the machine's speed.
        world.otmm.inject(f"/assets/{campaign.asset_ids[1]}/contents$", method="GET", delay=3.0)
        mark = len(world.daemon.events)
        await world.daemon.cli("trigger", "a1_a2")
        await world.daemon.wait_log("master_delivered", after=mark)
        await asyncio.to_thread(stop_server, world.pg)
        ended = await world.daemon.wait_log(
            "run_finished|run_not_recorded", after=mark, job="a1_a2"
        )
        await asyncio.to_thread(start_server_again, world.pg)
        second = await world.daemon.trigger("a1_a2")
        first = ended.get("outcome") or ended["event"].replace("_", " ")
        return f"{first} → {outcome(second)}"

    campaign, told = await play(world, "a1_a2", faulty, scored=False)
    state = await end_state(world, campaign)
    problems = state.problems(campaign, Expect())
    record("PostgreSQL", "restarted mid-run", "a1_a2", told, state, problems, PG_DEFINED)
    assert problems == []


# -- SMTP down for an hour ------------------------------------------------------------------
HOUR = timedelta(hours=1)


async def smtp_down_for_an_hour(world: World) -> tuple[str, int]:
    """Stop SMTP, run A1→A2, let an hour pass on the daemon's clock one retry at a time,
    bring SMTP back; the mail goes out once, and the retries followed the backoff."""
    await world.smtp.stop()
    mark = len(world.daemon.events)
    first = await world.daemon.trigger("a1_a2")
    await world.daemon.wait_log("outbox_delivery_failed", after=mark)
    attempts = [world.daemon.now()]
    down_since = attempts[0]
    while world.daemon.now() - down_since < HOUR:
        (due,) = await world.sql(
            "SELECT min(next_attempt_at) AS at FROM notification_outbox WHERE sent_at IS NULL"
        )
        mark = len(world.daemon.events)
        world.daemon.advance_clock((due["at"] - world.daemon.now()).total_seconds() + 1)
        await world.daemon.wait_log("outbox_delivery_failed", after=mark)
        attempts.append(world.daemon.now())
    await world.smtp.start()  # the same port: the daemon's config is unchanged
    gaps = [round((b - a).total_seconds()) for a, b in itertools.pairwise(attempts)]
    (row,) = await world.sql(
        "SELECT attempts FROM notification_outbox WHERE kind = 'email' AND sent_at IS NULL"
    )
    minutes = (attempts[-1] - down_since).total_seconds() / 60
    told = (
        f"{outcome(first)}; {row['attempts']} tries in {minutes:.0f} simulated min, gaps {gaps} s"
    )
    return told, int(row["attempts"])


async def test_smtp_down_for_an_hour_of_simulated_time(world: World) -> None:
    tries = 0

    async def faulty() -> str:
        nonlocal tries
        told, tries = await smtp_down_for_an_hour(world)
        return told

    campaign, told = await play(world, "a1_a2", faulty, scored=False)
    state = await end_state(world, campaign)
    problems = state.problems(campaign, Expect())
    if not 5 <= tries <= 9:  # 30 s, 1, 2, 4, 8, 16, 32 min: the backoff, not a retry a second
        problems.append(f"{tries} delivery attempts in the hour")
    record(
        "SMTP",
        "down 1 h (simulated)",
        "a1_a2",
        told,
        state,
        problems,
        "the job succeeds; the mail waits with its backoff, then goes out once; no alert",
    )
    assert problems == []
