"""Read-only stand-ins for a dry run: reads go through, every change is refused.

A workflow plans from reads, then acts; in a dry run it stops after planning and
reports the plan. These wrappers make "changes nothing anywhere" a guarantee rather
than a convention: a write that slips through raises ``DryRunRefused`` (DAM, Box),
is recorded instead of queued (notifier), or is refused by PostgreSQL itself
(every query runs in a ``READ ONLY`` transaction).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from asyncpg import Record

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import BoxClient, DamClient, Email, methods
from ferrero_daemon.domain.status_event import CampaignStatusChanged
from ferrero_daemon.domain.values import BoxItem
from ferrero_daemon.errors import DryRunRefused


class ReadOnly:
    """A client whose protocol's ``@reads`` go through and whose ``@writes`` are refused.

    The marks in ``clients/types.py`` are the one list of what changes something: a write
    method added there is refused here without a line changed.
    """

    def __init__(self, inner: object, protocol: type, system: str) -> None:
        self._inner = inner
        self._system = system
        self._reads = methods(protocol, "read")
        self._writes = methods(protocol, "write")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._writes:
            return self._refusal(name)
        if name in self._reads:
            return getattr(self._inner, name)
        raise AttributeError(f"{self._system} has no operation {name!r}")

    def _refusal(self, name: str) -> Callable[..., Awaitable[NoReturn]]:
        async def refuse(*args: object, **kwargs: object) -> NoReturn:
            raise self._refused(name, args)

        return refuse

    def _refused(self, name: str, args: tuple[object, ...]) -> DryRunRefused:
        shown = ", ".join(repr(a) for a in args if isinstance(a, str | int))
        return DryRunRefused(f"dry run: refused {self._system} {name}({shown})")


class ReadOnlyDam(ReadOnly):
    def __init__(self, inner: DamClient) -> None:
        super().__init__(inner, DamClient, "DAM")


class ReadOnlyBox(ReadOnly):
    def __init__(self, inner: BoxClient) -> None:
        super().__init__(inner, BoxClient, "Box")
        self._box = inner

    async def ensure_folder(self, parent_id: str, name: str) -> BoxItem:
        """An existing folder is found as in a real run; creating one is refused."""
        for item in await self._box.list_folder(parent_id):
            if item.type == "folder" and item.name == name:
                return item
        raise self._refused("ensure_folder", (parent_id, name))


@dataclass
class RecordingNotifier:
    """Records what would have been queued; nothing reaches the outbox."""

    emails: list[tuple[str, Email]] = field(default_factory=list)
    webhooks: list[tuple[str, CampaignStatusChanged]] = field(default_factory=list)

    def within(self, tx: Database) -> RecordingNotifier:
        return self  # it queues nowhere, so there is no transaction to join

    async def email(self, key: str, message: Email) -> bool:
        self.emails.append((key, message))
        return True

    async def webhook(self, key: str, event: CampaignStatusChanged) -> bool:
        self.webhooks.append((key, event))
        return True


class ReadOnlyDatabase(Database):
    """Every named query runs in its own READ ONLY transaction; PostgreSQL refuses writes."""

    def __init__(self, inner: Database) -> None:
        super().__init__(inner._executor)

    @asynccontextmanager
    async def _readonly(self) -> AsyncIterator[Database]:
        async with super().connection() as conn, conn.transaction(readonly=True):
            yield Database(conn)

    async def execute(self, name: str, *args: Any) -> str:
        async with self._readonly() as db:
            return await db.execute(name, *args)

    async def fetch(self, name: str, *args: Any) -> list[Record]:
        async with self._readonly() as db:
            return await db.fetch(name, *args)

    async def fetchrow(self, name: str, *args: Any) -> Record | None:
        async with self._readonly() as db:
            return await db.fetchrow(name, *args)

    async def fetchval(self, name: str, *args: Any) -> Any:
        async with self._readonly() as db:
            return await db.fetchval(name, *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        async with self._readonly() as db:
            yield db
