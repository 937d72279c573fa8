"""The world the delivery workflows run in, for tests and the benchmark: the OTMM and
Box emulators, a real PostgreSQL, the real clients and the outbox, plus helpers to seed
campaigns and to read back what happened (Box files, DAM status, rows, queued mail)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ferrero_daemon.clients.box.client import BoxApiClient
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.dryrun import RecordingNotifier
from ferrero_daemon.clients.http import Retry
from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.config import Config
from ferrero_daemon.domain.values import Scorecard
from ferrero_daemon.jobs import RunContext, RunReport, resolve
from ferrero_daemon.outbox.queue import Outbox
from ferrero_daemon.runtime.runner import dry_run_services
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from ferrero_daemon.services import Services
from tests.fixtures.box import TEST_CHUNKED_MIN
from tests.fixtures.otmm import FAST as OTMM_FAST

BOX_FAST = {"chunked_threshold": TEST_CHUNKED_MIN, "retry": Retry(backoff=0.01)}


class NoScorer:
    async def extract(self, pdf: bytes, filename: str) -> Scorecard:
        raise AssertionError("the delivery workflows never score")


@dataclass(frozen=True)
class Seeded:
    campaign_id: str
    asset_ids: list[str]


@dataclass
class World:
    otmm: OtmmEmulator
    box: BoxEmulator
    config: Config
    db: Database
    dam_client: OtmmClient
    box_client: BoxApiClient
    last_run: RunContext | None = None

    # -- running ---------------------------------------------------------------------
    def services(self) -> Services:
        return Services(
            config=self.config,
            db=self.db,
            dam=self.dam_client,
            box=self.box_client,
            notifier=Outbox(self.db),
            scorer=NoScorer(),
            clock=lambda: datetime.now(UTC),
        )

    def dry_services(self) -> tuple[Services, RecordingNotifier]:
        """What the runtime hands a job in a dry run, and the notifier that records."""
        services = dry_run_services(self.services())
        assert isinstance(services.notifier, RecordingNotifier)
        return services, services.notifier

    async def run(
        self, job: str, services: Services | None = None, *, dry_run: bool = False
    ) -> RunReport:
        context = RunContext(
            job=job,
            run_id=uuid.uuid4().hex[:12],
            trigger="manual",
            dry_run=dry_run,
            now=lambda: datetime.now(UTC),
        )
        self.last_run = context
        return await resolve(job)(services or self.services(), context)

    # -- seeding -----------------------------------------------------------------------
    def campaign(
        self,
        number: str,
        name: str,
        masters: Sequence[tuple[str, int | None]] = (("Spot.mp4", 1000),),
        *,
        status: str = "A1",
        kind: str = "Local comm",
        role: str | None = "Master",
    ) -> Seeded:
        f = self.config.settings.dam.fields
        campaign_id = self.otmm.create_campaign(
            f"{number} {name}",
            {
                f.campaign_status: status,
                f.campaign_type: kind,
                f.campaign_number: number,
                f.campaign_name: name,
                f.brand: "Nutella",
                f.market: "IT",
            },
        )
        meta = {f.asset_role: role} if role else {}
        ids = [
            self.otmm.create_asset(campaign_id, file, dict(meta), size=size, seed=i + 7)
            for i, (file, size) in enumerate(masters)
        ]
        return Seeded(campaign_id, ids)

    # -- reading back --------------------------------------------------------------------
    def status(self, campaign_id: str) -> Any:
        return self.otmm.metadata(campaign_id)[self.config.settings.dam.fields.campaign_status]

    def box_root(self, job: str) -> str:
        folder_id: str = getattr(self.config.settings.box.folders, job)
        return folder_id

    def box_files(self, job: str) -> dict[str, dict[str, str]]:
        """``{sub-folder name: {file name: sha1}}`` under a job's Box folder."""
        out: dict[str, dict[str, str]] = {}
        for sub in self.box.store.children(self.box_root(job)):
            if sub.type == "folder":
                out[sub.name] = {f.name: f.content.sha1 for f in self.box.files_in(sub.id)}
        return out

    async def rows(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        async with self.db.connection() as conn:
            return [dict(r) for r in await conn.fetch(sql, *args)]

    async def masters(self, campaign_id: str) -> list[dict[str, Any]]:
        return await self.rows(
            "SELECT * FROM master_assets WHERE campaign_id = $1 ORDER BY original_filename",
            campaign_id,
        )

    async def outbox(self, campaign_id: str) -> list[dict[str, Any]]:
        return await self.rows(
            "SELECT kind, dedupe_key, payload FROM notification_outbox "
            "WHERE dedupe_key LIKE '%' || $1 || '%' ORDER BY id",
            f":{campaign_id}:",
        )

    async def table_counts(self) -> dict[str, int]:
        tables = [
            "campaign_status",
            "master_assets",
            "asset_events",
            "workflow_state",
            "notification_outbox",
        ]
        return {t: (await self.rows(f"SELECT count(*) AS n FROM {t}"))[0]["n"] for t in tables}


@asynccontextmanager
async def open_world(
    otmm: OtmmEmulator,
    box: BoxEmulator,
    make_config: Callable[..., Config],
    database: Database,
    overrides: dict[str, Any] | None = None,
    box_tuning: dict[str, Any] | None = None,
) -> AsyncIterator[World]:
    config = make_config(overrides, emulators=[otmm, box])
    async with (
        OtmmClient.from_config(config, **OTMM_FAST) as dam,
        BoxApiClient.from_config(
            config, **(BOX_FAST if box_tuning is None else box_tuning)
        ) as box_client,
    ):
        yield World(otmm, box, config, database, dam, box_client)
