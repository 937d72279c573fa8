"""``report_periods``: the periods scheduled daily reports covered, one row each.

A row is written in the transaction that queues the report's mail: the period is
then reported, once; a crash before the commit leaves neither, and the next run
reports it. A test send or a preview never writes here.
"""

from __future__ import annotations

from datetime import datetime

from ferrero_daemon.domain.report_periods import Period
from ferrero_daemon.store import Store


class ReportPeriods(Store):
    async def last(self) -> Period | None:
        row = await self._db.fetchrow("report_period_last")
        return None if row is None else Period(row["period_start"], row["period_end"])

    async def claim(self, period: Period, run_id: str) -> bool:
        """Record ``period`` as reported; False when it was reported before."""
        claimed = await self._db.fetchval("report_period_claim", period.end, period.start, run_id)
        return claimed is not None

    async def ending_within(self, start: datetime, end: datetime) -> Period | None:
        """The reported period that ended in ``[start, end)`` (the latest), if any."""
        row = await self._db.fetchrow("report_period_ending_within", start, end)
        return None if row is None else Period(row["period_start"], row["period_end"])
