from __future__ import annotations

import io
import json
import logging

import pytest

from ferrero_daemon import logs

CANARY = "canary-Secret-0123456789"


@pytest.fixture
def stream() -> io.StringIO:
    out = io.StringIO()
    logs.configure(level="debug", environment="staging", secrets=[CANARY], stream=out)
    return out


def lines(stream: io.StringIO) -> list[tuple[int, dict[str, object]]]:
    out = []
    for line in stream.getvalue().splitlines():
        assert line.startswith("<")
        prio, _, body = line[1:].partition(">")
        out.append((int(prio), json.loads(body)))
    return out


def test_one_json_object_per_line_with_syslog_priority(stream: io.StringIO) -> None:
    log = logs.get_logger("test")
    log.info("asset_uploaded", tracking_id="K7M2QX9AB", bytes=12)
    log.error("transfer_failed", tracking_id="K7M2QX9AB")
    (p1, e1), (p2, e2) = lines(stream)
    assert (p1, e1["event"], e1["bytes"], e1["env"]) == (6, "asset_uploaded", 12, "staging")
    assert (p2, e2["level"]) == (3, "error")


def test_stdlib_loggers_share_the_renderer(stream: io.StringIO) -> None:
    logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed")
    [(prio, event)] = lines(stream)
    assert prio == 4 and event["logger"] == "apscheduler.scheduler"


def test_canary_secret_never_reaches_output(stream: io.StringIO) -> None:
    log = logs.get_logger("test")
    log.info("connecting", url=f"https://user:{CANARY}@host/x", headers={"X": CANARY})
    log.info("opaque_key", whatever=CANARY, nested=[{"deep": f"prefix {CANARY} suffix"}])
    try:
        raise RuntimeError(f"login failed with {CANARY}")
    except RuntimeError:
        log.exception("login_failed")
    logging.getLogger("httpx").warning("request with %s", CANARY)
    out = stream.getvalue()
    assert CANARY not in out
    assert out.count("********") >= 5


def test_exceptions_are_structured_without_locals(stream: io.StringIO) -> None:
    def fail() -> None:
        password = CANARY  # a local that a default traceback renderer would dump
        raise ValueError(f"bad input {len(password)}")

    try:
        fail()
    except ValueError:
        logs.get_logger("t").exception("step_failed")
    [(_, event)] = lines(stream)
    [exc] = event["exception"]  # type: ignore[misc]
    assert exc["exc_type"] == "ValueError"
    assert all("locals" not in frame for frame in exc["frames"])


def test_secret_looking_keys_are_masked(stream: io.StringIO) -> None:
    logs.get_logger("t").info(
        "token_refreshed", access_token="eyJhbGciOi-something", expires_in=3600
    )
    [(_, event)] = lines(stream)
    assert event["access_token"] == "********" and event["expires_in"] == 3600
