"""What a derivative carries in the DAM, and which CreativeX score belongs to it.

Pure rules, no I/O. A derivative's metadata comes from three places: the master
(fields copied by ``dam.derivative_field_map``), its file name (country, language,
job number, tracking ID) and its CreativeX score, or the documented defaults
(``creativex.default_score`` / ``default_status``) while it has none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from ferrero_daemon.config import CreativeXConfig, DamConfig
from ferrero_daemon.domain import agency_names
from ferrero_daemon.domain.agency_names import AgencyName
from ferrero_daemon.domain.values import FieldValue, Metadata

SCORED_STATUS = "Scored"


@dataclass(frozen=True)
class StoredScore:
    """One ``creativex_scores`` row, as the workflows use it."""

    id: int
    asset_filename: str
    tracking_id: str | None
    cqs_pct: float
    guidelines_met: int | None
    guidelines_total: int | None
    channel: str | None
    tier: str | None


def score_text(score: StoredScore | None, cx: CreativeXConfig) -> str:
    return cx.default_score if score is None else f"{score.cqs_pct:g}%"


def score_status(score: StoredScore | None, cx: CreativeXConfig) -> str:
    # [I] The DAM's status field has no documented vocabulary: we write the tier the
    # scorecard prints ("Excellent", "On Track") and "Scored" when it prints none.
    if score is None:
        return cx.default_status
    return score.tier or SCORED_STATUS


def guidelines_text(score: StoredScore | None) -> str | None:
    if score is None or score.guidelines_met is None or score.guidelines_total is None:
        return None
    return f"{score.guidelines_met}/{score.guidelines_total}"


def score_fields(
    dam: DamConfig, cx: CreativeXConfig, score: StoredScore | None
) -> dict[str, FieldValue]:
    f = dam.fields
    return {
        f.creativex_score: score_text(score, cx),
        f.creativex_status: score_status(score, cx),
        f.creativex_guidelines: guidelines_text(score),
    }


def derivative_metadata(
    dam: DamConfig,
    cx: CreativeXConfig,
    master: Metadata,
    name: AgencyName,
    score: StoredScore | None,
) -> dict[str, FieldValue]:
    """The full metadata of a new derivative asset."""
    values: dict[str, FieldValue] = {
        target: master[source]
        for source, target in dam.derivative_field_map.items()
        if master.get(source) is not None
    }
    f = dam.fields
    values[f.asset_role] = dam.derivative_role_value
    values[f.country] = name.country
    values[f.language] = name.language
    values[f.job_number] = name.job
    values[f.tracking_id] = name.tracking_id
    values.update(score_fields(dam, cx, score))
    return values


def missing_master_fields(dam: DamConfig, master: Metadata) -> list[str]:
    """Mapped master fields absent from what we stored at delivery."""
    return [source for source in dam.derivative_field_map if source not in master]


def score_matches(score: StoredScore, key: str, tracking: str, country: str, language: str) -> bool:
    """Does this score belong to the derivative whose normalised file name is ``key``?

    The same name always matches. A tracking ID alone does not: every derivative of a
    master shares it, so the score's own name must also say the same market and
    language (``Nutella_DE_de_…`` is not ``Nutella_FR_fr_…``).
    """
    if score.asset_filename == key:
        return True
    if score.tracking_id != tracking:
        return False
    parsed = agency_names.try_parse(score.asset_filename)
    return parsed is not None and agency_names.same_market(parsed, country, language)


def best_score(
    scores: Iterable[StoredScore], key: str, tracking: str, country: str, language: str
) -> StoredScore | None:
    """The newest matching score (rows come newest first; the highest id wins)."""
    matching = [s for s in scores if score_matches(s, key, tracking, country, language)]
    return max(matching, key=lambda s: s.id, default=None)


def is_pdf(name: str) -> bool:
    return PurePath(name).suffix.casefold() == ".pdf"
