"""Clients that die: the process is killed right after the Nth effect of a run.

``Reaper`` counts effect boundaries (every database call and commit, every DAM or Box
call that changes something). After the Nth completes it raises ``Killed`` (a
``BaseException``, so no ``except Exception`` in the code under test swallows it), and
every later call raises too: a dead process does nothing more.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from asyncpg import Record

from ferrero_daemon.clients.db import Database


class Killed(BaseException):
    """The test killed the process here."""


class Reaper:
    def __init__(self, die_after: int | None = None) -> None:
        self.die_after = die_after
        self.trace: list[str] = []
        self.dead = False

    def before(self, what: str) -> None:
        if self.dead:
            raise Killed(f"already dead, refused {what}")

    def after(self, what: str) -> None:
        self.trace.append(what)
        if self.die_after is not None and len(self.trace) >= self.die_after:
            self.dead = True
            raise Killed(f"killed after step {len(self.trace)}: {what}")

    async def call(self, what: str, fn: Callable[[], Awaitable[Any]], step: bool = True) -> Any:
        self.before(what)
        result = await fn()
        if step:
            self.after(what)
        return result


# Reads change nothing: dying after one is dying before the next write.
DB_READS = {
    "delivery_masters_for_campaign",
    "campaign_get",
    "campaigns_pending",
    "campaign_figures",
    "campaign_status_changes",
    "delivery_master_by_tracking_id",
    "state_get",
    "outbox_get",
}


class MortalDatabase(Database):
    """Every writing query and every commit is a step."""

    def __init__(self, inner: Database, reaper: Reaper) -> None:
        super().__init__(inner._executor)
        self._reaper = reaper

    async def _step(self, name: str, run: Callable[[], Awaitable[Any]]) -> Any:
        return await self._reaper.call(f"db {name}", run, step=name not in DB_READS)

    async def execute(self, name: str, *args: Any) -> str:
        result: str = await self._step(name, lambda: Database.execute(self, name, *args))
        return result

    async def fetch(self, name: str, *args: Any) -> list[Record]:
        rows: list[Record] = await self._step(name, lambda: Database.fetch(self, name, *args))
        return rows

    async def fetchrow(self, name: str, *args: Any) -> Record | None:
        row: Record | None = await self._step(name, lambda: Database.fetchrow(self, name, *args))
        return row

    async def fetchval(self, name: str, *args: Any) -> Any:
        return await self._step(name, lambda: Database.fetchval(self, name, *args))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        self._reaper.before("db begin")
        async with super().transaction() as tx:
            yield MortalDatabase(tx, self._reaper)
            self._reaper.after("db before commit")  # dying here rolls the transaction back
        self._reaper.after("db committed")


class Mortal:
    """Wraps a client: the named methods are steps; after death every call is refused."""

    def __init__(self, inner: Any, reaper: Reaper, label: str, effects: set[str]) -> None:
        self._inner = inner
        self._reaper = reaper
        self._label = label
        self._effects = effects

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        what = f"{self._label}.{name}"
        if name in self._effects:

            async def effect(*args: Any, **kwargs: Any) -> Any:
                return await self._reaper.call(what, lambda: attr(*args, **kwargs))

            return effect
        if name == "download":

            def download(*args: Any, **kwargs: Any) -> Any:
                self._reaper.before(what)
                return attr(*args, **kwargs)

            return download

        async def read(*args: Any, **kwargs: Any) -> Any:
            self._reaper.before(what)
            return await attr(*args, **kwargs)

        return read


DAM_EFFECTS = {
    "update_folder_metadata",
    "update_asset_metadata",
    "import_asset",
    "check_in_version",
}
BOX_EFFECTS = {"ensure_folder", "upload", "upload_version", "move", "delete", "set_description"}
