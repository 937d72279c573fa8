"""Probe: the schema is current, and the configured role may do what the daemon and the
backups do. Read in a ``READ ONLY`` transaction.

- the daemon: SELECT, INSERT, UPDATE, DELETE on every table of its schema, USAGE on
  every sequence, CREATE on the schema (``migrate``);
- the backups: pg_dump reads every table and sequence; a restore creates a scratch
  database and renames databases (CREATEDB and ownership of the database, ref
  backups.md); a weekly base backup needs the REPLICATION attribute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ferrero_daemon.checks.deep.context import DeepContext
from ferrero_daemon.checks.deep.findings import Finding, fail, ok
from ferrero_daemon.errors import SchemaError
from ferrero_daemon.store.migrations import require_current

DAEMON = ("can_select", "can_insert", "can_update", "can_delete")


async def probe(ctx: DeepContext) -> list[Finding]:
    db = await ctx.db()
    found: list[Finding] = []
    try:
        version = await require_current(db)
        found.append(ok("database schema", "the schema is current", f"version {version}"))
    except SchemaError as exc:
        found.append(
            fail(
                "database schema", "the schema is current", str(exc), "run `ferrero-daemon migrate`"
            )
        )
    tables = [dict(r) for r in await db.fetch("check_table_rights")]
    role = dict(await db.fetchrow("check_role_rights") or {})
    weekly = ctx.settings.backups.weekly
    found.append(judge_daemon(role, tables))
    found.append(judge_backups(role, tables, weekly))
    return found


def judge_daemon(role: Mapping[str, Any], tables: Sequence[Mapping[str, Any]]) -> Finding:
    name, who = "database rights, daemon", role.get("role", "?")
    assumed = "read and write every table and sequence; CREATE on the schema (migrate)"
    lacking = [
        f"{t['name']} ({', '.join(k.removeprefix('can_').upper() for k in DAEMON if not t[k])})"
        for t in tables
        if t["kind"] != "S" and not all(t[k] for k in DAEMON)
    ]
    lacking += [
        f"sequence {t['name']} (USAGE)" for t in tables if t["kind"] == "S" and not t["can_use"]
    ]
    if not role.get("schema_create"):
        lacking.append(f"the CREATE right on schema {role.get('schema')}")
    if lacking:
        return fail(
            name, assumed, f"{who} lacks {'; '.join(lacking)}",
            f"have the database administrator grant these rights to {who}",
        )  # fmt: skip
    sequences = sum(t["kind"] == "S" for t in tables)
    seen = f"{who}: all of {len(tables) - sequences} tables and {sequences} sequences"
    return ok(name, assumed, seen)


def judge_backups(
    role: Mapping[str, Any], tables: Sequence[Mapping[str, Any]], weekly: str
) -> Finding:
    name, who = "database rights, backups", role.get("role", "?")
    assumed = "pg_dump reads all; restore: CREATEDB and owns the database"
    if weekly != "off":
        assumed += "; weekly base backup: REPLICATION"
    lacking = [f"the SELECT right on {t['name']}" for t in tables if not t["can_select"]]
    superuser = bool(role.get("superuser"))
    if not (superuser or role.get("createdb")):
        lacking.append("CREATEDB (restore builds a scratch database)")
    if not (superuser or role.get("owns_database")):
        lacking.append(
            f"ownership of database {role.get('database')} (owned by {role.get('db_owner')})"
        )
    if weekly != "off" and not (superuser or role.get("replication")):
        lacking.append('REPLICATION (or [backups] weekly = "off" on a managed database)')
    if lacking:
        hint = f"have the database administrator give {who} these rights (ALTER ROLE, GRANT)"
        return fail(name, assumed, f"{who} lacks {'; '.join(lacking)}", hint)
    return ok(name, assumed, f"{who}: {'superuser' if superuser else 'every right present'}")
