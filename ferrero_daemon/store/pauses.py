"""Paused jobs, in ``workflow_state`` (scope = job, key = ``paused``): they survive a restart."""

from __future__ import annotations

from datetime import datetime

from ferrero_daemon.clients.db import Database
from ferrero_daemon.store.state import StateStore

_KEY = "paused"


class Pauses:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._state = StateStore(db)

    async def paused(self) -> set[str]:
        return {r["job"] for r in await self._db.fetch("pauses_list")}

    async def pause(self, job: str, by: str, now: datetime) -> None:
        await self._state.put(job, _KEY, {"by": by, "at": now.isoformat()})

    async def resume(self, job: str) -> None:
        await self._state.delete(job, _KEY)
