"""Box-valid names for the files and folders we create, made deterministically.

Box refuses a name that is empty, ``.`` or ``..``, longer than 255 (we count UTF-8
bytes, the stricter reading), that contains ``/``, ``\\`` or a non-printable
character, or that starts or ends with a space (``ref/box-api.md`` §3.8). Names are
unique case-insensitively within a folder.

A master's Box name is ``<prefix><stem>_<TRACKING ID><.ext>``. The tracking ID is
unique and upper-case, and truncation only ever shortens the stem, so two masters of
one campaign never get names that differ only in case, even when their DAM names do
(``Spot.mp4`` and ``SPOT.mp4``). The same DAM name always gives the same Box name.
"""

from __future__ import annotations

import unicodedata

MAX_BYTES = 255
MAX_EXTENSION = 10
REPLACEMENT = "_"
FALLBACK_STEM = "master"
_INVALID_WHOLE = frozenset({"", ".", ".."})


def clean(text: str) -> str:
    """NFC, separators and non-printables replaced, outer whitespace removed."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(REPLACEMENT if _forbidden(ch) else ch for ch in text)
    return text.strip()


def _forbidden(ch: str) -> bool:
    return ch in "/\\" or not ch.isprintable()


def truncate_bytes(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 form fits in ``limit`` bytes."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: max(limit, 0)].decode("utf-8", errors="ignore")


def split_extension(name: str) -> tuple[str, str]:
    """``("spot", ".mp4")``; a dot that does not start a short alphanumeric ending is kept."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem.strip() and 0 < len(ext) <= MAX_EXTENSION and ext.isalnum():
        return stem, "." + ext
    return name, ""


def master_file_name(original: str, tracking_id: str, prefix: str = "") -> str:
    """The Box name of a master: ``<prefix><stem>_<TRACKING ID><.ext>``, Box-valid."""
    stem, ext = split_extension(clean(original))
    stem = clean(stem) or FALLBACK_STEM
    if prefix and stem.casefold().startswith(prefix.casefold()):
        prefix = ""  # already named for its folder; do not stack prefixes
    return fit(stem, f"_{tracking_id}{ext}", prefix)


def fit(stem: str, suffix: str, prefix: str = "", fallback: str = FALLBACK_STEM) -> str:
    """``<prefix><stem><suffix>`` within ``MAX_BYTES``: only the stem is ever shortened."""
    budget = MAX_BYTES - len(prefix.encode("utf-8")) - len(suffix.encode("utf-8"))
    stem = truncate_bytes(stem, budget).rstrip() or fallback[: max(budget, 0)]
    return f"{prefix}{stem}{suffix}"


def campaign_folder_name(number: str, name: str, fallback: str) -> str:
    """``"<number> - <name>"`` (either part alone when the other is empty), Box-valid."""
    parts = [part for part in (clean(number), clean(name)) if part]
    text = " - ".join(parts) or clean(fallback)
    text = truncate_bytes(text, MAX_BYTES).rstrip()
    return REPLACEMENT if text in _INVALID_WHOLE else text


def is_valid(name: str) -> bool:
    """True when Box accepts ``name`` as a file or folder name."""
    if name in _INVALID_WHOLE or name != name.strip():
        return False
    if len(name.encode("utf-8")) > MAX_BYTES:
        return False
    return not any(_forbidden(ch) for ch in name)
