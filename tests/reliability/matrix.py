"""The tables the suite prints at the end of a run (``pytest_terminal_summary``).

Each test adds its row with ``record``; rows of one table share their columns. A cell
that did not run (the fast subset runs a few) is simply absent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

_TABLES: dict[str, list[dict[str, str]]] = {}


def record(table: str, row: Mapping[str, object]) -> None:
    _TABLES.setdefault(table, []).append({k: str(v) for k, v in row.items()})


def render(rows: list[dict[str, str]]) -> list[str]:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    widths = {c: max(len(c), *(len(r.get(c, "")) for r in rows)) for c in columns}
    line = "  ".join(c.ljust(widths[c]) for c in columns).rstrip()
    rule = "  ".join("-" * widths[c] for c in columns)
    body = ["  ".join(r.get(c, "").ljust(widths[c]) for c in columns).rstrip() for r in rows]
    return [line, rule, *body]


def tables() -> Iterator[tuple[str, list[str]]]:
    for title, rows in _TABLES.items():
        yield title, render(rows)
