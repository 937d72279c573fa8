"""Everything the daemon talks to, on this machine: PostgreSQL and the five emulators.

``SandboxStack`` starts an embedded PostgreSQL (the ``pgserver`` wheel, Unix socket
only) and the OTMM, Box, LlamaCloud, SMTP and webhook emulators on 127.0.0.1, then
writes a complete ``config.toml`` for a daemon and its secrets as a systemd
credentials directory (0600 files), exactly as production would have them, and
``env.sh``: ``source`` it and every ``ferrero-daemon`` command talks to the sandbox.
The DAM emulator serves mutual TLS beside OAuth2 (so ``check --auth-pfx`` passes), and
every mail is also written to ``mail/`` as ``.eml`` and ``.html``.
"""

from __future__ import annotations

import copy
import getpass
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import asyncpg
import tomli_w

from ferrero_daemon.backups.scratch import quote
from ferrero_daemon.jobs import JOBS
from ferrero_daemon.sandbox.emulators import EMULATORS, Emulator, create
from ferrero_daemon.sandbox.smtp import SmtpEmulator

EMULATOR_ORDER = ("otmm", "box", "llamacloud", "smtp", "webhook")


@dataclass
class Postgres:
    host: str
    port: int
    bin_dir: Path
    database: str = "ferrero_tracking"
    user: str = "postgres"

    async def create_database(self) -> None:
        conn = await asyncpg.connect(
            host=self.host, port=self.port, user=self.user, database="postgres"
        )
        try:
            exists = await conn.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", self.database
            )
            if not exists:
                await conn.execute(f"CREATE DATABASE {quote(self.database)}")
        finally:
            await conn.close()


def start_postgres(directory: Path) -> tuple[Postgres, Any]:
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))
    import pgserver

    # A Unix socket path must stay short (~107 bytes): keep the data dir's path short too.
    directory.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(directory, cleanup_mode="stop")  # type: ignore[attr-defined]
    info = server.get_postmaster_info()
    bin_dir = Path(pgserver.__file__).parent / "pginstall" / "bin"
    return Postgres(str(info.socket_dir), int(info.port), bin_dir), server


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` merged in table by table (config.toml as dicts); both
    stay as they were. The one merge of the sandbox and the tests (``tests/configs.py``)."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def env_script(env: dict[str, str]) -> str:
    """``source`` it: the sandbox's config and secrets (and this ``ferrero-daemon``)."""
    lines = [
        "# Written by `ferrero-daemon sandbox`: `source` this file, then every",
        "# ferrero-daemon command (status, trigger, check, backup, report…) uses the sandbox.",
        *(f"export {key}={shlex.quote(value)}" for key, value in sorted(env.items())),
    ]
    bin_dir = Path(sys.executable).parent
    if (bin_dir / "ferrero-daemon").exists():
        lines.append(f'export PATH={shlex.quote(str(bin_dir))}:"$PATH"')
    return "\n".join(lines) + "\n"


@dataclass
class SandboxStack:
    workdir: Path
    emulators: dict[str, Emulator] = field(default_factory=dict)
    postgres: Postgres | None = None
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)
    _pg_server: Any = None

    @property
    def config_path(self) -> Path:
        return self.workdir / "config.toml"

    @property
    def credentials_dir(self) -> Path:
        return self.workdir / "credentials"

    @property
    def socket_path(self) -> Path:
        return self.workdir / "control.sock"

    @property
    def env_file(self) -> Path:
        return self.workdir / "env.sh"

    @property
    def mail_dir(self) -> Path:
        return self.workdir / "mail"

    @property
    def daemon_pid_file(self) -> Path:
        return self.workdir / "daemon.pid"

    def daemon_env(self) -> dict[str, str]:
        return {
            "CREDENTIALS_DIRECTORY": str(self.credentials_dir),
            "FERRERO_CONFIG": str(self.config_path),
        }

    async def __aenter__(self) -> Self:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o700)
        self.postgres, self._pg_server = start_postgres(self.workdir / "pg")
        await self.postgres.create_database()
        for name in EMULATOR_ORDER:
            assert name in EMULATORS
            options: dict[str, Any] = {"mtls": True} if name == "otmm" else {}
            emulator = create(name, data_dir=self.workdir / name, **options)
            if isinstance(emulator, SmtpEmulator):
                emulator.mail_dir = self.mail_dir
            await emulator.start()
            self._stack.push_async_callback(emulator.stop)
            self.emulators[name] = emulator
        self.write_config()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()
        if self._pg_server is not None:
            self._pg_server.cleanup()

    def settings(self) -> dict[str, Any]:
        assert self.postgres is not None
        data: dict[str, Any] = {
            "environment": "sandbox",
            "timezone": "Europe/Rome",
            "database": {
                "host": self.postgres.host,
                "port": self.postgres.port,
                "name": self.postgres.database,
                "user": self.postgres.user,
                "sslmode": "disable",
            },
            "smtp": {"sender": "Ferrero Automation <automation@sandbox.test>"},
            "recipients": {
                "errors": ["dam-ops@sandbox.test"],
                "success": ["campaign-team@sandbox.test"],
                "reports": ["campaign-managers@sandbox.test"],
            },
            "backups": {
                "root": str(self.workdir / "backups"),
                "pg_bin_dir": str(self.postgres.bin_dir),
                "min_free_gb": 0.1,
            },
            "control": {"socket_path": str(self.socket_path), "group": ""},
            "runtime": {
                # The sandbox's daemon runs as whoever started it, not as a service user.
                "service_user": getpass.getuser(),
                "shutdown_deadline_seconds": 20,
                "lease_seconds": 10,
                "outbox_interval_seconds": 2,
            },
        }
        for emulator in self.emulators.values():
            data = deep_merge(data, emulator.config_overrides())
        # The sandbox drives every job itself: a schedule far away keeps the timer quiet.
        data["jobs"] = {name: {"schedule": "0 4 1 1 *"} for name in JOBS}
        # The lifecycle shows the A2→A3 move and its webhook (off by default in production).
        data["jobs"]["a2_a3"]["move_to_a3"] = "first_version"
        return data

    def write_config(self) -> None:
        self.config_path.write_text(
            "# Written by `ferrero-daemon sandbox`: every system here is a local emulator.\n"
            + tomli_w.dumps(self.settings()),
            encoding="utf-8",
        )
        self.credentials_dir.mkdir(mode=0o700, exist_ok=True)
        for emulator in self.emulators.values():
            for name, value in emulator.secrets().items():
                path = self.credentials_dir / name
                path.write_text(value, encoding="utf-8")
                path.chmod(0o600)
        self.env_file.write_text(env_script(self.daemon_env()), encoding="utf-8")

    def remove(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
