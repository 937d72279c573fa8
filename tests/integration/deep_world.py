"""A world for ``check --deep`` tests: every emulator, a fresh database, seeded campaigns.

Campaigns as the sandbox seeds them: a local one at A1 with a neighbour at A10 (what
CONTAINS also finds), a global one at B1, one at A5 with a rejected derivative.
``emulator_state`` and ``database_digest`` capture everything a check could change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from ferrero_daemon.checks.deep.findings import Finding
from ferrero_daemon.checks.deep.runner import deep_check
from ferrero_daemon.config import Config
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.lifecycle import table_digests
from ferrero_daemon.sandbox.llamacloud import LlamaCloudEmulator
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from ferrero_daemon.sandbox.smtp import SmtpEmulator
from ferrero_daemon.sandbox.webhook import WebhookReceiver

MB = 2**20


@dataclass
class World:
    otmm: OtmmEmulator
    box: BoxEmulator
    llamacloud: LlamaCloudEmulator
    smtp: SmtpEmulator
    webhook: WebhookReceiver
    build: Callable[..., Config]
    campaigns: dict[str, str]

    def config(self, overrides: dict[str, Any] | None = None) -> Config:
        return self.build(overrides)

    async def check(self, campaign: str | None = "local", **overrides: Any) -> list[Finding]:
        campaign_id = self.campaigns[campaign] if campaign else None
        return await deep_check(self.config(overrides or None), campaign_id, timeout=30)


def seed(otmm: OtmmEmulator) -> dict[str, str]:
    f = otmm.fields

    def campaign(number: str, name: str, status: str, kind: str, masters: int) -> str:
        folder = otmm.create_campaign(f"{number} {name}", {
            f.campaign_status: status, f.campaign_type: kind, f.campaign_number: number,
            f.campaign_name: name, f.brand: name.split(maxsplit=1)[0], f.market: "IT",
        })  # fmt: skip
        for i in range(masters):
            otmm.create_asset(folder, f"Master_{i}.mp4", {f.asset_role: "Master"}, size=MB, seed=i)
        return folder

    found = {
        "local": campaign("1001", "Nutella Summer", "A1", "Local comm", 2),
        "archived": campaign("1010", "Nutella Winter", "A10", "Local comm", 1),
        "global": campaign("2001", "Kinder Global", "B1", "Global comm", 1),
        "review": campaign("1002", "Ferrero Rocher", "A5", "Local comm", 1),
    }
    otmm.create_asset(
        found["review"], "Rocher_DE_de.mp4",
        {f.asset_role: "Derivative", f.approval: "NOT APPROVED"}, size=MB,
    )  # fmt: skip
    return found


@pytest.fixture
async def world(
    make_config: Callable[..., Config],
    otmm: OtmmEmulator,
    box_emulator: BoxEmulator,
    llamacloud: LlamaCloudEmulator,
    smtp_server: SmtpEmulator,
    webhook_receiver: WebhookReceiver,
) -> World:
    emulators = [otmm, box_emulator, llamacloud, smtp_server, webhook_receiver]
    build = functools.partial(make_config, emulators=emulators)
    return World(otmm, box_emulator, llamacloud, smtp_server, webhook_receiver, build, seed(otmm))


async def database_digest(config: Config) -> dict[str, str]:
    """Every table of the schema, its row count and a hash of its rows."""
    d = config.settings.database
    password = config.secrets.optional("db_password")
    conn = await asyncpg.connect(
        host=d.host, port=d.port, user=d.user, database=d.name, password=password
    )
    try:
        digest = await table_digests(conn)
        return digest
    finally:
        await conn.close()


def emulator_state(world: World) -> dict[str, Any]:
    return {
        "otmm": world.otmm.snapshot(),
        "box": world.box.snapshot(),
        "llamacloud": (len(world.llamacloud.files), len(world.llamacloud.jobs)),
        "smtp": len(world.smtp.messages),
        "webhook": len(world.webhook.posts),
    }


def by_probe(findings: list[Finding]) -> dict[str, Finding]:
    return {f.probe: f for f in findings}
