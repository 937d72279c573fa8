"""The corpus table (case → outcome), printed past pytest's capture so every run shows it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

Row = tuple[str, str, str, bool]  # case, expected, outcome, as expected


def print_table(capsys: pytest.CaptureFixture[str], title: str, rows: Sequence[Row]) -> None:
    width = max(len(r[0]) for r in rows)
    lines = [f"\n{title}: {len(rows)} cases", f"  {'case':<{width}}  ok  outcome"]
    for case, expect, outcome, ok in rows:
        shown = outcome if ok else f"{outcome}   ≠ expected {expect}"
        lines.append(f"  {case:<{width}}  {'✓' if ok else '✗'}   {shown[:140]}")
    with capsys.disabled():
        print("\n".join(lines))
