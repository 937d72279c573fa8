"""``ferrero-daemon backup daily|weekly|manual|list|check``: backups on demand."""

from __future__ import annotations

import argparse
import asyncio
import json

from ferrero_daemon.backups import catalog, health, listing
from ferrero_daemon.backups.context import cli_context, utc_now
from ferrero_daemon.backups.jobs import take
from ferrero_daemon.backups.layout import Kind, Layout
from ferrero_daemon.commands import Subparsers, add_config_argument, backup_settings, output
from ferrero_daemon.domain.sizes import human_size


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("backup", help="take, list or check the database backups")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for kind, text in (
        (Kind.DAILY, "a verified logical dump now, kept as a daily backup"),
        (Kind.WEEKLY, "a verified physical base backup of the whole cluster now"),
        (Kind.MANUAL, "a verified logical dump now, kept apart from the daily ones"),
    ):
        action = actions.add_parser(kind.value, help=text)
        add_config_argument(action)
        action.set_defaults(handler=lambda args, k=kind: asyncio.run(_take(args.config, k)))
    listed = actions.add_parser("list", help="every backup with its age, size and state")
    add_config_argument(listed)
    listed.add_argument("--json", action="store_true", help="print the backups as JSON")
    listed.set_defaults(handler=_list)
    check = actions.add_parser("check", help="backup health; exit 1 when unhealthy")
    add_config_argument(check)
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.set_defaults(handler=lambda args: asyncio.run(_check(args.config, args.json)))


async def _take(config_path: str | None, kind: Kind) -> int:
    async with cli_context(config_path) as ctx:
        entry, pruned = await take(ctx, kind)
    print(f"{kind} backup {entry.id} written and verified: {entry.data} ({human_size(entry.size)})")
    for old in pruned:
        print(f"pruned {old.kind} backup {old.id} ({old.state()})")
    return 0


def _list(args: argparse.Namespace) -> int:
    layout = Layout(backup_settings(args.config).root)
    found, now = catalog.entries(layout), utc_now()
    if args.json:
        output.document({"root": str(layout.root), "backups": listing.as_data(found, now)})
    else:
        print(listing.table(found, now))
    return 0


async def _check(config_path: str | None, as_json: bool) -> int:
    async with cli_context(config_path) as ctx:
        result = await health.run_check(ctx)
    if as_json:
        output.document(json.loads(result.to_json()))
    else:
        for check in result.checks:
            print(f"{'ok  ' if check.ok else 'FAIL'}  {check.message}")
        print("backups are healthy" if result.healthy else "backups are UNHEALTHY")
    return 0 if result.healthy else 1
