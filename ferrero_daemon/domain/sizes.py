"""Byte counts as people read them, the same in every mail, table and status line:
decimal (SI) units, as disks and Box show them (1 kB = 1000 B)."""

from __future__ import annotations

_UNITS = ("B", "kB", "MB", "GB")


def human_size(size: int | None) -> str:
    """``999 B``, ``1.5 kB``, ``50.0 MB``, ``3200.0 GB``; ``unknown size`` for None."""
    if size is None:
        return "unknown size"
    value = float(size)
    for unit in _UNITS[1:]:
        value /= 1000
        if value < 1000 or unit == _UNITS[-1]:
            return f"{size} B" if size < 1000 else f"{value:.1f} {unit}"
    raise AssertionError("unreachable")
