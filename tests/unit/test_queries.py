"""The named queries: each one is used (an unused one is a copy left to drift)."""

from __future__ import annotations

import re
from pathlib import Path

from ferrero_daemon.clients.db import QUERIES_FILE, load_queries

ROOT = Path(__file__).resolve().parents[2]


def test_every_named_query_is_used() -> None:
    files = [*(ROOT / "ferrero_daemon").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    code = "\n".join(p.read_text(encoding="utf-8") for p in files if p != Path(__file__))
    used = set(re.findall(r"""["']([a-z][a-z0-9_]*)["']""", code))
    unused = sorted(set(load_queries(QUERIES_FILE)) - used)
    assert unused == []
