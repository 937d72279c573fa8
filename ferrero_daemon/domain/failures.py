"""An item a run could not take, and why: what a run reports, the daily report counts and
a delivery plan refuses up front."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """One item that did not go through, and why, in words an operator can act on."""

    item: str
    reason: str
