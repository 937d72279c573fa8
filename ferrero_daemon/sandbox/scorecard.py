"""CreativeX-like scorecard PDFs for the sandbox, and the reading the emulator does of them.

``render`` prints a scorecard's figures as text on an A4 page (creative name, score,
tier, brand, market, channel, guidelines with result and weight, dates). ``read``
takes such a PDF apart again into the extraction schema of ``ref/llamacloud.md``
§4.2, the way the LlamaExtract agent would: the LlamaCloud emulator answers with
what the PDF says, so a different PDF yields a different score. ``sample`` makes a
deterministic scorecard for a creative; ``broken_pdf`` one that cannot be read.

The real layout is unknown (§5.2); this one carries the same objects.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ferrero_daemon.sandbox import pdf

ScoreFormat = Literal["percent", "fraction", "missing"]
BENCHMARK_GUIDELINES = (
    "Aspect Ratio",
    "Brand Early",
    "Optimal Length",
    "Safe Zones",
    "Sound On",
    "Supers Present",
)
TITLE = "CreativeX Creative Quality Scorecard"
_RESULT = {True: "PASS", False: "FAIL", None: "N/A"}
_HEADER = ("Guideline", "Result", "Weight")
_LABELS = {
    "creative": "creative_name",
    "pre-flight": "preflight_name",
    "brand": "brand",
    "market": "market",
    "channel": "channel",
    "placement": "placement",
    "asset type": "asset_type",
    "creative quality score": "score_text",
    "tier": "quality_tier",
    "evaluated": "evaluation_date",
    "report generated": "report_date",
    "creativex id": "creativex_id",
    "external label": "external_label",
}


@dataclass(frozen=True)
class Guideline:
    name: str
    passed: bool | None
    weight_pct: float | None = None


@dataclass(frozen=True)
class ScorecardSpec:
    """What one scorecard says. ``score=None`` prints the sum of the passed weights."""

    creative_name: str
    guidelines: Sequence[Guideline]
    brand: str = "Nutella"
    market: str = "Germany"
    channel: str = "Meta"
    placement: str | None = "Feed"
    asset_type: str = "video"
    preflight_name: str = "Ferrero pre-flight"
    evaluated: date = date(2026, 11, 30)
    generated: date = date(2026, 12, 1)
    score: float | None = None
    score_format: ScoreFormat = "percent"
    tier: str | None = None
    printed_met: int | None = None  # to print counts that disagree with the list
    printed_total: int | None = None
    creativex_id: str | None = None
    external_label: str | None = None
    extra_lines: Sequence[str] = field(default_factory=tuple)

    @property
    def cqs_pct(self) -> float:
        if self.score is not None:
            return self.score
        return round(sum(g.weight_pct or 0 for g in self.guidelines if g.passed), 1)

    @property
    def quality_tier(self) -> str:
        if self.tier is not None:
            return self.tier
        return (
            "Excellent"
            if self.cqs_pct >= 80
            else "On Track"
            if self.cqs_pct >= 60
            else "Needs Work"
        )

    @property
    def met(self) -> int:
        return sum(1 for g in self.guidelines if g.passed is True)

    @property
    def total(self) -> int:
        return sum(1 for g in self.guidelines if g.passed is not None)


def sample(creative_name: str, seed: str | int | None = None, **changes: Any) -> ScorecardSpec:
    """A plausible scorecard whose results depend only on the name (and seed)."""
    digest = hashlib.sha256(f"{creative_name}|{seed}".encode()).digest()
    rng = random.Random(digest)
    weight = round(100 / len(BENCHMARK_GUIDELINES), 1)
    guidelines = tuple(Guideline(name, rng.random() < 0.7, weight) for name in BENCHMARK_GUIDELINES)
    return ScorecardSpec(creative_name=creative_name, guidelines=guidelines, **changes)


def _score_text(spec: ScorecardSpec) -> str | None:
    if spec.score_format == "missing":
        return None
    if spec.score_format == "fraction":
        return f"{spec.cqs_pct / 100:.2f}"
    return f"{spec.cqs_pct:g}%"


def _header_lines(spec: ScorecardSpec) -> list[tuple[str, str | None]]:
    return [
        ("Pre-flight", spec.preflight_name),
        ("Creative", spec.creative_name),
        ("Brand", spec.brand),
        ("Market", spec.market),
        ("Channel", spec.channel),
        ("Placement", spec.placement),
        ("Asset type", spec.asset_type),
        ("CreativeX ID", spec.creativex_id),
        ("External label", spec.external_label),
        ("Creative Quality Score", _score_text(spec)),
        ("Tier", spec.quality_tier),
        (
            "Guidelines met",
            f"{spec.met if spec.printed_met is None else spec.printed_met} of "
            f"{spec.total if spec.printed_total is None else spec.printed_total}",
        ),
        ("Evaluated", spec.evaluated.isoformat()),
        ("Report generated", spec.generated.isoformat()),
    ]


def render(spec: ScorecardSpec) -> bytes:
    """The scorecard as a PDF."""
    items = [pdf.Text(50, 790, TITLE, 16, "bold")]
    y = 760.0
    for label, value in _header_lines(spec):
        if value is not None:
            items.append(pdf.Text(50, y, f"{label}: {value}"))
            y -= 18
    y -= 10
    for x, cell in zip((50, 330, 450), _HEADER, strict=True):
        items.append(pdf.Text(x, y, cell, 11, "bold"))
    for g in spec.guidelines:
        y -= 16
        weight = "" if g.weight_pct is None else f"{g.weight_pct:.1f}%"
        for x, cell in zip((50, 330, 450), (g.name, _RESULT[g.passed], weight), strict=True):
            if cell:
                items.append(pdf.Text(x, y, cell))
    for line in spec.extra_lines:
        y -= 18
        items.append(pdf.Text(50, y, line, 9))
    return pdf.write([items], title=f"{TITLE}: {spec.creative_name}")


def broken_pdf(seed: str = "") -> bytes:
    """A file that looks like a PDF from its name and first bytes and is truncated."""
    whole = render(sample(f"broken{seed}"))
    return whole[: len(whole) // 2]


# -- reading back --------------------------------------------------------------

_COUNTS = re.compile(r"(\d+)\s*(?:of|/)\s*(\d+)")


def _empty() -> dict[str, Any]:
    keys = (*_LABELS.values(), "creative_quality_score", "guidelines_met", "guidelines_total")
    return {key: None for key in keys} | {"guidelines": []}


def _guideline(cells: list[str]) -> dict[str, Any]:
    result = cells[1].strip().upper() if len(cells) > 1 else ""
    weight = cells[2].strip().rstrip("%") if len(cells) > 2 else ""
    return {
        "name": cells[0].strip(),
        "passed": {"PASS": True, "FAIL": False}.get(result),
        "weight_percent": float(weight) if weight else None,
    }


def _field(data: dict[str, Any], line: str) -> None:
    label, _, value = line.partition(":")
    key = label.strip().lower()
    if key == "guidelines met" and (m := _COUNTS.search(value)):
        data["guidelines_met"], data["guidelines_total"] = int(m.group(1)), int(m.group(2))
    elif key in _LABELS:
        # A label printed twice with two values (two scores): both, as a model reads them.
        earlier, now = data[_LABELS[key]], value.strip() or None
        data[_LABELS[key]] = f"{earlier}; {now}" if earlier and now and earlier != now else now


def read(data: bytes) -> dict[str, Any]:
    """What the extraction agent would return for this PDF; ``pdf.PdfError`` if unreadable.

    A readable PDF that is not a scorecard yields every field null, as a model would.
    The score is returned as printed (``0.83`` stays a fraction): the daemon converts.
    """
    out = _empty()
    in_table = False
    for line in pdf.read_lines(data):
        cells = line.split("\t")
        if tuple(c.strip() for c in cells) == _HEADER:
            in_table = True
        elif in_table and len(cells) >= 2:
            out["guidelines"].append(_guideline(cells))
        elif ":" in line:
            in_table = False
            _field(out, line)
    if out["score_text"] is not None:
        number = re.search(r"\d+(?:\.\d+)?", out["score_text"])
        out["creative_quality_score"] = float(number.group()) if number else None
    return out
