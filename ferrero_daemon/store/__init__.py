"""Typed access to the tracking database, one module per area, over named queries."""

from __future__ import annotations

from ferrero_daemon.clients.db import Database


class Store:
    """An area's queries over the pool or over an open transaction (``Database`` either way)."""

    def __init__(self, db: Database) -> None:
        self._db = db
