"""The values the outside systems hand us, in domain-neutral form.

Metadata values are domain-neutral: a scalar field is ``str`` (for a domain/pick-list
field, its code, e.g. ``"A1"``, not its display text), a tabular field is ``list[str]``
(one entry per row of its single column), and an empty field is ``None``. The clients
(``clients/``) produce these; the pure rules (``domain/``) and the workflows read them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

FieldValue = str | list[str] | None
Metadata = Mapping[str, FieldValue]


def field_texts(value: FieldValue) -> list[str]:
    """Every filled entry of a field, stripped: a scalar's value, a tabular field's rows."""
    rows = [value] if isinstance(value, str) else (value or [])
    return [row.strip() for row in rows if row and row.strip()]


def field_text(value: FieldValue) -> str:
    """A field read as one text: its first filled entry, stripped (``""`` when empty)."""
    texts = field_texts(value)
    return texts[0] if texts else ""


@dataclass(frozen=True)
class DamFolder:
    id: str
    name: str
    metadata: Metadata = field(default_factory=dict)


@dataclass(frozen=True)
class DamAsset:
    id: str
    name: str
    folder_id: str | None
    size: int | None  # None: the asset has no content
    mime_type: str | None = None
    version: int = 1
    metadata: Metadata = field(default_factory=dict)


@dataclass(frozen=True)
class DamChildren:
    assets: Sequence[DamAsset]
    folders: Sequence[DamFolder]


@dataclass(frozen=True)
class BoxItem:
    id: str
    name: str
    type: Literal["file", "folder"]
    size: int | None = None
    sha1: str | None = None
    description: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True)
class Scorecard:
    """A validated CreativeX extraction (``ref/llamacloud.md`` §4.2)."""

    creative_name: str | None
    cqs_pct: float
    guidelines_met: int | None
    guidelines_total: int | None
    channel: str | None
    data: Mapping[str, Any]  # the whole extraction plus run/job ids, stored as extracted_json
    warnings: Sequence[str] = ()
