"""``check --deep`` against the emulators: it passes, and it changes nothing anywhere.

The deep check runs against a seeded world (``deep_world``); before and after, every
emulator's state (objects, locks, jobs, Box items and change log, LlamaCloud files and
jobs, mails, webhook posts) and every table of the database are compared.
"""

from __future__ import annotations

import asyncpg

from ferrero_daemon.checks.deep.findings import passed, render
from tests.integration.deep_world import World, by_probe, database_digest, emulator_state, world

__all__ = ["world"]


async def test_the_deep_check_passes_against_the_emulators_and_changes_nothing(
    world: World,
) -> None:
    config = world.config()
    before = (emulator_state(world), await database_digest(config))
    found = await world.check("local")
    after = (emulator_state(world), await database_digest(config))
    assert passed(found), render(found)
    assert after == before
    lines = by_probe(found)
    assert "returned 2, of which 1 was A10, filtered" in lines["DAM search A1"].seen
    assert "2 pages of 1" in lines["DAM search paging"].seen
    campaign = lines["sample campaign"]
    assert "A1→A2 delivers it" in campaign.seen
    assert "would upload Master_0.mp4 (1.0 MB) as 'Master_0_?????????.mp4'" in "\n".join(
        campaign.details
    )
    assert {f.probe for f in found if f.status == "unknown"} == {
        "DAM lock contention", "DAM check-in flow", "DAM pick-list write form",
    }  # fmt: skip


async def test_the_comparison_sees_a_change_in_any_emulator_or_table(world: World) -> None:
    """The proof above can fail: one write anywhere shows."""
    config = world.config()
    before = (emulator_state(world), await database_digest(config))
    world.otmm.lock_as_other_user(world.campaigns["local"])
    assert emulator_state(world)["otmm"] != before[0]["otmm"]
    world.box.set_role(world.box.folder_ids["a1_a2"], "viewer")
    assert emulator_state(world)["box"] != before[0]["box"]
    d = config.settings.database
    conn = await asyncpg.connect(host=d.host, port=d.port, user=d.user, database=d.name,
                                 password=config.secrets.optional("db_password"))  # fmt: skip
    try:
        await conn.execute(
            "INSERT INTO workflow_state (workflow, key, value) VALUES ('x', 'y', '1')"
        )
    finally:
        await conn.close()
    assert (await database_digest(config))["workflow_state"] != before[1]["workflow_state"]


async def test_a_sample_campaign_the_workflows_would_not_pick_up_is_shown_as_such(
    world: World,
) -> None:
    line = by_probe(await world.check("review"))["sample campaign"]
    assert line.status == "ok" and "at A5" in line.seen and "A1 only" in line.seen
    details = "\n".join(line.details)
    assert "not masters: Rocher_DE_de.mp4" in details
    assert "would set the DAM status" not in details
    assert details.endswith("would leave its status (A5) alone")
