"""The shared clients of the process, handed to every job as one typed context.

The runtime opens one ``Services`` at start and swaps it whole on a reload; a job
never builds a client. For a dry run the runtime hands a job the same services
with the DAM, Box and notifier wrapped read-only (``clients/dryrun.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, cast

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import BoxClient, DamClient, Notifier, ScoreExtractor
from ferrero_daemon.config import Config, _missing_secret_message
from ferrero_daemon.errors import ConfigError


@dataclass(frozen=True)
class Services:
    config: Config
    db: Database
    dam: DamClient
    box: BoxClient
    notifier: Notifier
    scorer: ScoreExtractor
    clock: Callable[[], datetime]

    def with_(self, **changes: object) -> Services:
        return replace(self, **changes)  # type: ignore[arg-type]


class _Unconfigured:
    """Stands in for a client whose secret is not set (its job is disabled)."""

    def __init__(self, message: str) -> None:
        self._message = message

    def __getattr__(self, name: str) -> Any:
        raise ConfigError(self._message)


def utc_now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def open_services(config: Config) -> AsyncIterator[Services]:
    """The process's one pool per outside system; every client is closed on exit."""
    from ferrero_daemon.clients import db
    from ferrero_daemon.clients.box.client import BoxApiClient
    from ferrero_daemon.clients.creativex import CreativeXClient
    from ferrero_daemon.clients.otmm.client import OtmmClient
    from ferrero_daemon.outbox.queue import Outbox

    async with AsyncExitStack() as stack:
        database = await db.connect(config)
        stack.push_async_callback(database.close)
        dam = OtmmClient.from_config(config)
        stack.push_async_callback(dam.aclose)
        box = BoxApiClient.from_config(config)
        stack.push_async_callback(box.aclose)
        scorer: ScoreExtractor
        if config.secrets.get("llama_cloud_api_key") is None:
            # Only required while the creativex job is enabled (config validation).
            scorer = cast(
                ScoreExtractor, _Unconfigured(_missing_secret_message("llama_cloud_api_key"))
            )
        else:
            creativex = CreativeXClient.from_config(config)
            stack.push_async_callback(creativex.aclose)
            scorer = creativex
        yield Services(config, database, dam, box, Outbox(database), scorer, utc_now)
