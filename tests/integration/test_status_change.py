"""The one status-change protocol on the return side: when A2→A3 moves a campaign
(``[jobs.a2_a3] move_to_a3``), and what a campaign moved by someone else meanwhile
leaves in the run report. The delivery side's cases are in ``test_delivery.py``; every
move survives a crash at each step (``test_delivery_crash.py``, ``test_returns_crash.py``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ferrero_daemon.store.migrations import discover
from tests.returns_world import World, move_to_a3


@pytest.fixture
def world_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A test names its ``move_to_a3`` (``indirect``); off by default."""
    when = getattr(request, "param", None)
    return {"settings": move_to_a3(when)} if when else {}


def agency_name(tid: str, country: str = "DE", language: str = "de") -> str:
    return f"Nutella_{country}_{language}_123_OMG999_{tid}.mp4"


async def status_rows(w: World) -> list[Any]:
    return await w.rows(
        "SELECT status, pending_status FROM campaign_status ORDER BY campaign_id",
    )


async def test_by_default_a2_a3_leaves_the_status_to_the_reviewers(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.upload(agency_name(tid))

    report = await w.run("a2_a3")

    assert report.failures == [] and report.counts == {"imported": 1}
    assert w.status(campaign) == "A2"
    assert await w.webhooks() == []
    assert [(r["status"], r["pending_status"]) for r in await status_rows(w)] == [("A2", None)]


@pytest.mark.parametrize("world_options", ["every_master"], indirect=True)
async def test_every_master_waits_until_each_master_has_a_version(w: World) -> None:
    campaign = await w.campaign("A2")
    spot, visual = await w.master(campaign, "Spot.mp4"), await w.master(campaign, "Visual.mp4")
    w.upload(agency_name(spot))
    w.upload(agency_name(spot, "FR", "fr"))

    first = await w.run("a2_a3")

    assert first.counts == {"imported": 2} and w.status(campaign) == "A2"
    w.upload(agency_name(visual))
    second = await w.run("a2_a3")

    assert second.failures == [] and second.counts == {"imported": 1, "campaigns_moved": 1}
    assert w.status(campaign) == "A3"
    [hook] = await w.webhooks()
    assert (hook["old_status"], hook["new_status"]) == ("A2", "A3")
    assert hook["counts"] == {"masters": 2, "bytes": 4096, "versions": 3, "rejected": 0}


@pytest.mark.parametrize("world_options", ["first_version"], indirect=True)
async def test_first_version_moves_with_the_first_localised_version(w: World) -> None:
    campaign = await w.campaign("A2")
    spot = await w.master(campaign, "Spot.mp4")
    await w.master(campaign, "Visual.mp4")
    w.upload(agency_name(spot))

    report = await w.run("a2_a3")

    assert report.counts == {"imported": 1, "campaigns_moved": 1} and w.status(campaign) == "A3"
    assert [h["new_status"] for h in await w.webhooks()] == ["A3"]


@pytest.mark.parametrize("world_options", ["first_version"], indirect=True)
async def test_a_campaign_moved_meanwhile_is_reported_once_and_left_alone(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    w.set_status(campaign, "A5")  # a reviewer moved it in OTMM before the daemon did
    w.upload(agency_name(tid))

    report = await w.run("a2_a3")

    [failure] = report.failures
    assert failure.item == f"{campaign.number} {campaign.name}"
    assert failure.reason == (
        f"campaign {campaign.number} {campaign.name} (DAM folder {campaign.dam_id}) is now at "
        "A5, not A2: someone else changed it meanwhile, so the daemon left it alone; "
        "set it back to A2 in OTMM to have a2_a3 move it to A3"
    )
    assert w.status(campaign) == "A5" and await w.webhooks() == []
    assert [(r["status"], r["pending_status"]) for r in await status_rows(w)] == [("A5", None)]
    assert (await w.run("a2_a3")).failures == []  # reported once, not every five minutes


async def test_an_intent_left_by_the_old_return_protocol_is_finished_after_the_upgrade(
    w: World,
) -> None:
    """A crash before the upgrade left A2→A3 half done: the DAM says A3, the intent sat
    in workflow_state. Migration 065 moves it to campaign_status; the next run finishes."""
    campaign = await w.campaign("A2")
    w.set_status(campaign, "A3")
    move = {"campaign_id": campaign.dam_id, "number": campaign.number, "name": campaign.name,
            "from_": "A2", "to": "A3"}  # fmt: skip
    migration = next(m for m in discover() if m.version == 65)
    async with w.db.connection() as conn:
        await conn.execute(
            "INSERT INTO workflow_state (workflow, key, value) VALUES ('a2_a3', $1, $2::jsonb)",
            f"move:{campaign.dam_id}",
            json.dumps(move),
        )
        await conn.execute(migration.sql)

    report = await w.run("a2_a3")  # with move_to_a3 off: an intent is finished regardless

    assert report.failures == [] and report.counts == {"campaigns_moved": 1}
    assert [h["new_status"] for h in await w.webhooks()] == ["A3"]
    assert [(r["status"], r["pending_status"]) for r in await status_rows(w)] == [("A3", None)]
    assert await w.rows("SELECT * FROM workflow_state WHERE key LIKE 'move:%'") == []
