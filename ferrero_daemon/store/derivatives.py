"""``derivative_assets``, and what the return workflows read of masters.

Campaigns (their status, their Box folder) are ``store/campaigns.py``'s, for every workflow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from asyncpg import Record

from ferrero_daemon.domain.values import Metadata
from ferrero_daemon.store import Store
from ferrero_daemon.store.rows import from_row


@dataclass(frozen=True)
class Master:
    tracking_id: str
    dam_asset_id: str
    campaign_id: str
    campaign_number: str
    original_filename: str
    metadata: Metadata


@dataclass(frozen=True)
class Derivative:
    id: int
    tracking_id: str
    country: str
    language: str
    job_number: str
    original_filename: str
    box_file_id: str | None
    campaign_id: str
    dam_folder_id: str | None
    dam_asset_id: str | None
    dam_version: int
    creativex_score_id: int | None
    state: str
    sha1: str | None  # of the content last imported


@dataclass(frozen=True)
class Arrival:
    """An agency file about to become a derivative (or a new version of one)."""

    tracking_id: str
    country: str
    language: str
    job_number: str
    name: str
    box_file_id: str
    size: int
    sha1: str | None
    campaign_id: str
    dam_folder_id: str


@dataclass(frozen=True)
class Imported:
    dam_asset_id: str
    dam_version: int
    cqs_pct: float | None
    score_id: int | None


def market_key(country: str, language: str) -> tuple[str, str]:
    """How a market is keyed in the table: ``DE``/``de`` whatever the agency typed."""
    return country.upper(), language.lower()


def _derivative(row: Record) -> Derivative:
    return from_row(Derivative, row)


class DerivativeStore(Store):
    async def master(self, tracking_id: str) -> Master | None:
        row = await self._db.fetchrow("returns_master_by_tracking_id", tracking_id)
        if row is None:
            return None
        stored: dict[str, Any] = json.loads(row["metadata"] or "{}")
        # a1_a2 stores {"fields": {field id: value}, "campaign": …, "asset": …}.
        fields = stored.get("fields")
        metadata = fields if isinstance(fields, dict) else stored
        return from_row(Master, row, campaign_number=row["local_campaign_id"], metadata=metadata)

    async def get(self, tracking_id: str, country: str, language: str) -> Derivative | None:
        row = await self._db.fetchrow("derivative_get", tracking_id, *market_key(country, language))
        return None if row is None else _derivative(row)

    async def by_dam_asset(self, dam_asset_id: str) -> Derivative | None:
        row = await self._db.fetchrow("derivative_by_dam_asset", dam_asset_id)
        return None if row is None else _derivative(row)

    async def begin_import(self, a: Arrival) -> Derivative:
        country, language = market_key(a.country, a.language)
        return await self._written(
            "derivative_begin_import",
            a.tracking_id,
            country,
            language,
            a.job_number,
            a.name,
            a.box_file_id,
            a.size,
            a.sha1,
            a.campaign_id,
            a.dam_folder_id,
        )

    async def begin_version(self, derivative_id: int, a: Arrival) -> Derivative:
        return await self._written(
            "derivative_begin_version",
            derivative_id,
            a.job_number,
            a.name,
            a.box_file_id,
            a.size,
            a.sha1,
        )

    async def _written(self, query: str, *args: object) -> Derivative:
        """The row a writing query wrote (and returned)."""
        row = await self._db.fetchrow(query, *args)
        assert row is not None
        return _derivative(row)

    async def imported(self, derivative_id: int, result: Imported) -> None:
        await self._db.execute(
            "derivative_imported",
            derivative_id,
            result.dam_asset_id,
            result.dam_version,
            result.cqs_pct,
            result.score_id,
            result.score_id is not None,
        )

    async def arrived_unchanged(self, derivative_id: int, box_file_id: str) -> None:
        await self._db.execute("derivative_arrived_unchanged", derivative_id, box_file_id)

    async def rejection_sent(self, derivative_id: int, approval: str, comment: str) -> None:
        await self._db.execute("derivative_rejection_sent", derivative_id, approval, comment)

    async def score_written(self, derivative_id: int, cqs_pct: float, score_id: int) -> None:
        await self._db.execute("derivative_score_written", derivative_id, cqs_pct, score_id)

    async def with_newer_score(self) -> list[Derivative]:
        return [_derivative(r) for r in await self._db.fetch("derivatives_with_newer_score")]
