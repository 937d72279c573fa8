"""``ferrero-daemon psql [SQL…]``: psql on the tracking database, connected as the daemon is.

The checklist's checks were ``PGPASSWORD=<prod_password> psql -h localhost -p 5437 -U
ferrero_user -d ferrero_tracking -c "…"``: the password typed on the command line, kept
in the shell's history. This runs the same ``psql`` with the connection of
``[database]`` and the ``db_password`` secret in a private 0600 ``PGPASSFILE``, so

    sudo ferrero-daemon psql '\\dt'
    sudo ferrero-daemon psql 'SELECT count(*) FROM master_assets'
    sudo ferrero-daemon psql            # interactive

Each argument is one ``psql -c`` command, run in order; psql's exit code is returned.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from ferrero_daemon.backups.pgtools import find_client, libpq_env
from ferrero_daemon.commands import DB_SECRETS, Subparsers, add_config_argument
from ferrero_daemon.config import load_config


def register(sub: Subparsers) -> None:
    parser = sub.add_parser(
        "psql",
        help="psql on the tracking database, with the daemon's connection and password",
        description=(
            "Run psql against [database] with the db_password secret (never on the command "
            "line). Each SQL argument is run as psql -c, in order; with none, psql is "
            "interactive. Example: ferrero-daemon psql 'SELECT count(*) FROM master_assets'"
        ),
    )
    add_config_argument(parser)
    parser.add_argument(
        "sql", nargs="*", metavar="SQL", help="a command for psql -c (a query or \\dt)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config, secrets=DB_SECRETS)  # the database's password only
    settings = config.settings
    psql = str(find_client("psql", settings.backups.pg_bin_dir))
    with tempfile.TemporaryDirectory(prefix="ferrero-psql-") as scratch:
        password = config.secrets.optional("db_password")
        with libpq_env(settings.database, password, Path(scratch)) as env:
            env["PGAPPNAME"] = "ferrero-daemon-psql"
            commands = [part for sql in args.sql for part in ("-c", sql)]
            done = subprocess.run([psql, "--no-psqlrc", *commands], env=env, check=False)  # noqa: S603
    return done.returncode
