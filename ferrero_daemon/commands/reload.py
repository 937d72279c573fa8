"""``ferrero-daemon reload [--wait]``: re-read the config; an invalid one is refused.

With ``--wait`` (what the unit's ``ExecReload=`` runs) it returns when the reload is
done and exits 1 if the daemon refused the new config, saying why.
"""

from __future__ import annotations

import argparse

from ferrero_daemon.clients import control as control_client
from ferrero_daemon.commands import Subparsers


def register(sub: Subparsers) -> None:
    parser = sub.add_parser("reload", help="re-read the config (invalid: refused, old one kept)")
    control_client.add_arguments(parser)
    parser.add_argument("--wait", action="store_true", help="wait until done; exit 1 if refused")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path = control_client.socket_path(args.config, args.socket)
    reply = control_client.request(path, {"cmd": "reload", "wait": args.wait}, timeout=120)
    if not args.wait:
        print("reload started; `ferrero-daemon status` shows whether it was refused")
        return 0
    changed = [
        f"{k}: {', '.join(reply[k])}" for k in ("added", "changed", "removed") if reply.get(k)
    ]
    print("reloaded" + (f" ({'; '.join(changed)})" if changed else " (no schedule changed)"))
    return 0
