"""A small world for the return workflows' tests: a DAM, Box, a notifier, a scorer and
a real PostgreSQL, with the steps people take in it (a campaign delivered to the
agency, an agency upload, a reviewer's rejection, a scorecard dropped in Box).
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ferrero_daemon import tracking_id
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.dryrun import (
    ReadOnlyBox,
    ReadOnlyDam,
    ReadOnlyDatabase,
    RecordingNotifier,
)
from ferrero_daemon.clients.types import Scorecard
from ferrero_daemon.config import Config
from ferrero_daemon.errors import InvalidInputError
from ferrero_daemon.jobs import RunContext, RunReport, resolve
from ferrero_daemon.render import render
from ferrero_daemon.services import Services
from ferrero_daemon.store.outbox import Outbox
from tests.returns_fakes import FakeBox, FakeDam

A1_A2, A2_A3, CREATIVEX = "1001", "1002", "1004"
_seq = itertools.count(1)


@dataclass
class FakeScorer:
    cards: dict[bytes, Scorecard | Exception] = field(default_factory=dict)
    calls: int = 0

    async def extract(self, pdf: bytes, filename: str) -> Scorecard:
        self.calls += 1
        card = self.cards.get(pdf)
        if card is None:
            raise InvalidInputError("the extraction run ended with status ERROR")
        if isinstance(card, Exception):
            raise card
        return card


def scorecard(
    creative: str | None, pct: float, *, met: int = 5, total: int = 6, tier: str = "On Track"
) -> Scorecard:
    data = {
        "creative_name": creative,
        "creative_quality_score": pct,
        "quality_tier": tier,
        "channel": "Meta",
    }
    return Scorecard(creative, pct, met, total, "Meta", data)


@dataclass(frozen=True)
class CampaignRef:
    dam_id: str
    number: str
    name: str
    box_folder_id: str


@dataclass(frozen=True)
class QueuedMail:
    key: str
    to: str
    subject: str
    template: str
    context: dict[str, Any]
    text: str


@dataclass
class World:
    config: Config
    db: Database
    dam: FakeDam = field(default_factory=FakeDam)
    box: FakeBox = field(default_factory=FakeBox)
    scorer: FakeScorer = field(default_factory=FakeScorer)

    @property
    def fields(self) -> Any:
        return self.config.settings.dam.fields

    @property
    def services(self) -> Services:
        return Services(
            config=self.config,
            db=self.db,
            dam=self.dam,
            box=self.box,
            notifier=Outbox(self.db),
            scorer=self.scorer,
            clock=lambda: datetime.now(UTC),
        )

    def dry_services(self) -> tuple[Services, RecordingNotifier]:
        recorder = RecordingNotifier()
        services = self.services.with_(
            db=ReadOnlyDatabase(self.db),
            dam=ReadOnlyDam(self.dam),
            box=ReadOnlyBox(self.box),
            notifier=recorder,
        )
        return services, recorder

    async def run(
        self, job: str, *, dry_run: bool = False, services: Services | None = None
    ) -> RunReport:
        context = RunContext(job, uuid.uuid4().hex, "manual", dry_run, lambda: datetime.now(UTC))
        function = resolve(job)
        if services is None:
            services = self.dry_services()[0] if dry_run else self.services
        return await function(services, context)

    async def campaign(self, status: str = "A2") -> CampaignRef:
        n = next(_seq)
        number, name = f"C{n:04d}", f"Nutella Summer {n}"
        f = self.fields
        dam_id = self.dam.add_folder(
            name,
            {
                f.campaign_status: status,
                f.campaign_number: number,
                f.campaign_name: name,
                f.brand: "Nutella",
            },
        )
        box_folder = await self.box.ensure_folder(A1_A2, f"{number} - {name}")
        async with self.db.connection() as conn:
            await conn.execute(
                "INSERT INTO campaign_status (campaign_id, campaign_number, campaign_name, status, box_folder_id)"
                " VALUES ($1, $2, $3, $4, $5)",
                dam_id,
                number,
                name,
                status,
                box_folder.id,
            )
        return CampaignRef(dam_id, number, name, box_folder.id)

    async def master(self, campaign: CampaignRef, name: str = "Spot.mp4") -> str:
        f = self.fields
        meta = {
            f.brand: "Nutella",
            f.campaign_number: campaign.number,
            f.campaign_name: campaign.name,
        }
        asset_id = self.dam.add_asset(
            campaign.dam_id, name, b"master bytes", {**meta, f.asset_role: "Master"}
        )
        tid = tracking_id.mint()
        async with self.db.connection() as conn:
            await conn.execute(
                "INSERT INTO master_assets (tracking_id, dam_asset_id, workflow, campaign_id,"
                " local_campaign_id, original_filename, box_filename, box_folder_id, metadata, state)"
                " VALUES ($1, $2, 'a1_a2', $3, $4, $5, $6, $7, $8::jsonb, 'delivered')",
                tid,
                asset_id,
                campaign.dam_id,
                campaign.number,
                name,
                f"Spot_{tid}.mp4",
                campaign.box_folder_id,
                json.dumps({"fields": meta}),
            )
        return tid

    def upload(self, name: str, data: bytes = b"localised video bytes") -> str:
        return self.box.add_file(A2_A3, name, data)

    def derivatives(self, campaign: CampaignRef) -> list[Any]:
        return [
            a
            for a in self.dam.assets.values()
            if a.folder_id == campaign.dam_id
            and a.id in self.dam.latest
            and a.metadata.get(self.fields.asset_role) == "Derivative"
        ]

    def attention_folder(self, parent: str) -> str | None:
        folder = self.box.folder_named(parent, self.config.settings.box.needs_attention_folder)
        return folder.id if folder else None

    async def reset(self) -> None:
        """An empty world again: new DAM and Box, and no rows."""
        self.dam, self.box, self.scorer = FakeDam(), FakeBox(), FakeScorer(dict(self.scorer.cards))
        async with self.db.connection() as conn:
            await conn.execute(
                "TRUNCATE derivative_assets, master_assets, campaign_status, creativex_scores,"
                " asset_events, workflow_state, notification_outbox, attention_items"
            )

    async def emails(self, template: str | None = None) -> list[QueuedMail]:
        """Queued mails, oldest first, each rendered (so a template hole fails the test)."""
        mails = []
        for row in await self.rows(
            "SELECT dedupe_key, payload::text FROM notification_outbox WHERE kind = 'email' ORDER BY id"
        ):
            p = json.loads(row["payload"])
            rendered = render(p["template"], p["context"])
            mails.append(
                QueuedMail(
                    row["dedupe_key"],
                    p["to"],
                    p["subject"],
                    p["template"],
                    p["context"],
                    rendered.text,
                )
            )
        return [m for m in mails if template is None or m.template == template]

    async def webhooks(self) -> list[dict[str, Any]]:
        rows = await self.rows(
            "SELECT payload::text FROM notification_outbox WHERE kind = 'webhook' ORDER BY id"
        )
        return [json.loads(r["payload"]) for r in rows]

    async def rows(self, sql: str, *args: Any) -> list[Any]:
        async with self.db.connection() as conn:
            return list(await conn.fetch(sql, *args))


@asynccontextmanager
async def world(make_config: Callable[..., Config], database: Database) -> AsyncIterator[World]:
    yield World(make_config({"dam": {"derivative_field_map": DERIVATIVE_MAP}}), database)


DERIVATIVE_MAP = {
    "FERRERO.FIELD.BRAND": "FERRERO.FIELD.BRAND",
    "FERRERO.FIELD.CAMPAIGN_NUMBER": "FERRERO.FIELD.CAMPAIGN_NUMBER",
}
