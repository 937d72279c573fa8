"""The shared clients of the process, handed to every job as one typed context.

The runtime opens one ``Services`` at start and swaps it whole on a reload; a job
never builds a client. For a dry run the runtime hands a job the same services
with the DAM, Box and notifier wrapped read-only (``clients/dryrun.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import BoxClient, DamClient, Notifier, ScoreExtractor
from ferrero_daemon.config import Config


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
