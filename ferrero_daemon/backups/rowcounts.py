"""Exact per-table row counts: taken in a dump's snapshot, compared after a restore."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ferrero_daemon.clients.db import Connection

_TABLES = """
SELECT format('%I.%I', schemaname, tablename)
FROM pg_tables
WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""


async def table_names(conn: Connection) -> list[str]:
    """Every user table, as an already-quoted ``schema.table``."""
    return [r[0] for r in await conn.fetch(_TABLES)]


async def count_rows(conn: Connection, tables: Iterable[str] | None = None) -> dict[str, int]:
    """Counts of the given tables that exist (all user tables by default)."""
    existing = await table_names(conn)
    # Only names from format('%I.%I') reach the SQL: a manifest's names are matched, not used.
    names = existing if tables is None else [t for t in existing if t in set(tables)]
    return {t: int(await conn.fetchval(f"SELECT count(*) FROM {t}")) for t in names}  # noqa: S608


def differences(expected: Mapping[str, int], actual: Mapping[str, int]) -> list[str]:
    """Each table whose count differs, in words: ``public.x: 3 rows, expected 5``."""
    out = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None:
            out.append(f"{table}: not in the backup's manifest")
        elif got is None:
            out.append(f"{table}: missing after restore")
        elif want != got:
            out.append(f"{table}: {got} rows, expected {want}")
    return out
