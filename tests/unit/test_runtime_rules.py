from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime

from ferrero_daemon.runtime.control import Peer, allowed
from ferrero_daemon.runtime.lease import (
    LeaseInfo,
    Process,
    decide,
    holder_gone,
    process_alive,
    renew_interval,
)
from ferrero_daemon.runtime.notify import SystemdNotifier
from ferrero_daemon.runtime.scheduler import Changes, plan
from ferrero_daemon.runtime.stuck import is_stuck


def test_a_standby_takes_the_lease_when_it_gets_it_and_waits_otherwise() -> None:
    assert decide("standby", True, 0, 30) == "promote"
    assert decide("standby", False, 0, 30) == "stay"
    assert decide("standby", None, 100, 30) == "stay"
    assert decide("active", True, 0, 30) == "stay"


def test_an_active_daemon_steps_down_before_its_lease_can_expire() -> None:
    assert decide("active", False, 0, 30) == "demote"
    assert decide("active", None, renew_interval(30), 30) == "stay"
    assert decide("active", None, 30 - renew_interval(30), 30) == "demote"


def test_a_run_is_stuck_only_past_its_maximum() -> None:
    assert not is_stuck(59 * 60, 60)
    assert is_stuck(60 * 60 + 1, 60)


def test_a_reload_touches_only_changed_schedules() -> None:
    current = {"a1_a2": "*/5 * * * * Europe/Rome", "b1_b2": "*/5 * * * * Europe/Rome"}
    wanted = {
        "a1_a2": "*/5 * * * * Europe/Rome",
        "b1_b2": "*/10 * * * * Europe/Rome",
        "x": "0 1 * * *",
    }
    assert plan(current, wanted) == Changes(added=("x",), changed=("b1_b2",), removed=())
    assert plan(wanted, {}) == Changes(removed=("a1_a2", "b1_b2", "x"))


def test_the_control_socket_admits_root_the_daemon_user_and_the_group() -> None:
    own = os.getuid()
    assert allowed(Peer(1, 0, 0), own, None, set())
    assert allowed(Peer(1, own, 12345), own, None, set())
    assert allowed(Peer(1, 4242, 900), own, 900, set())
    assert not allowed(Peer(1, 4242, 4242), own, 900, set())
    assert not allowed(Peer(1, 4242, 4242), own, None, set())


def test_watchdog_pings_at_half_the_timeout_for_this_process_only() -> None:
    env = {"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "30000000"}
    assert SystemdNotifier(env).watchdog_interval() == 15.0
    assert SystemdNotifier({**env, "WATCHDOG_PID": "1"}).watchdog_interval() is None
    assert SystemdNotifier({}).watchdog_interval() is None
    assert not SystemdNotifier({}).enabled


def _lease(
    holder: str = "alpha/41/abc", host: str | None = "h1", pid: int | None = 41, live: bool = True
) -> LeaseInfo:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    return LeaseInfo(holder, now, now, live, host, pid)


def test_a_live_lease_is_taken_at_once_only_from_a_dead_process_of_this_host() -> None:
    me = Process(host="h1", pid=99)
    dead, alive = (lambda pid: False), (lambda pid: True)
    assert holder_gone(_lease(), "beta/99/def", me, dead)
    assert not holder_gone(_lease(), "beta/99/def", me, alive)
    assert not holder_gone(_lease(host="h2"), "beta/99/def", me, dead)  # another host: wait
    assert not holder_gone(_lease(host=None, pid=None), "beta/99/def", me, dead)  # old row
    assert not holder_gone(_lease(holder="beta/99/def"), "beta/99/def", me, dead)  # ours
    assert not holder_gone(
        _lease(live=False), "beta/99/def", me, dead
    )  # lease_claim takes that one


def test_a_killed_process_is_dead_once_it_is_a_zombie_and_our_own_pid_is_not_the_holder() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert process_alive(child.pid)
        child.kill()
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped
        assert not process_alive(child.pid)  # a zombie holds no lease
    finally:
        child.wait()
    assert not process_alive(child.pid)
    assert not process_alive(os.getpid())  # the holder named us, but is not us
