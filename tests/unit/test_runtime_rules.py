from __future__ import annotations

import os

from ferrero_daemon.runtime.control import Peer, allowed
from ferrero_daemon.runtime.lease import decide, renew_interval
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
