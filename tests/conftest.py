"""Fixtures shared by every layer of the suite.

- ``pg``: a running PostgreSQL (``tests/postgres.py``), one per session.
- ``pg_database``: the name of a fresh database copied from a migrated template.
- ``database``: a ``Database`` pool on that fresh database.
- ``make_config``: a validated ``Config`` for tests, pointing at the fresh database,
  whose sections can be overridden (emulator URLs, folders, …).
"""

from __future__ import annotations

import asyncio
import copy
import getpass
import json
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))

from ferrero_daemon.clients import db
from ferrero_daemon.config import Config, Secret, Secrets, parse_settings
from tests.postgres import PgServer, build_template, create_database, drop_database, start_server

# Each area's emulator and client fixtures live in their own module.
pytest_plugins = [
    "tests.fixtures.otmm",
    "tests.fixtures.box",
    "tests.fixtures.comms",
    "tests.fixtures.runtime",
    "tests.fixtures.services",
    "tests.fixtures.ops",
]

BASE_SETTINGS: dict[str, Any] = {
    "environment": "test",
    "timezone": "Europe/Rome",
    "dam": {
        "base_url": "http://127.0.0.1:9/otmmapi",
        "auth_url": "http://127.0.0.1:9/otdsws/oauth2/token",
        "client_id": "ferrero-test",
    },
    "box": {
        "api_url": "http://127.0.0.1:9/2.0",
        "upload_url": "http://127.0.0.1:9/api/2.0",
        "oauth_url": "http://127.0.0.1:9/oauth2/token",
        "folders": {"a1_a2": "1001", "a2_a3": "1002", "b1_b2": "1003", "creativex": "1004"},
    },
    "smtp": {
        "host": "127.0.0.1",
        "port": 9,
        "sender": "Ferrero Automation <automation@example.com>",
    },
    "recipients": {
        "errors": ["ops@example.com"],
        "success": ["team@example.com"],
        "reports": ["managers@example.com"],
    },
    # The suite's daemons and commands run as whoever runs the suite.
    "runtime": {"service_user": getpass.getuser()},
}

# Shaped like a JWT app's Box-config.json (`config` checks the shape); the key is fake, so
# a test that mints Box tokens takes the emulator's app config instead.
TEST_BOX_CONFIG = json.dumps(
    {
        "boxAppSettings": {
            "clientID": "box-client-id",
            "clientSecret": "box-client-secret-xyz",
            "appAuth": {
                "publicKeyID": "key-1",
                "privateKey": "-----BEGIN ENCRYPTED PRIVATE KEY-----\nfake\n-----END ENCRYPTED PRIVATE KEY-----\n",
                "passphrase": "box-passphrase-123",
            },
        },
        "enterpriseID": "4242",
    }
)
TEST_SECRETS = {
    "dam_client_secret": "dam-secret-for-tests",
    "box_jwt_config": TEST_BOX_CONFIG,
    "llama_cloud_api_key": "llx-test-key",
}


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    server = start_server()
    asyncio.run(build_template(server))
    yield server


@pytest.fixture
async def pg_database(pg: PgServer) -> AsyncIterator[str]:
    name = await create_database(pg)
    yield name
    await drop_database(pg, name)


def database_settings(pg: PgServer, name: str) -> dict[str, Any]:
    return {
        "host": pg.host,
        "port": pg.port,
        "name": name,
        "user": pg.user,
        "sslmode": "disable",
        "pool_max": 8,
    }


@pytest.fixture
def make_config(pg: PgServer, pg_database: str) -> Callable[..., Config]:
    def make(
        overrides: dict[str, Any] | None = None, secrets: dict[str, str] | None = None
    ) -> Config:
        data = deep_merge(BASE_SETTINGS, {"database": database_settings(pg, pg_database)})
        data = deep_merge(data, overrides or {})
        values = {**TEST_SECRETS, **(secrets or {})}
        if pg.password:
            values.setdefault("db_password", pg.password)
        return Config(
            settings=parse_settings(data),
            secrets=Secrets({k: Secret(v, "test") for k, v in values.items()}),
            path=None,
        )

    return make


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
