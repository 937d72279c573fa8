"""The one way tests (and benchmarks) build a configuration.

``settings(...)`` is ``config.toml`` as a dict: the test defaults (``BASE_SETTINGS``, every
outside system on a closed port), then each emulator's ``config_overrides()``, then the
caller's overrides, merged table by table. ``config(...)`` validates that into a
``Config`` with the test secrets plus each emulator's. ``write_toml`` writes settings
for a daemon or command run as a subprocess, with ``tomli-w`` as the one TOML writer.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

import tomli_w

from ferrero_daemon.config import Config, Secret, Secrets, parse_settings
from ferrero_daemon.sandbox.stack import deep_merge
from tests.postgres import PgServer

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


class Configurable(Protocol):
    """An emulator: the settings and secrets that point a daemon at it."""

    def config_overrides(self) -> dict[str, Any]: ...

    def secrets(self) -> dict[str, str]: ...


def database_settings(pg: PgServer, name: str) -> dict[str, Any]:
    return {
        "host": pg.host,
        "port": pg.port,
        "name": name,
        "user": pg.user,
        "sslmode": "disable",
        "pool_max": 8,
    }


def settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    emulators: Iterable[Configurable] = (),
    pg: PgServer | None = None,
    database: str | None = None,
) -> dict[str, Any]:
    """``config.toml`` data: the defaults, the database, each emulator, then ``overrides``."""
    data = dict(BASE_SETTINGS)
    if pg is not None and database is not None:
        data = deep_merge(data, {"database": database_settings(pg, database)})
    for emulator in emulators:
        data = deep_merge(data, emulator.config_overrides())
    return deep_merge(data, overrides or {})


def secret_values(
    extra: Mapping[str, str] | None = None,
    *,
    emulators: Iterable[Configurable] = (),
    pg: PgServer | None = None,
) -> dict[str, str]:
    """The test secrets, each emulator's, the database password, then ``extra``."""
    values = dict(TEST_SECRETS)
    if pg is not None and pg.password:
        values["db_password"] = pg.password
    for emulator in emulators:
        values.update(emulator.secrets())
    return {**values, **(extra or {})}


def config(
    overrides: Mapping[str, Any] | None = None,
    secrets: Mapping[str, str] | None = None,
    *,
    emulators: Iterable[Configurable] = (),
    pg: PgServer | None = None,
    database: str | None = None,
) -> Config:
    """A validated ``Config``; without ``database`` it names none (for tests that need none)."""
    emulators = list(emulators)
    data = settings(overrides, emulators=emulators, pg=pg, database=database)
    values = secret_values(secrets, emulators=emulators, pg=pg)
    return Config(
        settings=parse_settings(data),
        secrets=Secrets({k: Secret(v, "test") for k, v in values.items()}),
        path=None,
    )


def write_toml(path: Path, data: Mapping[str, Any]) -> Path:
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path
