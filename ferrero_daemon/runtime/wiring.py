"""The shared clients of a running daemon, opened once and closed once.

Transitional: the DAM, Box, outbox and CreativeX clients join here as they land on
main; until then a job that reaches for one gets a clear ``ConfigError``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, cast

from ferrero_daemon.clients import db
from ferrero_daemon.clients.types import BoxClient, DamClient, Notifier, ScoreExtractor
from ferrero_daemon.config import Config
from ferrero_daemon.errors import ConfigError
from ferrero_daemon.services import Services


class _NotInThisBuild:
    def __init__(self, what: str) -> None:
        self._what = what

    def __getattr__(self, name: str) -> Any:
        raise ConfigError(f"the {self._what} is not part of this build yet ({name} was called)")


def utc_now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def open_services(config: Config) -> AsyncIterator[Services]:
    database = await db.connect(config)
    try:
        yield Services(
            config=config,
            db=database,
            dam=cast(DamClient, _NotInThisBuild("DAM client")),
            box=cast(BoxClient, _NotInThisBuild("Box client")),
            notifier=cast(Notifier, _NotInThisBuild("notification outbox")),
            scorer=cast(ScoreExtractor, _NotInThisBuild("CreativeX extractor")),
            clock=utc_now,
        )
    finally:
        await database.close()
