"""``creativex_scores``: one row per scorecard PDF and scored asset (``ref/llamacloud.md`` §4.3)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asyncpg import Record

from ferrero_daemon.domain.derivatives import StoredScore
from ferrero_daemon.store import Store
from ferrero_daemon.store.rows import from_row


@dataclass(frozen=True)
class NewScore:
    asset_filename: str  # scores.asset_key(...), never built by hand
    tracking_id: str | None
    channel: str | None
    cqs_pct: float
    guidelines_met: int | None
    guidelines_total: int | None
    pdf_sha256: str
    extracted: dict[str, Any]
    extracted_at: datetime


def _score(row: Record) -> StoredScore:
    return from_row(StoredScore, row)


class ScoreStore(Store):
    async def pdf_known(self, pdf_sha256: str) -> bool:
        known: bool = await self._db.fetchval("score_pdf_known", pdf_sha256)
        return known

    async def store(self, s: NewScore) -> int:
        score_id: int = await self._db.fetchval(
            "score_store",
            s.asset_filename,
            s.tracking_id,
            s.channel,
            s.cqs_pct,
            s.guidelines_met,
            s.guidelines_total,
            s.pdf_sha256,
            json.dumps(s.extracted, default=str),
            s.extracted_at,
        )
        return score_id

    async def candidates(self, asset_filename: str, tracking_id: str) -> list[StoredScore]:
        """Usable scores that may belong to this asset, newest first."""
        by_name = await self._db.fetch("scores_for_asset", asset_filename)
        by_tracking = await self._db.fetch("scores_for_tracking_id", tracking_id)
        seen: dict[int, StoredScore] = {}
        for row in [*by_name, *by_tracking]:
            seen.setdefault(row["id"], _score(row))
        return sorted(seen.values(), key=lambda s: s.id, reverse=True)
