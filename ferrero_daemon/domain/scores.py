"""The one key that joins a CreativeX scorecard to the localised asset it scored.

``creativex_scores.asset_filename`` is written by the CreativeX job and looked up by
A2→A3; both call ``asset_key`` so the two sides cannot drift (``ref/llamacloud.md`` §4.3).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

# Endings CreativeX (or the person exporting) adds to a scorecard's own file name.
# [INF] the exact export naming is not documented; these are tolerant guesses.
_SCORECARD_SUFFIX = re.compile(
    r"(?:[\s_.-]*(?:creative[\s_-]?x|cqs|scorecard|score[\s_-]?card|report))+$", re.I
)


def asset_key(name: str) -> str:
    """NFC, basename, stem, trimmed, casefolded: ``"/x/DE_de_Spot.MP4 "`` → ``"de_de_spot"``.

    Agencies send names from Windows too, so a backslash separates folders as well.
    """
    text = unicodedata.normalize("NFC", name).replace("\\", "/").strip()
    stem = PurePosixPath(PurePosixPath(text).name).stem
    return stem.strip().casefold()


def asset_key_from_scorecard(pdf_filename: str) -> str:
    """The fallback key when the scorecard prints no creative name: the PDF's own name
    without ``.pdf`` and without a scorecard suffix (``DE_de_Spot.mp4_scorecard.pdf``)."""
    text = unicodedata.normalize("NFC", pdf_filename).replace("\\", "/").strip()
    base = PurePosixPath(text).name
    if base.lower().endswith(".pdf"):
        base = base[:-4]
    return asset_key(_SCORECARD_SUFFIX.sub("", base) or base)
