"""The reliability suite: the real daemon process against the emulators, attacked.

Two sizes. The fast subset runs with the rest of the suite (``pytest``); the full run
adds the tests marked ``full`` (the whole fault matrix, the 30-file crash loops):

    pytest tests/reliability --reliability-full

Every test here gets a ``world`` whose secrets are canaries; when the test ends, the
world's logs, mails, webhook events, CLI output and database are scanned for them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.postgres import (
    PgServer,
    build_template,
    create_database,
    start_server,
    stop_server,
)
from tests.reliability import matrix
from tests.reliability.world import World, open_world


@asynccontextmanager
async def scanned_world(
    request: pytest.FixtureRequest, tmp_path: Path, pg: PgServer, database: str
) -> AsyncIterator[World]:
    overrides = getattr(request, "param", None) or {}
    async with open_world(tmp_path, pg, database, overrides) as world:
        try:
            yield world
            if world.daemon.running:  # what the socket says, raw, goes into the scan too
                await world.status()
        finally:
            await world.daemon.stop()
            (tmp_path / "daemon.log").write_text("".join(world.daemon.lines))
        leaks = await world.leaks()
        assert leaks == [], f"secrets leaked: {leaks}"


@pytest.fixture
async def world(
    request: pytest.FixtureRequest, tmp_path: Path, pg: PgServer, pg_database: str
) -> AsyncIterator[World]:
    async with scanned_world(request, tmp_path, pg, pg_database) as world:
        yield world


@pytest.fixture
async def own_pg_world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    """A world on a PostgreSQL server of its own, which the test may stop and start: the
    suite's shared server (and the connections other fixtures hold to it) stay up."""
    if os.environ.get("PGHOST"):
        pytest.skip("PGHOST names the server: the suite starts none of its own to stop")
    server = await asyncio.to_thread(start_server, throwaway=True)
    try:
        await build_template(server)
        database = await create_database(server)
        async with scanned_world(request, tmp_path, server, database) as world:
            yield world
    finally:
        await asyncio.to_thread(stop_server, server)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for title, lines in matrix.tables():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)
