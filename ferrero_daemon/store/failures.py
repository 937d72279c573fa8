"""``file_failures``: how many runs in a row a watched Box file could not be taken."""

from __future__ import annotations

from dataclasses import dataclass

from ferrero_daemon.clients.db import Database


@dataclass(frozen=True)
class FileFailure:
    box_file_id: str
    workflow: str
    file_name: str
    sha1: str | None
    error: str
    run_id: str


class FailureStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, failure: FileFailure) -> int:
        """Count this run's failure (once per run); return the runs it has failed in."""
        runs: int = await self._db.fetchval(
            "file_failure_record",
            failure.box_file_id,
            failure.workflow,
            failure.file_name,
            failure.sha1,
            failure.error,
            failure.run_id,
        )
        return runs

    async def clear(self, box_file_id: str) -> None:
        await self._db.execute("file_failure_clear", box_file_id)
