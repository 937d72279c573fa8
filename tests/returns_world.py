"""The world of the return workflows' tests: the OTMM and Box emulators behind the real
clients, the real outbox on a real PostgreSQL, and a scorer (the LlamaCloud emulator
behind the real ``CreativeXClient``, or a stand-in where the SDK's import would cost
more than it proves). Its methods are the steps people take: a campaign delivered to
the agency, an agency upload, a reviewer's verdict, a scorecard dropped in Box.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ferrero_daemon.clients.box.client import BoxApiClient
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.dryrun import RecordingNotifier
from ferrero_daemon.clients.http import Retry
from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.clients.types import ScoreExtractor
from ferrero_daemon.config import Config, DamFields
from ferrero_daemon.domain import tracking_id
from ferrero_daemon.domain.values import Scorecard
from ferrero_daemon.errors import InvalidInputError
from ferrero_daemon.jobs import RunContext, RunReport, resolve
from ferrero_daemon.outbox.queue import Outbox
from ferrero_daemon.runtime.runner import dry_run_services
from ferrero_daemon.sandbox import media
from ferrero_daemon.sandbox.box.auth import BoxApp
from ferrero_daemon.sandbox.box.content import MemoryContent
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.box.store import File
from ferrero_daemon.sandbox.box.store import Folder as BoxFolder
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from ferrero_daemon.sandbox.otmm.store import Asset
from ferrero_daemon.services import Services
from ferrero_daemon.templates import render
from tests.configs import deep_merge
from tests.fixtures.otmm import FAST
from tests.webhook_schema import problems

_seq = itertools.count(1)


def mp4(payload: bytes) -> bytes:
    """``payload`` behind an MP4's first bytes: what A2→A3 takes for a ``.mp4``."""
    return media.sample("video.mp4", payload)


DERIVATIVE_MAP = {
    "FERRERO.FIELD.BRAND": "FERRERO.FIELD.BRAND",
    "FERRERO.FIELD.CAMPAIGN_NUMBER": "FERRERO.FIELD.CAMPAIGN_NUMBER",
}


def move_to_a3(when: str) -> dict[str, Any]:
    """The ``settings`` of a world whose a2_a3 moves campaigns to A3 (``off`` by default)."""
    return {"jobs": {"a2_a3": {"move_to_a3": when}}}


TABLES = (
    "derivative_assets, master_assets, campaign_status, creativex_scores, asset_events,"
    " workflow_state, notification_outbox, attention_items, file_failures, box_notices"
)


@dataclass
class FakeScorer:
    """Answers from a table of PDFs; an unknown PDF fails as a run with status ERROR."""

    cards: dict[bytes, Scorecard | Exception] = field(default_factory=dict)
    calls: int = 0

    async def extract(self, pdf: bytes, filename: str) -> Scorecard:
        self.calls += 1
        card = self.cards.get(pdf, InvalidInputError("the extraction run ended with status ERROR"))
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
class QueuedMail:
    key: str
    to: str
    subject: str
    template: str
    context: dict[str, Any]
    text: str


@dataclass(frozen=True)
class CampaignRef:
    dam_id: str
    number: str
    name: str
    box_folder_id: str


