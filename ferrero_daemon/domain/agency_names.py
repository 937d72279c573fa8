"""The agencies' file names: ``Brand_Country_Language_<number>_<job>_<TRACKING>.<ext>``.

Read from the right, because a brand may itself contain underscores
(``Kinder_Bueno_DE_de_123_OMG999_7K3M9QX2A.mp4``). The tracking ID is the last
segment and carries a check character, so a typo is refused with a reason an
operator can act on instead of being filed under the wrong master.

    >>> parse("Nutella_DE_de_123_OMG999_000000000.mp4").country
    'DE'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from ferrero_daemon.domain import box_names, tracking_id

_SEGMENTS = 6  # brand, country, language, number, job, tracking ID


class NameProblem(StrEnum):
    """Why a file cannot be taken; the value is the code stored in ``attention_items``."""

    NO_TRACKING_ID = "no_tracking_id"
    BAD_CHECK_CHARACTER = "bad_check_character"
    UNPARSEABLE = "unparseable_name"


_EXPLAIN = {
    NameProblem.NO_TRACKING_ID: (
        "the name carries no tracking ID; expected "
        "Brand_Country_Language_<number>_<job>_<TRACKING>.<ext>"
    ),
    NameProblem.BAD_CHECK_CHARACTER: (
        "the tracking ID {tid} fails its check character (a typo?); copy the ID from "
        "the master's file name"
    ),
    NameProblem.UNPARSEABLE: (
        "the name does not follow Brand_Country_Language_<number>_<job>_<TRACKING>.<ext> "
        "(<number> in digits)"
    ),
}


class BadName(ValueError):
    """A file name an agency sent that cannot be read; ``str()`` says what to fix."""

    def __init__(self, problem: NameProblem, name: str, tid: str = "") -> None:
        self.problem = problem
        self.name = name
        super().__init__(f"{name}: {_EXPLAIN[problem].format(tid=tid)}")


@dataclass(frozen=True)
class AgencyName:
    brand: str
    country: str
    language: str
    number: str
    job: str
    tracking_id: str  # normalised
    extension: str  # with the dot, as sent ("" when none)


def looks_like_tracking_id(segment: str) -> bool:
    """Shaped like a tracking ID (length and alphabet), whether or not it checks."""
    tid = tracking_id.normalize(segment)
    return len(tid) == tracking_id.LENGTH and all(ch in tracking_id.ALPHABET for ch in tid)


def parse(name: str) -> AgencyName:
    """Read an agency file name; ``BadName`` says which of the three problems it has."""
    path = PurePath(name.strip())
    parts = path.stem.split("_")
    last = parts[-1]
    if not looks_like_tracking_id(last):
        buried = any(looks_like_tracking_id(p) for p in parts[:-1])
        raise BadName(NameProblem.UNPARSEABLE if buried else NameProblem.NO_TRACKING_ID, name)
    if not tracking_id.is_valid(last):
        raise BadName(NameProblem.BAD_CHECK_CHARACTER, name, tracking_id.normalize(last))
    if len(parts) < _SEGMENTS or not all(parts) or not parts[-3].isdigit():
        raise BadName(NameProblem.UNPARSEABLE, name)
    return AgencyName(
        brand="_".join(parts[:-5]),
        country=parts[-5],
        language=parts[-4],
        number=parts[-3],
        job=parts[-2],
        tracking_id=tracking_id.normalize(last),
        extension=path.suffix,
    )


def try_parse(name: str) -> AgencyName | None:
    try:
        return parse(name)
    except BadName:
        return None


def same_market(a: AgencyName, country: str, language: str) -> bool:
    """Country and language compare case-insensitively (``DE_de`` is ``de_DE``)."""
    return a.country.casefold() == country.casefold() and (
        a.language.casefold() == language.casefold()
    )


def with_tracking_id(name: str, tid: str) -> str:
    """``name`` itself when it already ends with ``tid``, else ``<stem>_<tid><ext>``."""
    path = PurePath(name)
    if tracking_id.normalize(path.stem.split("_")[-1]) == tid:
        return name
    return f"{path.stem}_{tid}{path.suffix}"


def set_aside_name(name: str, box_file_id: str) -> str:
    """``<stem> (<box file id>)<ext>``: the name of a second file of one name set aside.

    Box-valid whatever the length: the stem is shortened, never the tracking ID that
    ends it (damaged or not, it is what the operator looks for), the ID or the extension.
    """
    stem, ext = box_names.split_extension(name)
    head, sep, last = stem.rpartition("_")
    keep = sep + last if sep and looks_like_tracking_id(last) else ""
    if keep:
        stem = head
    return box_names.fit(stem, f"{keep} ({box_file_id}){ext}", fallback="")
