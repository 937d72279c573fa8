"""``ferrero-daemon restore ID`` and ``restore --list``: the database back from a backup."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ferrero_daemon.backups import catalog, listing
from ferrero_daemon.backups.context import cli_context, utc_now
from ferrero_daemon.backups.layout import Kind, Layout
from ferrero_daemon.backups.restore import restore
from ferrero_daemon.commands import (
    DB_SECRETS,
    Subparsers,
    add_config_argument,
    backup_settings,
    output,
)
from ferrero_daemon.config import load_config
from ferrero_daemon.errors import UsageError
from ferrero_daemon.exits import ExitCode


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "restore",
        help="replace the tracking database with a logical backup (after a safety dump)",
    )
    add_config_argument(parser)
    parser.add_argument("backup_id", nargs="?", metavar="ID", help="backup ID (see --list)")
    parser.add_argument("--list", action="store_true", help="list the backups one can restore")
    parser.add_argument("--json", action="store_true", help="with --list: the backups as JSON")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--no-safety", action="store_true", help="skip the safety dump of the live database"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list(args.config, as_json=args.json)
    if not args.backup_id:
        raise UsageError(
            "name the backup to restore: `ferrero-daemon restore ID` "
            "(the IDs: `ferrero-daemon restore --list`)"
        )
    if args.json:
        raise UsageError("--json goes with --list; a restore prints its steps as text")
    database = load_config(args.config, secrets=DB_SECRETS).settings.database.name
    if not args.yes and not _confirm(database, args.backup_id):
        print("restore cancelled; nothing was changed", file=sys.stderr)
        return ExitCode.FAILED
    return asyncio.run(_restore(args.config, args.backup_id, not args.no_safety))


def _list(config: str | None, *, as_json: bool) -> int:
    layout = Layout(backup_settings(config).root)
    logical = catalog.entries(layout, [k for k in Kind if k.logical])
    now = utc_now()
    if as_json:
        output.document({"root": str(layout.root), "backups": listing.as_data(logical, now)})
    else:
        print(listing.table(logical, now))
    return ExitCode.OK


def _confirm(database: str, backup_id: str) -> bool:
    if not sys.stdin.isatty():
        raise UsageError(
            "refusing to replace the database without confirmation (no terminal to ask on); "
            "pass --yes"
        )
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
