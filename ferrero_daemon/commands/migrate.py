"""``ferrero-daemon migrate``: apply pending schema migrations."""

from __future__ import annotations

import argparse
import asyncio

from ferrero_daemon.clients import db
from ferrero_daemon.commands import DB_SECRETS, Subparsers, add_config_argument
from ferrero_daemon.config import load_config
from ferrero_daemon.store.migrations import migrate


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("migrate", help="apply pending schema migrations (safe to repeat)")
    add_config_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_migrate(args.config))


async def _migrate(path: str | None) -> int:
    database = await db.connect(load_config(path, secrets=DB_SECRETS), min_size=1)
    try:
        applied = await migrate(database)
        version = await database.fetchval("schema_version")
    finally:
        await database.close()
    for migration in applied:
        print(f"applied {migration.version:03d}_{migration.name}")
    print(f"schema is current at version {version}" + ("" if applied else " (nothing to do)"))
    return 0
