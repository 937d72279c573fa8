"""SIGKILL the real daemon at varied points, chosen by a seeded random generator.

A kill point is either the *n*-th log line the daemon writes after a (re)start, or the
*n*-th byte Box receives from it (the kill then lands inside an upload, from the Box
emulator's own handler). A run that ends before its point is reached is killed right
after it, which lands the kill in the outbox delivery that follows every run.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ferrero_daemon.sandbox.box.content import Receiver
from ferrero_daemon.sandbox.box.server import BoxEmulator
from tests.reliability.daemon import WAIT_S, Event, LiveDaemon

Kind = Literal["log line", "Box byte"]


@dataclass(frozen=True)
class KillPoint:
    kind: Kind
    at: int

    def __str__(self) -> str:
        return f"{self.kind} {self.at}"


@dataclass
class Killed:
    point: KillPoint
    last_event: str  # the last line the daemon wrote before it died


@dataclass
class KillPlan:
    """Seeded kill points: log lines within ``lines``, bytes within ``bytes_``."""

    seed: int
    kinds: tuple[Kind, ...] = ("log line", "Box byte")
    lines: int = 12
    bytes_: int = 1
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def point(self, index: int) -> KillPoint:
        kind = self.kinds[index % len(self.kinds)]
        span = self.lines if kind == "log line" else self.bytes_
        return KillPoint(kind, 1 + self._rng.randrange(span))


class _Tapped:
    """A Box receiver that reports the size of every chunk it takes."""

    def __init__(self, inner: Receiver, tap: Callable[[int], None]) -> None:
        self._inner = inner
        self._tap = tap

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._inner.write(data)
        self._tap(len(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def tap_box_uploads(box: BoxEmulator, tap: Callable[[int], None]) -> Callable[[], None]:
    """Call ``tap(n)`` for every chunk of every upload Box takes; returns the undo."""
    uploads: Any = box.uploads
    original = uploads._receiver  # the emulator's receiver factory (sandbox/box/uploads.py)
    uploads._receiver = lambda: _Tapped(original(), tap)

    def undo() -> None:
        uploads._receiver = original

    return undo


async def kill_at(
    daemon: LiveDaemon, box: BoxEmulator, point: KillPoint, job: str, since: int
) -> Killed:
    """Let the daemon, started at log index ``since``, go until ``point`` (or the end of
    its run of ``job``), then SIGKILL it."""
    seen = {"lines": len(daemon.events) - since, "bytes": 0}
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def fire() -> None:
        if not done.done():
            daemon.kill()
            done.set_result(None)

    def on_event(event: Event) -> None:
        seen["lines"] += 1
        if (point.kind == "log line" and seen["lines"] >= point.at) or (
            event.get("event") == "run_finished" and event.get("job") == job
        ):
            fire()

    def on_bytes(count: int) -> None:
        seen["bytes"] += count
        if point.kind == "Box byte" and seen["bytes"] >= point.at:
            fire()

    unwatch = daemon.watch(on_event)
    untap = tap_box_uploads(box, on_bytes)
    try:
        past = point.kind == "log line" and seen["lines"] >= point.at
        if past or daemon.find("run_finished", after=since, job=job):
            fire()  # already there before we could watch
        async with asyncio.timeout(WAIT_S):
            await done
        await daemon.wait_exit()
    finally:
        unwatch()
        untap()
    last = next((e.get("event", "?") for e in reversed(daemon.events[since:])), "(none)")
    return Killed(point, str(last))
