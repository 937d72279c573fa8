"""The control protocol's requests are checked field by field before any handler runs."""

from __future__ import annotations

import pytest

from ferrero_daemon.clients.control_wire import parse_request
from ferrero_daemon.errors import UsageError


def test_a_well_formed_request_keeps_only_its_fields() -> None:
    raw = {"cmd": "trigger", "job": "a1_a2", "dry_run": False, "by": "alice", "extra": 1}
    assert parse_request(raw) == {"cmd": "trigger", "job": "a1_a2", "dry_run": False, "by": "alice"}
    assert parse_request({"cmd": "wait", "run_id": "r", "timeout": 5}) == {
        "cmd": "wait",
        "run_id": "r",
        "timeout": 5,
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], 'a JSON object with a "cmd"'),
        ({"job": "a1_a2"}, 'a JSON object with a "cmd"'),
        ({"cmd": "explode"}, "unknown command 'explode'; known: pause, reload, resume, status"),
        ({"cmd": "trigger", "job": "a1_a2", "by": "x"}, "field 'dry_run' is missing"),
        ({"cmd": "pause", "job": 7, "by": "x"}, "field 'job' is missing or of the wrong type"),
        ({"cmd": "wait", "run_id": "r", "timeout": True}, "field 'timeout'"),
        ({"cmd": "reload", "wait": "yes"}, "field 'wait'"),
    ],
)
def test_a_malformed_request_is_a_usage_error_that_names_the_field(
    raw: object, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        parse_request(raw)
