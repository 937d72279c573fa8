"""``backup list`` and ``restore --list``: every backup with its age, size and state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ferrero_daemon.backups.catalog import Entry
from ferrero_daemon.domain.sizes import human_size


def human_age(now: datetime, then: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} d {hours % 24} h"


def table(found: Sequence[Entry], now: datetime) -> str:
    if not found:
        return "no backups yet"
    rows = [("KIND", "ID", "AGE", "SIZE", "STATE")]
    rows += [
        (e.kind.value, e.id, human_age(now, e.created_at), human_size(e.size), e.state())
        for e in found
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
        for r in rows
    )


def as_data(found: Sequence[Entry], now: datetime) -> list[dict[str, object]]:
    """``backup list --json``: one object per backup, newest first."""
    return [
        {
            "kind": e.kind.value,
            "id": e.id,
            "created_at": e.created_at.isoformat(),
            "age_s": round((now - e.created_at).total_seconds()),
            "size": e.size,
            "valid": e.valid,
            "state": e.state(),
            "path": str(e.data),
        }
        for e in found
    ]
