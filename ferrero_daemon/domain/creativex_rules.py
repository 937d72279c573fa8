"""Validation of a LlamaExtract CreativeX extraction (``ref/llamacloud.md`` §4.2).

An LLM read the scorecard, so its output is checked, not trusted: the score is
re-derived from the printed text when missing, fractions become percentages, the
guideline counts are recomputed from the guideline list, and the weights are summed
against the score. Pure functions; the client adds the run and job ids.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ferrero_daemon.domain.values import Scorecard
from ferrero_daemon.errors import InvalidInputError

# A score this little outside 0–100 is rounding noise and is clamped; further out it
# is a misreading and the scorecard is refused.
CLAMP_TOLERANCE = 1.0
WEIGHT_TOLERANCE = 1.0
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_OUT_OF_100 = re.compile(r"\s*(?:/|of|out of)\s*100(?:[.,]0+)?\b")


@dataclass(frozen=True)
class Counts:
    met: int | None
    total: int | None
    warnings: tuple[str, ...] = ()


def parse_score_text(text: str) -> float | None:
    """``"83%"`` → 83, ``"83,5 %"`` → 83.5, ``"0.83"`` → 0.83; no number → None."""
    match = _NUMBER.search(text)
    return float(match.group().replace(",", ".")) if match else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return parse_score_text(value)
    return None


def printed_score(text: str) -> float | None:
    """The one score printed in ``text`` (``"83/100"`` is one score, 83); a scorecard that
    prints two different scores (``"83%; 45%"``) is refused: which one is meant is a
    question for a person, not a guess."""
    numbers = {float(n.replace(",", ".")) for n in _NUMBER.findall(_OUT_OF_100.sub("", text))}
    if len(numbers) > 1:
        shown = ", ".join(f"{n:g}" for n in sorted(numbers))
        raise InvalidInputError(
            f"the scorecard shows more than one score ({shown}, printed {text!r}); "
            "check it by hand and ask CreativeX for a scorecard per creative"
        )
    return numbers.pop() if numbers else None


def score_pct(raw: Any, score_text: Any) -> float:
    """The score as a percentage 0–100, or ``InvalidInputError`` naming what was read."""
    text = score_text if isinstance(score_text, str) else ""
    printed = printed_score(text)
    value = _number(raw)
    if value is None:
        value = printed
    if value is None:
        raise InvalidInputError(
            f"no Creative Quality Score on the scorecard (score {raw!r}, printed {text!r})"
        )
    if _is_fraction(value, printed, "%" in text or (isinstance(raw, str) and "%" in raw)):
        value *= 100  # a 0–1 fraction, as CreativeX's own API reports it
    if not -CLAMP_TOLERANCE <= value <= 100 + CLAMP_TOLERANCE:
        raise InvalidInputError(
            f"Creative Quality Score {value:g} is outside 0–100 (printed {text!r}); "
            "check the scorecard by hand"
        )
    if printed is not None and not _agrees(value, printed):
        raise InvalidInputError(
            f"the extracted score {value:g} is not the score printed on the scorecard "
            f"({text!r}); check the scorecard by hand"
        )
    return round(min(100.0, max(0.0, value)), 2)


def _agrees(value: float, printed: float) -> bool:
    """The extracted score is the printed one, as a percentage or as a 0–1 fraction."""
    return any(abs(value - p) <= CLAMP_TOLERANCE for p in (printed, printed * 100))


def _is_fraction(value: float, printed: float | None, percent_sign: bool) -> bool:
    if not 0 < value <= 1:
        return False
    if not percent_sign:
        return True
    # "83%" printed but 0.83 returned: the model converted to a fraction itself.
    return printed is not None and printed > 1 and abs(value * 100 - printed) <= 0.5


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def guideline_counts(data: Mapping[str, Any]) -> Counts:
    """Counts from the guideline list when there is one; a disagreement with the printed
    counts is kept as a warning, the list wins."""
    printed_met, printed_total = (
        _int(data.get("guidelines_met")),
        _int(data.get("guidelines_total")),
    )
    guidelines = _guidelines(data)
    if not guidelines:
        return Counts(printed_met, printed_total)
    results = [guideline_passed(g.get("passed")) for g in guidelines]
    met = sum(1 for r in results if r is True)
    total = sum(1 for r in results if r is not None)
    warnings = []
    if printed_met is not None and printed_met != met:
        warnings.append(f"printed guidelines met {printed_met}, the list shows {met}")
    if printed_total is not None and printed_total != total:
        warnings.append(f"printed guidelines total {printed_total}, the list shows {total}")
    return Counts(met, total, tuple(warnings))


_YES = frozenset({"true", "yes", "pass", "passed", "met", "✓", "✔"})
_NO = frozenset({"false", "no", "fail", "failed", "not met", "✗", "✘"})


def guideline_passed(value: Any) -> bool | None:
    """A guideline's result; the schema asks for a boolean, a model may answer in words."""
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().casefold()
    return True if text in _YES else False if text in _NO else None


def _guidelines(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = data.get("guidelines")
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return []
    return [g for g in raw if isinstance(g, Mapping)]


def weight_warning(data: Mapping[str, Any], cqs_pct: float) -> str | None:
    """When weights are printed, the score should be the sum of the passed weights."""
    guidelines = _guidelines(data)
    weights = [_number(g.get("weight_percent")) for g in guidelines]
    if not guidelines or any(w is None for w in weights):
        return None
    passed = sum(
        w or 0.0
        for g, w in zip(guidelines, weights, strict=True)
        if guideline_passed(g.get("passed"))
    )
    if abs(passed - cqs_pct) > WEIGHT_TOLERANCE:
        return f"passed guideline weights add up to {passed:g}%, the score is {cqs_pct:g}%"
    return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def validate(data: Any, extra: Mapping[str, Any] | None = None) -> Scorecard:
    """A ``Scorecard`` from a run's ``data``; ``InvalidInputError`` when it is unusable."""
    if not isinstance(data, Mapping):
        raise InvalidInputError(
            f"the extraction returned {type(data).__name__}, not one object per scorecard; "
            "check the agent's extraction_target (PER_DOC)"
        )
    cqs = score_pct(data.get("creative_quality_score"), data.get("score_text"))
    counts = guideline_counts(data)
    warnings = list(counts.warnings)
    if (weights := weight_warning(data, cqs)) is not None:
        warnings.append(weights)
    return Scorecard(
        creative_name=_text(data.get("creative_name")),
        cqs_pct=cqs,
        guidelines_met=counts.met,
        guidelines_total=counts.total,
        channel=_text(data.get("channel")),
        data={**data, **(extra or {})},
        warnings=tuple(warnings),
    )
