from __future__ import annotations

from ferrero_daemon.outbox.alerts import decide, fingerprint


def test_first_problem_is_raised_and_repeats_are_quiet() -> None:
    problems = ["master K7M2QX9AB: DAM returned 503"]
    assert decide(None, problems) == "raise"
    assert decide(fingerprint(problems), list(reversed(problems))) == "quiet"


def test_a_change_and_a_resolution_are_each_reported() -> None:
    before = fingerprint(["a failed"])
    assert decide(before, ["a failed", "b failed"]) == "change"
    assert decide(before, []) == "resolve"
    assert decide(None, []) == "quiet"
