"""The clients a deep check reads through, opened lazily, every one of them read-only.

The DAM and Box are asked through their inspectors (which refuse anything but reads)
and through the workflows' own read-only wrappers (``clients/dryrun.py``); the database
only in ``READ ONLY`` transactions. What one probe learns that another needs (the
campaign folders' metadata models, a sample asset) is looked up once and kept here.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from ferrero_daemon.clients import db as db_client
from ferrero_daemon.clients.box.access import BoxInspector
from ferrero_daemon.clients.box.client import BoxApiClient
from ferrero_daemon.clients.creativex import CreativeXClient
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.dryrun import (
    ReadOnlyBox,
    ReadOnlyDam,
    ReadOnlyDatabase,
    RecordingNotifier,
)
from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.clients.otmm.inspect import OtmmInspector
from ferrero_daemon.clients.types import ScoreExtractor
from ferrero_daemon.config import Config, DamConfig
from ferrero_daemon.services import Services


def searched_statuses(dam: DamConfig) -> tuple[str, ...]:
    """The codes the workflows search for (a1_a2, b1_b2, a5_a6), as ``[dam.statuses]``
    spells them on this installation."""
    return (dam.statuses.a1, dam.statuses.b1, dam.statuses.a5)


@dataclass(frozen=True)
class SampleAsset:
    """An asset of a campaign folder, to read shapes from (its import job, its JSON)."""

    id: str
    folder_id: str
    raw: dict[str, Any]


class _NoScoring:
    """A deep check never extracts a scorecard."""

    async def extract(self, pdf: bytes, filename: str) -> Any:
        raise RuntimeError("the deep check does not extract scorecards")


class DeepContext:
    """Clients and shared facts for one ``check --deep`` run; ``aclose`` when done."""

    def __init__(self, config: Config, campaign_id: str | None = None) -> None:
        self.config = config
        self.settings = config.settings
        self.campaign_id = campaign_id
        self._stack = AsyncExitStack()
        self._dam: OtmmClient | None = None
        self._box: BoxApiClient | None = None
        self._db: Database | None = None
        self._models: set[str] | None = None
        self._sample: SampleAsset | bool | None = False

    @property
    def searched_statuses(self) -> tuple[str, ...]:
        return searched_statuses(self.settings.dam)

    async def aclose(self) -> None:
        await self._stack.aclose()

    # -- clients -----------------------------------------------------------------------
    def dam(self) -> OtmmClient:
        if self._dam is None:
            self._dam = OtmmClient.from_config(self.config)
            self._stack.push_async_callback(self._dam.aclose)
        return self._dam

    def otmm(self) -> OtmmInspector:
        return self.dam().inspector()

    def box(self) -> BoxApiClient:
        if self._box is None:
            self._box = BoxApiClient.from_config(self.config)
            self._stack.push_async_callback(self._box.aclose)
        return self._box

    def box_inspector(self) -> BoxInspector:
        return self.box().inspector()

    async def db(self) -> Database:
        if self._db is None:
            database = await db_client.connect(self.config, min_size=1)
            self._stack.push_async_callback(database.close)
            self._db = ReadOnlyDatabase(database)
        return self._db

    def creativex(self) -> CreativeXClient:
        client = CreativeXClient.from_config(self.config)
        self._stack.push_async_callback(client.aclose)
        return client

    async def services(self) -> Services:
        """The workflows' services, every one read-only, as a dry run gets them."""
        return Services(
            config=self.config,
            db=await self.db(),
            dam=ReadOnlyDam(self.dam()),
            box=ReadOnlyBox(self.box()),
            notifier=RecordingNotifier(),
            scorer=cast(ScoreExtractor, _NoScoring()),
            clock=lambda: datetime.now(UTC),
        )

    # -- shared facts ------------------------------------------------------------------
    async def campaign_models(self) -> set[str]:
        """Metadata models of campaign folders: the sample's and the first found per status."""
        if self._models is None:
            models: set[str] = set()
            otmm, status = self.otmm(), self.settings.dam.fields.campaign_status
            if self.campaign_id:
                answer = await otmm.ask("GET", f"/folders/{self.campaign_id}")
                folder = ((answer.body or {}).get("folder_resource") or {}).get("folder") or {}
                models.add(str(folder.get("metadata_model_id") or ""))
            for code in self.searched_statuses:
                answer = await otmm.search({status: code}, 0, 5)
                result = (answer.body or {}).get("search_result_resource") or {}
                for item in result.get("asset_list") or []:
                    models.add(str(item.get("metadata_model_id") or ""))
            self._models = {m for m in models if m}
        return self._models

    async def sample_asset(self) -> SampleAsset | None:
        """The first asset of the sample campaign, else of the first campaign found."""
        if self._sample is False:
            self._sample = await self._find_sample()
        return self._sample if isinstance(self._sample, SampleAsset) else None

    async def _find_sample(self) -> SampleAsset | None:
        folders = [self.campaign_id] if self.campaign_id else []
        status = self.settings.dam.fields.campaign_status
        for code in self.searched_statuses:
            answer = await self.otmm().search({status: code}, 0, 5)
            result = (answer.body or {}).get("search_result_resource") or {}
            folders += [
                str(i["asset_id"]) for i in result.get("asset_list") or [] if "asset_id" in i
            ]
        for folder_id in folders:
            params = {"after": 0, "limit": 5, "load_type": "metadata", "level_of_detail": "full"}
            answer = await self.otmm().ask("GET", f"/folders/{folder_id}/children", params=params)
            items = ((answer.body or {}).get("folder_children") or {}).get("asset_list") or []
            for item in items:
                if item.get("data_type") != "CONTAINER" and "container_type_id" not in item:
                    return SampleAsset(str(item["asset_id"]), folder_id, dict(item))
        return None
