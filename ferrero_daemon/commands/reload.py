"""``ferrero-daemon reload [--wait]``: re-read the config; an invalid one is refused.

With ``--wait`` (what the unit's ``ExecReload=`` runs) it returns when the reload is
done and exits 78 if the daemon refused the new config, saying why.
"""

from __future__ import annotations

import argparse

from ferrero_daemon.clients import control as control_client
from ferrero_daemon.commands import Subparsers


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("reload", help="re-read the config (invalid: refused, old one kept)")
    control_client.add_arguments(parser)
    parser.add_argument(
        "--wait", action="store_true", help="wait until done; exit 78 if the config is refused"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    reply = control_client.client(args).reload(wait=args.wait)
    if not args.wait:
        print("reload started; `ferrero-daemon status` shows whether it was refused")
        return 0
    lists = {
        "added": reply.get("added"),
        "changed": reply.get("changed"),
        "removed": reply.get("removed"),
    }
    changed = [f"{key}: {', '.join(names)}" for key, names in lists.items() if names]
    print("reloaded" + (f" ({'; '.join(changed)})" if changed else " (no schedule changed)"))
    return 0
