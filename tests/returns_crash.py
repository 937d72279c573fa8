"""Kill a workflow at each of its steps, then start it again.

A ``Fuse`` counts every step with an effect: each changing call to the DAM, Box or the
notifier, each committed transaction and each write outside one. Armed at step *k*, it
lets step *k* happen and then raises ``Crash`` (a ``BaseException``, so no ``except``
in the workflow can swallow it, as with a killed process). A test first counts the
steps of an undisturbed run, then, for every *k*, replays the scenario on a fresh world,
crashes at *k*, runs the job again, and checks the end state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from asyncpg import Record

from ferrero_daemon.clients.db import Database
from ferrero_daemon.services import Services

DAM_WRITES = frozenset(
    {"import_asset", "check_in_version", "update_asset_metadata", "update_folder_metadata"}
)
BOX_WRITES = frozenset(
    {"ensure_folder", "upload", "upload_version", "move", "delete", "set_description"}
)
NOTIFIER_WRITES = frozenset({"email", "webhook"})
_WRITE_SQL = ("INSERT", "UPDATE", "DELETE", "WITH")


class Crash(BaseException):
    """The process died here."""


@dataclass
class Fuse:
    at: int | None = None
    steps: list[str] = field(default_factory=list)

    def tick(self, what: str) -> None:
        self.steps.append(what)
        if self.at == len(self.steps):
            raise Crash(f"crashed after step {self.at}: {what}")


class Fused:
    """A client whose changing calls each count as one step."""

    def __init__(self, inner: Any, fuse: Fuse, writes: frozenset[str], label: str) -> None:
        self._inner, self._fuse, self._writes, self._label = inner, fuse, writes, label

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name not in self._writes:
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = await attr(*args, **kwargs)
            self._fuse.tick(f"{self._label}.{name}")
            return result

        return call


class FusedDatabase(Database):
    def __init__(self, inner: Database, fuse: Fuse, in_transaction: bool = False) -> None:
        super().__init__(inner._executor)
        self._fuse = fuse
        self._in_transaction = in_transaction

    def _written(self, name: str) -> None:
        if not self._in_transaction and self.sql(name).lstrip().upper().startswith(_WRITE_SQL):
            self._fuse.tick(f"db.{name}")

    async def execute(self, name: str, *args: Any) -> str:
        result = await super().execute(name, *args)
        self._written(name)
        return result

    async def fetchrow(self, name: str, *args: Any) -> Record | None:
        result = await super().fetchrow(name, *args)
        self._written(name)
        return result

    async def fetchval(self, name: str, *args: Any) -> Any:
        result = await super().fetchval(name, *args)
        self._written(name)
        return result

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        async with super().transaction() as tx:
            yield FusedDatabase(tx, self._fuse, in_transaction=True)
        if not self._in_transaction:
            self._fuse.tick("db.commit")


def fused(services: Services, fuse: Fuse, notifier_for: Callable[[Database], Any]) -> Services:
    """The same services, every effect counted; the notifier is rebuilt on the fused db."""
    db = FusedDatabase(services.db, fuse)
    return services.with_(
        db=db,
        dam=Fused(services.dam, fuse, DAM_WRITES, "dam"),
        box=Fused(services.box, fuse, BOX_WRITES, "box"),
        notifier=Fused(notifier_for(services.db), fuse, NOTIFIER_WRITES, "notifier"),
    )
