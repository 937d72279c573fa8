"""``file_failures``: how many runs a watched Box file failed in, counted against it.

A row with 0 counted runs is a file that failed only while no file went through (a
remote was down): it counts nothing, and says when the file last failed, so the next
run tries the others first.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

from ferrero_daemon.store import Store


@dataclass(frozen=True)
class FileFailure:
    """One run's failure of a file; the fields in the order the queries take them."""

    box_file_id: str
    workflow: str
    file_name: str
    sha1: str | None
    error: str
    run_id: str


class FailureStore(Store):
    async def record(self, failure: FileFailure) -> int:
        """Count this run's failure (once per run); return the runs it has failed in."""
        runs: int = await self._db.fetchval("file_failure_record", *astuple(failure))
        return runs

    async def waited(self, failure: FileFailure) -> None:
        """Note a failure that does not count against the file (no file went through)."""
        await self._db.execute("file_failure_waited", *astuple(failure))

    async def failed_order(self, workflow: str) -> list[str]:
        """The Box file ids that failed before, least recently failed first."""
        rows = await self._db.fetch("file_failure_order", workflow)
        return [str(row["box_file_id"]) for row in rows]

    async def clear(self, box_file_id: str) -> None:
        await self._db.execute("file_failure_clear", box_file_id)
