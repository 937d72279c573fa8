"""What a deep probe reports: one finding per line, ✓, ✗ or "?".

A finding says what the daemon assumes, what the live system showed, and the verdict.
"?" means it cannot be decided without writing: its hint says what to try by hand.
A ✗ or "?" about an OTMM wire detail names the ``[dam.wire]`` value that fits what was
seen, when one does (``wire``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["ok", "fail", "unknown"]
MARKS: dict[Status, str] = {"ok": "✓", "fail": "✗", "unknown": "?"}


@dataclass(frozen=True)
class Finding:
    probe: str
    status: Status
    assumed: str
    seen: str
    hint: str = ""
    wire: Mapping[str, Any] = field(default_factory=dict)
    details: Sequence[str] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "status": self.status,
            "assumed": self.assumed,
            "seen": self.seen,
            "hint": self.hint,
            "wire": dict(self.wire),
            "details": list(self.details),
        }


def ok(probe: str, assumed: str, seen: str, details: Sequence[str] = ()) -> Finding:
    return Finding(probe, "ok", assumed, seen, details=tuple(details))


def fail(
    probe: str, assumed: str, seen: str, hint: str, wire: Mapping[str, Any] | None = None
) -> Finding:
    return Finding(probe, "fail", assumed, seen, hint, dict(wire or {}))


def unknown(
    probe: str, assumed: str, seen: str, hint: str, wire: Mapping[str, Any] | None = None
) -> Finding:
    return Finding(probe, "unknown", assumed, seen, hint, dict(wire or {}))


def wire_text(wire: Mapping[str, Any]) -> str:
    """``[dam.wire] page_size = 50`` in TOML, as an operator would paste it."""
    import json

    return ", ".join(f"{key} = {json.dumps(value)}" for key, value in wire.items())


def render(findings: Iterable[Finding]) -> str:
    found = list(findings)
    width = min(34, max((len(f.probe) for f in found), default=0))
    lines = []
    for f in found:
        lines.append(f"{MARKS[f.status]} {f.probe.ljust(width)}  assumed: {f.assumed}")
        lines[-1] += f" · seen: {f.seen}"
        lines.extend(f"    {d}" for d in f.details)
        if f.status != "ok" and f.hint:
            lines.append(f"    {'hint' if f.status == 'fail' else 'by hand'}: {f.hint}")
        if f.wire:
            lines.append(f"    [dam.wire] {wire_text(f.wire)}")
    lines.append(summary(found))
    return "\n".join(lines)


def summary(findings: Sequence[Finding]) -> str:
    counts = {s: sum(f.status == s for f in findings) for s in MARKS}
    return (
        f"deep check: {counts['ok']} passed, {counts['fail']} failed, "
        f"{counts['unknown']} to try by hand"
    )


def passed(findings: Iterable[Finding]) -> bool:
    """No ✗: what ``check --deep`` exits 0 on ("?" lines are steps for a person)."""
    return all(f.status != "fail" for f in findings)
