"""Kill a workflow right after each of its steps, start it again, check the end state.

A step is an effect that survives the process: a call a client protocol marks ``@writes``
(``clients/types.py``: the same marks a dry run refuses), a committed transaction, and a
writing query outside one. Writes inside a transaction are not steps: dying between them
rolls back, as dying before the transaction would.

A ``Fuse`` armed at step *k* lets step *k* happen, then raises ``Killed`` (a
``BaseException``, so no ``except`` in the code under test swallows it) and from then on
refuses every call, read or write: a dead process does nothing more, whatever its other
tasks were about to do. ``every_step`` counts the steps of an undisturbed run, then for
each *k* sets the scenario up afresh, kills the run at *k*, runs the job again and checks.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asyncpg import Record

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import (
    BoxClient,
    DamClient,
    Notifier,
    ScoreExtractor,
    methods,
    protocol_methods,
)
from ferrero_daemon.services import Services

T = TypeVar("T")
# A query writes when it inserts, deletes or updates rows (``FOR UPDATE`` only locks).
_WRITES = re.compile(r"\b(INSERT|DELETE|TRUNCATE)\b|(?<!FOR )\bUPDATE\b", re.IGNORECASE)


class Killed(BaseException):
    """The test killed the process here."""


def killed(exc: BaseException) -> bool:
    """``exc`` is the kill, alone or inside a task group's exception group."""
    if isinstance(exc, BaseExceptionGroup):
        return exc.subgroup(Killed) is not None
    return isinstance(exc, Killed)


@dataclass
class Fuse:
    at: int | None = None
    steps: list[str] = field(default_factory=list)
    dead: bool = False

    def check(self, what: str) -> None:
        if self.dead:
            raise Killed(f"already dead, refused {what}")

    def tick(self, what: str) -> None:
        self.steps.append(what)
        if self.at == len(self.steps):
            self.dead = True
            raise Killed(f"killed after step {self.at}: {what}")


class Fused:
    """A client under a fuse: the protocol's ``@writes`` are steps, every call checks."""

    def __init__(self, inner: Any, fuse: Fuse, protocol: type, label: str) -> None:
        self._inner, self._fuse, self._label = inner, fuse, label
        self._writes = methods(protocol, "write")
        self._sync = {n for n in protocol_methods(protocol) if not _is_async(protocol, n)}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        what = f"{self._label}.{name}"
        if name in self._sync:

            def call_sync(*args: Any, **kwargs: Any) -> Any:
                self._fuse.check(what)
                return attr(*args, **kwargs)

            return call_sync

        async def call(*args: Any, **kwargs: Any) -> Any:
            self._fuse.check(what)
            result = await attr(*args, **kwargs)
            if name in self._writes:
                self._fuse.tick(what)
            return result

        return call


def _is_async(protocol: type, name: str) -> bool:
    return inspect.iscoroutinefunction(getattr(protocol, name))


def writes(sql: str) -> bool:
    return _WRITES.search(re.sub(r"--[^\n]*", "", sql)) is not None


class FusedDatabase(Database):
    def __init__(self, inner: Database, fuse: Fuse, in_transaction: bool = False) -> None:
        super().__init__(inner._executor)
        self._fuse = fuse
        self._in_transaction = in_transaction

    async def _query(self, name: str, run: Callable[[], Awaitable[T]]) -> T:
        self._fuse.check(f"db.{name}")
        result = await run()
        if not self._in_transaction and writes(self.sql(name)):
            self._fuse.tick(f"db.{name}")
        return result

    async def execute(self, name: str, *args: Any) -> str:
        return await self._query(name, lambda: Database.execute(self, name, *args))

    async def fetch(self, name: str, *args: Any) -> list[Record]:
        return await self._query(name, lambda: Database.fetch(self, name, *args))

    async def fetchrow(self, name: str, *args: Any) -> Record | None:
        return await self._query(name, lambda: Database.fetchrow(self, name, *args))

    async def fetchval(self, name: str, *args: Any) -> Any:
        return await self._query(name, lambda: Database.fetchval(self, name, *args))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        self._fuse.check("db.begin")
        async with super().transaction() as tx:
            yield FusedDatabase(tx, self._fuse, in_transaction=True)
        if not self._in_transaction:
            self._fuse.tick("db.commit")


def fused(services: Services, fuse: Fuse) -> Services:
    """The same services under one fuse: every client the workflows see, and the database
    (the notifier keeps its own database: its writes are its own steps)."""
    return services.with_(
        db=FusedDatabase(services.db, fuse),
        dam=Fused(services.dam, fuse, DamClient, "dam"),
        box=Fused(services.box, fuse, BoxClient, "box"),
        notifier=Fused(services.notifier, fuse, Notifier, "notifier"),
        scorer=Fused(services.scorer, fuse, ScoreExtractor, "scorer"),
    )


async def every_step(
    scenario: Callable[[], Awaitable[T]],
    run: Callable[[Fuse | None], Awaitable[object]],
    check: Callable[[T], Awaitable[None]],
) -> list[str]:
    """Kill ``run`` after each step of a clean run of ``scenario``, run it again, ``check``.

    ``scenario`` sets the case up afresh and returns what ``check`` needs; ``run(fuse)``
    runs the job once, on services ``fused`` with that fuse (``None``: as in production).
    Returns the steps of the clean run.
    """
    probe = Fuse()
    case = await scenario()
    await run(probe)
    await _checked(check, case, "after a clean run")
    for at, step in enumerate(probe.steps, start=1):
        case = await scenario()
        try:
            await run(Fuse(at))
        except BaseException as exc:
            if not killed(exc):
                raise
        else:
            raise AssertionError(f"the run outlived its kill after step {at}: {step}")
        outcome = await run(None)
        when = f"killed after step {at} of {len(probe.steps)} ({step}), then {outcome}"
        await _checked(check, case, when)
    return probe.steps


async def _checked(check: Callable[[T], Awaitable[None]], case: T, when: str) -> None:
    try:
        await check(case)
    except AssertionError as exc:
        raise AssertionError(f"{when}: {exc}") from exc
