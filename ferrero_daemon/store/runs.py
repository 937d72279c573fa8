"""``job_runs``: one row per run of a job, scheduled or on demand (dry runs marked)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ferrero_daemon.store import Store
from ferrero_daemon.store.rows import from_row


@dataclass(frozen=True)
class FinishedRun:
    job: str
    run_id: str
    trigger: str
    started_at: datetime
    finished_at: datetime
    outcome: str
    error: str | None

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class RunError:
    job: str
    run_id: str
    outcome: str
    finished_at: datetime
    error: str


class JobRuns(Store):
    async def start(
        self, run_id: str, job: str, trigger: str, *, dry_run: bool, instance: str
    ) -> datetime:
        started: datetime = await self._db.fetchval(
            "run_start", run_id, job, trigger, dry_run, instance
        )
        return started

    async def finish(
        self,
        run_id: str,
        outcome: str,
        counts: Mapping[str, int],
        error: str | None,
        failures: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Record how the run ended; ``failures`` are its (item, reason) pairs."""
        items = [{"item": item, "reason": reason} for item, reason in failures]
        await self._db.execute(
            "run_finish", run_id, outcome, json.dumps(dict(counts)), error, json.dumps(items)
        )

    async def get(self, run_id: str) -> dict[str, object] | None:
        row = await self._db.fetchrow("run_get", run_id)
        if row is None:
            return None
        out = dict(row)
        out["counts"] = json.loads(row["counts"])
        return out

    async def latest(self) -> dict[str, FinishedRun]:
        """The last finished real run of each job."""
        rows = await self._db.fetch("runs_latest")
        return {r["job"]: from_row(FinishedRun, r) for r in rows}

    async def last_errors(self) -> dict[str, RunError]:
        """The newest real run of each job that ended with an error."""
        rows = await self._db.fetch("runs_last_errors")
        return {r["job"]: RunError(**dict(r)) for r in rows}

    async def interrupt_orphans(self, reason: str) -> list[tuple[str, str]]:
        """Mark runs a dead daemon left 'running' as interrupted; return (run_id, job)."""
        rows = await self._db.fetch("runs_interrupt_orphans", reason)
        return [(r["run_id"], r["job"]) for r in rows]
