"""The control socket belongs to the daemon that bound it: nobody else removes it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from ferrero_daemon.clients.control import ControlClient
from ferrero_daemon.clients.control_wire import Reply, Request
from ferrero_daemon.errors import BusyError, DaemonUnavailable, UsageError
from ferrero_daemon.exits import for_error
from ferrero_daemon.runtime.control import ControlServer


async def answer(request: Request) -> Reply:
    if request["cmd"] == "pause":
        raise UsageError(f"unknown job {request['job']!r}")
    return {"job": "a1_a2", "paused": False}


def ask(path: Path) -> object:
    return ControlClient(path).resume("a1_a2", "test", timeout=5)


async def test_a_second_server_is_refused_and_leaves_the_first_ones_socket(
    tmp_path: Path,
) -> None:
    path = tmp_path / "control.sock"
    first = ControlServer(path, "", answer)
    await first.start()
    second = ControlServer(path, "", answer)
    with pytest.raises(BusyError, match=rf"another daemon \(pid {os.getpid()}\) owns"):
        second.claim()
    await second.close()  # what a refused daemon's shutdown does: nothing here
    assert path.is_socket()
    assert await asyncio.to_thread(ask, path) == {"job": "a1_a2", "paused": False}
    await first.close()
    assert not path.exists()


async def test_a_socket_file_that_is_not_ours_any_more_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "control.sock"
    server = ControlServer(path, "", answer)
    await server.start()
    path.unlink()
    path.write_text("someone else's")  # replaced behind our back
    await server.close()
    assert path.read_text() == "someone else's"


async def test_a_stale_socket_is_taken_over_and_refusals_keep_their_kind(tmp_path: Path) -> None:
    path = tmp_path / "control.sock"
    path.write_text("left by a daemon killed with -9")
    server = ControlServer(path, "", answer)
    await server.start()
    try:
        with pytest.raises(UsageError, match="unknown job 'zz'") as refused:
            await asyncio.to_thread(ControlClient(path).pause, "zz", "test", 5.0)
        assert for_error(refused.value) == 64
    finally:
        await server.close()
    with pytest.raises(DaemonUnavailable, match="the daemon is not running"):
        await asyncio.to_thread(ask, path)
