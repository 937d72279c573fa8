"""After ``kill -9`` the restarted daemon does not wait out its dead predecessor's lease.

systemd restarts a killed daemon within seconds; the lease (30 s by default) would keep
it a standby until it expired. On the same host, the lease row's PID tells the new
process that the holder is gone, so it takes the lease before it reports ready.
"""

from __future__ import annotations

import json

from tests.reliability.world import World


async def test_a_daemon_restarted_after_kill_9_takes_its_dead_predecessors_lease_at_once(
    world: World,
) -> None:
    assert "lease_seconds" not in world.settings["runtime"]  # the default, 30 s
    first = await world.daemon.start()
    assert first is not None and first["role"] == "active"

    world.daemon.kill()
    await world.daemon.wait_exit()
    (lease,) = await world.sql(
        "SELECT holder, pid, expires_at > now() + interval '20 seconds' AS live FROM scheduler_lease"
    )
    assert lease["holder"] == first["holder"] and lease["live"]  # kill -9 released nothing

    second = await world.daemon.start()
    assert second is not None and second["role"] == "active"  # not a standby for 30 s
    taken = world.daemon.find("lease_taken_over")
    assert [(t["previous"], t["previous_pid"]) for t in taken] == [(first["holder"], lease["pid"])]
    status = json.loads((await world.daemon.cli("status", "--json")).stdout)
    assert status["role"] == "active"
    assert (await world.daemon.trigger("a2_a3")).code == 0