@dataclass
class World:
    make_config: Callable[..., Config]
    db: Database
    box_app: BoxApp
    dam_fields: DamFields = field(default_factory=DamFields)
    scorer: ScoreExtractor = field(default_factory=FakeScorer)
    settings: dict[str, Any] = field(default_factory=dict)  # config.toml overrides
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def start(self) -> None:
        stack = self._stack
        self.otmm = await stack.enter_async_context(OtmmEmulator(fields=self.dam_fields))
        self.boxe = await stack.enter_async_context(BoxEmulator(app=self.box_app))
        overrides = deep_merge({"dam": {"derivative_field_map": DERIVATIVE_MAP}}, self.settings)
        self.config = self.make_config(overrides, emulators=[self.otmm, self.boxe])
        self.dam = await stack.enter_async_context(OtmmClient.from_config(self.config, **FAST))
        self.box = BoxApiClient.from_config(self.config, retry=Retry(backoff=0.01))
        stack.push_async_callback(self.box.aclose)

    async def reset(self) -> None:
        """An empty world again: new emulators and clients, no rows."""
        await self._stack.aclose()
        self._stack = AsyncExitStack()
        async with self.db.connection() as conn:
            await conn.execute(f"TRUNCATE {TABLES}")
        await self.start()

    @property
    def fields(self) -> DamFields:
        return self.config.settings.dam.fields

    @property
    def folders(self) -> dict[str, str]:
        return dict(self.boxe.folder_ids)

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
        """What the runtime hands a job in a dry run, and the notifier that records."""
        services = dry_run_services(self.services)
        assert isinstance(services.notifier, RecordingNotifier)
        return services, services.notifier

    async def run(
        self, job: str, *, dry_run: bool = False, services: Services | None = None
    ) -> RunReport:
        context = RunContext(job, uuid.uuid4().hex, "manual", dry_run, lambda: datetime.now(UTC))
        if services is None:
            services = self.dry_services()[0] if dry_run else self.services
        return await resolve(job)(services, context)

    # -- what people do ----------------------------------------------------------------
    async def campaign(self, status: str = "A2", number: str = "123") -> CampaignRef:
        """A campaign as A1→A2 leaves it: in the DAM, in Box, in campaign_status.

        Numbered 123 unless told, the number the tests' agency names carry
        (``Nutella_DE_de_123_OMG999_<ID>.mp4``): A2→A3 checks it against the master's.
        """
        n = next(_seq)
        name = f"Nutella Summer {n}"
        f = self.fields
        meta = {
            f.campaign_status: status,
            f.campaign_number: number,
            f.campaign_name: name,
            f.brand: "Nutella",
        }
        dam_id = self.otmm.create_campaign(name, meta)
        box_folder = self.boxe.create_folder(self.folders["a1_a2"], f"{number} - {name}")
        async with self.db.connection() as conn:
            await conn.execute(
                "INSERT INTO campaign_status (campaign_id, campaign_number, campaign_name, status, box_folder_id)"
                " VALUES ($1, $2, $3, $4, $5)",
                *(dam_id, number, name, status, box_folder.id),
            )
        return CampaignRef(dam_id, number, name, box_folder.id)

    async def master(self, campaign: CampaignRef, name: str = "Spot.mp4") -> str:
        f = self.fields
        meta = {
            f.brand: "Nutella",
            f.campaign_number: campaign.number,
            f.campaign_name: campaign.name,
        }
        asset_id = self.otmm.create_asset(
            campaign.dam_id, name, {**meta, f.asset_role: "Master"}, size=2048
        )
        tid = tracking_id.mint()
        async with self.db.connection() as conn:
            await conn.execute(
                "INSERT INTO master_assets (tracking_id, dam_asset_id, workflow, campaign_id,"
                " local_campaign_id, original_filename, box_filename, box_folder_id, metadata, state,"
                " size_bytes) VALUES ($1, $2, 'a1_a2', $3, $4, $5, $6, $7, $8::jsonb, 'delivered', 2048)",
                *(tid, asset_id, campaign.dam_id, campaign.number, name, f"Spot_{tid}.mp4"),
                *(campaign.box_folder_id, json.dumps({"fields": meta})),
            )
        return tid

    def upload(self, name: str, data: bytes | None = None) -> str:
        """The agency drops a file into the A2→A3 folder: ``data``, else a small file of
        the kind its name says (``mp4`` below for given bytes that should pass as video)."""
        content = media.sample(name) if data is None else data
        return self.boxe.create_file(self.folders["a2_a3"], name, data=content).id

    def drop_scorecard(self, name: str, data: bytes) -> str:
        return self.boxe.create_file(self.folders["creativex"], name, data=data).id

    def review(self, asset_id: str, values: dict[str, Any]) -> None:
        """A reviewer edits the asset in the OTMM UI."""
        metadata = self.otmm.store.node(asset_id).metadata
        for key, value in values.items():
            if value is None:
                metadata.pop(key, None)
            else:
                metadata[key] = value

    def set_status(self, campaign: CampaignRef, status: str) -> None:
        self.otmm.store.node(campaign.dam_id).metadata[self.fields.campaign_status] = status

    def status(self, campaign: CampaignRef) -> Any:
        return self.otmm.metadata(campaign.dam_id).get(self.fields.campaign_status)

    def move_back(self, file_id: str, data: bytes, folder: str = "a2_a3") -> None:
        """An operator fixes a set-aside file and moves it back into its folder."""
        store = self.boxe.store
        store.new_version(store.file(file_id), MemoryContent(data))
        store.update(store.file(file_id), parent_id=self.folders[folder])

    # -- what tests look at ------------------------------------------------------------
    def derivatives(self, campaign: CampaignRef, latest: bool = True) -> list[Asset]:
        role = self.fields.asset_role
        return [
            n
            for n in self.otmm.store.nodes.values()
            if isinstance(n, Asset)
            and n.parent_id == campaign.dam_id
            and (n.latest or not latest)
            and n.metadata.get(role) == "Derivative"
        ]

    async def dam_bytes(self, asset_id: str) -> bytes:
        content = self.otmm.asset(asset_id).content
        assert content is not None
        return b"".join([c async for c in content.chunks()])

    def files(self, folder_id: str) -> list[File]:
        return self.boxe.files_in(folder_id)

    def file(self, file_id: str) -> File:
        return self.boxe.store.file(file_id)

    async def file_bytes(self, file_id: str) -> bytes:
        return await self.boxe.read_file(file_id)

    def subfolder(self, parent_id: str, name: str) -> str | None:
        found = self.boxe.store.find_name(parent_id, name)
        return found.id if isinstance(found, BoxFolder) else None

    def attention_folder(self, folder: str) -> str | None:
        return self.subfolder(self.folders[folder], self.config.settings.box.needs_attention_folder)

    async def emails(self, template: str | None = None) -> list[QueuedMail]:
        """Queued mails, oldest first, each rendered (so a template hole fails the test)."""
        mails = []
        rows = await self.rows(
            "SELECT dedupe_key, payload::text FROM notification_outbox WHERE kind = 'email' ORDER BY id"
        )
        for row in rows:
            p = json.loads(row["payload"])
            text = render(p["template"], p["context"]).text
            mails.append(
                QueuedMail(
                    row["dedupe_key"], p["to"], p["subject"], p["template"], p["context"], text
                )
            )
        return [m for m in mails if template is None or m.template == template]

    async def attention(self, kind: str = "set_aside") -> list[dict[str, Any]]:
        """The files the attention mails listed as ``kind`` (set_aside, not_moved, noticed),
        in order, over every mail."""
        mails = await self.emails("needs_attention_digest")
        return [entry for mail in mails for entry in mail.context[kind]]

    async def webhooks(self) -> list[dict[str, Any]]:
        rows = await self.rows(
            "SELECT payload::text FROM notification_outbox WHERE kind = 'webhook' ORDER BY id"
        )
        events = [json.loads(r["payload"]) for r in rows]
        for event in events:  # each as Make.com will receive it: as documented
            assert problems(event) == [], event
        return events

    async def rows(self, sql: str, *args: Any) -> list[Any]:
        async with self.db.connection() as conn:
            return list(await conn.fetch(sql, *args))


@asynccontextmanager
async def world(
    make_config: Callable[..., Config], database: Database, box_app: BoxApp, **options: Any
) -> AsyncIterator[World]:
    """A world on the test's own fresh database (``make_config`` and ``database`` from
    ``tests/conftest.py``); ``options`` are ``World``'s (settings, dam_fields, scorer)."""
    w = World(make_config, database, box_app, **options)
    try:
        await w.start()
        yield w
    finally:
        await w._stack.aclose()
