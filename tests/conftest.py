"""Fixtures shared by every layer of the suite.

- ``pg``: a running PostgreSQL (``tests/postgres.py``), one per session.
- ``pg_database``: the name of a fresh database copied from a migrated template (copies
  are made ahead and dropped behind, in a thread: ``postgres.FreshDatabases``).
- ``database``: a ``Database`` pool on that fresh database.
- ``make_config``: a validated ``Config`` for tests, pointing at the fresh database,
  whose sections can be overridden (emulator URLs, folders, …): ``tests/configs.py``,
  the one config builder, which also serves the tests that need no database.
"""

from __future__ import annotations

import asyncio
import functools
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))

from ferrero_daemon.clients import db
from ferrero_daemon.config import Config
from tests import configs
from tests.postgres import FreshDatabases, PgServer, build_template, start_server

# Each area's emulator and client fixtures live in their own module.
pytest_plugins = [
    "tests.fixtures.otmm",
    "tests.fixtures.box",
    "tests.fixtures.comms",
    "tests.fixtures.runtime",
    "tests.fixtures.services",
    "tests.fixtures.ops",
    "tests.fixtures.returns",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reliability-full",
        action="store_true",
        help="also run the tests marked `full`: the whole fault matrix and the long crash "
        "loops of tests/reliability (minutes; the default run keeps a fast subset)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``full`` run with ``--reliability-full`` (or when ``-m`` names them)."""
    if config.getoption("--reliability-full") or "full" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="full reliability run only: pytest --reliability-full")
    for item in items:
        if item.get_closest_marker("full") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    server = start_server(throwaway=True)
    asyncio.run(build_template(server))
    yield server


@pytest.fixture(scope="session")
def fresh_databases(pg: PgServer) -> Iterator[FreshDatabases]:
    databases = FreshDatabases(pg)
    yield databases
    databases.close()


@pytest.fixture
def pg_database(fresh_databases: FreshDatabases) -> Iterator[str]:
    name = fresh_databases.take()
    yield name
    fresh_databases.drop(name)


@pytest.fixture
def make_config(pg: PgServer, pg_database: str) -> Callable[..., Config]:
    """``configs.config`` on the test's fresh database: ``make_config(overrides, secrets,
    emulators=[...])``."""
    return functools.partial(configs.config, pg=pg, database=pg_database)


@pytest.fixture
async def database(make_config: Callable[..., Config]) -> AsyncIterator[db.Database]:
    database = await db.connect(make_config(), min_size=1)
    yield database
    await database.close()


@pytest.fixture
def secret_dir(tmp_path: Path) -> Path:
    """A directory for 0600 secret files."""
    path = tmp_path / "secrets"
    path.mkdir(mode=0o700)
    return path
