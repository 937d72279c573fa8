"""Times as people read them: the wall time in the configured zone, with its name."""

from __future__ import annotations

from datetime import datetime, tzinfo


def local_label(moment: datetime, zone: tzinfo) -> str:
    """``2026-10-25 02:30 CET``: the wall time and the zone's abbreviation, which tells
    the two 02:30 of the night clocks go back apart."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
