"""``ferrero-daemon restore ID`` and ``restore --list``: the database back from a backup."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ferrero_daemon.backups import catalog, listing
from ferrero_daemon.backups.context import cli_context, utc_now
from ferrero_daemon.backups.layout import Kind, Layout
from ferrero_daemon.backups.restore import restore
from ferrero_daemon.commands import Subparsers, add_config_argument
from ferrero_daemon.config import load_config


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "restore",
        help="replace the tracking database with a logical backup (after a safety dump)",
    )
    add_config_argument(parser)
    parser.add_argument("backup_id", nargs="?", metavar="ID", help="backup ID (see --list)")
    parser.add_argument("--list", action="store_true", help="list the backups one can restore")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--no-safety", action="store_true", help="skip the safety dump of the live database"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.list or not args.backup_id:
        layout = Layout(config.settings.backups.root)
        logical = catalog.entries(layout, [k for k in Kind if k.logical])
        print(listing.table(logical, utc_now()))
        return 0 if args.list else 2
    database = config.settings.database.name
    if not args.yes and not _confirm(database, args.backup_id):
        print("restore cancelled; nothing was changed", file=sys.stderr)
        return 1
    return asyncio.run(_restore(args.config, args.backup_id, not args.no_safety))


def _confirm(database: str, backup_id: str) -> bool:
    if not sys.stdin.isatty():
        print(
            "ferrero-daemon restore: refusing to replace the database without confirmation; "
            "pass --yes",
            file=sys.stderr,
        )
        return False
    answer = input(
        f"Replace database {database!r} with backup {backup_id}? The current contents are "
        "kept as a safety dump and a renamed database. Type 'yes' to go on: "
    )
    return answer.strip().lower() == "yes"


async def _restore(config_path: str | None, backup_id: str, safety: bool) -> int:
    async with cli_context(config_path) as ctx:
        done = await restore(ctx, backup_id, safety=safety)
    print(f"restored backup {done.backup.kind}/{done.backup.id} into {ctx.database}")
    if done.safety is not None:
        print(f"safety dump of the previous contents: {done.safety.kind}/{done.safety.id}")
    print(
        f"the previous database is kept as {done.previous_database}; drop it when satisfied: "
        f'DROP DATABASE "{done.previous_database}"'
    )
    return 0
