"""The secret scan finds what it looks for, wherever the daemon puts it.

Every reliability test ends with a scan for its canary secrets (``conftest.py``); a
scan that looked in the wrong places would pass forever. Here a value the daemon does
treat as data (a campaign's name) is planted, and the scan must find it in each place
the daemon writes to.
"""

from __future__ import annotations

import base64

import pytest

from tests.reliability.canaries import Canaries
from tests.reliability.world import World


def test_a_canary_is_found_plain_base64_or_url_encoded_and_named_by_place() -> None:
    canaries = Canaries()
    secret = canaries["smtp_password"]
    encoded = base64.b64encode(secret.encode()).decode()
    found = canaries.scan(
        [("log", f"x {secret} y"), ("mail", encoded), ("clean", "nothing here"), ("db", "")]
    )
    assert found == ["log: smtp_password", "mail: smtp_password"]
    assert Canaries()["smtp_password"] != secret  # unique per test


@pytest.mark.full
async def test_the_scan_looks_everywhere_the_daemon_writes(world: World) -> None:
    planted = Canaries(values={}, extra={"planted": "cnryplanted0a1b2c3d4e5f"})
    campaign = world.seed_campaign("4713", 1)
    value = planted.extra["planted"]
    world.otmm.node(campaign.id).metadata[world.otmm.fields.campaign_name] = value
    world.otmm.node(campaign.asset_ids[0]).name = f"Spot_{value}.mp4"  # logged, mailed, stored
    await world.daemon.start()
    assert (await world.daemon.trigger("a1_a2")).code == 0
    await world.outbox_settled()
    status = await world.status()
    assert status["role"] == "active" and status["database_error"] is None

    places = {hit.split(":")[0] for hit in planted.scan(await world.exposed())}
    assert {p.split(" ")[0] for p in places} >= {"daemon", "mail", "webhook", "table", "Box"}
    assert await world.leaks() == []  # the real secrets: nowhere
