"""``ferrero-daemon check`` against the emulators: all green, then each system failing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ferrero_daemon.checks.connections import (
    CheckOptions,
    CheckResult,
    ConnectionChecks,
    render,
    run_checks,
)
from ferrero_daemon.config import Config
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.llamacloud import LlamaCloudEmulator
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from ferrero_daemon.sandbox.smtp import SmtpEmulator
from ferrero_daemon.sandbox.webhook import WebhookReceiver
from tests.postgres import PgServer


@pytest.fixture
def world_config(
    make_config: Callable[..., Config],
    pg: PgServer,
    tmp_path: Path,
    otmm: OtmmEmulator,
    box_emulator: BoxEmulator,
    llamacloud: LlamaCloudEmulator,
    smtp_server: SmtpEmulator,
    webhook_receiver: WebhookReceiver,
) -> Callable[..., Config]:
    emulators = [otmm, box_emulator, llamacloud, smtp_server, webhook_receiver]
    backups: dict[str, Any] = {"root": str(tmp_path / "backups"), "min_free_gb": 0}
    if pg.bin_dir is not None:
        backups["pg_bin_dir"] = str(pg.bin_dir)
    return lambda secrets=None: make_config({"backups": backups}, secrets, emulators=emulators)


async def check(config: Config, options: CheckOptions | None = None) -> dict[str, CheckResult]:
    checks = ConnectionChecks(config, options or CheckOptions())
    try:
        results = await run_checks(checks.checks(), timeout=10)
    finally:
        await checks.aclose()
    return {r.name: r for r in results}


async def test_every_check_passes_against_the_emulators(
    world_config: Callable[..., Config],
    smtp_server: SmtpEmulator,
    webhook_receiver: WebhookReceiver,
) -> None:
    results = await check(
        world_config(), CheckOptions(send_test_email=True, send_test_webhook=True)
    )
    assert all(r.ok for r in results.values()), render(list(results.values()))
    assert set(results) >= {
        "database",
        "backup tools",
        "backup replication",
        "backup root",
        "DAM OAuth2",
        "Box JWT",
        "Box folder a1_a2",
        "Box folder creativex",
        "SMTP",
        "test email",
        "webhook",
        "test webhook",
        "LlamaCloud agent",
    }
    assert "schema version" in results["database"].detail
    assert {"ops@example.com", "managers@example.com"} <= {
        a for m in smtp_server.messages for a in m.rcpt_tos
    }
    assert [p.body["event"] for p in webhook_receiver.posts] == ["test"]


async def test_a_stopped_dam_fails_its_line_only(
    world_config: Callable[..., Config], otmm: OtmmEmulator
) -> None:
    config = world_config()
    await otmm.stop()
    results = await check(config)
    failed = [name for name, r in results.items() if not r.ok]
    assert failed == ["DAM OAuth2"]
    assert "unreachable" in results["DAM OAuth2"].hint
    assert "✗ DAM OAuth2" in render(list(results.values()))


async def test_refused_credentials_are_named(world_config: Callable[..., Config]) -> None:
    results = await check(world_config({"dam_client_secret": "wrong", "smtp_password": "wrong"}))
    assert not results["DAM OAuth2"].ok and "credentials" in results["DAM OAuth2"].hint
    assert not results["SMTP"].ok
    assert "wrong" not in render(list(results.values()))


async def test_mtls_check_without_certificate_settings_says_what_to_set(
    world_config: Callable[..., Config],
) -> None:
    results = await check(world_config(), CheckOptions(auth_pfx=True))
    assert not results["DAM mTLS"].ok
    assert "mtls_cert_path" in results["DAM mTLS"].detail
