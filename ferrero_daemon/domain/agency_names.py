"""The agencies' file names: ``Brand_Country_Language_<number>_<job>_<TRACKING>.<ext>``.

Read from the right, because a brand may itself contain underscores
(``Kinder_Bueno_DE_de_123_OMG999_7K3M9QX2A.mp4``). The tracking ID is the last
segment and carries a check character, so a typo is refused with a reason an
operator can act on instead of being filed under the wrong master. What is refused,
and why (each a ``NameProblem``; the file is set aside with the reason):

- no tracking ID, or one buried elsewhere in the name;
- a *damaged* tracking ID: the tracking-ID place (after ``<number>_<job>_``) holds
  something close to an ID but not one (a dropped or added character, a letter Crockford
  never uses, a non-ASCII look-alike such as a Turkish ``ı``), or an ID that fails its
  check character;
- a country that is not ISO 3166-1 alpha-2 or a language that is not ISO 639-1
  (``market_codes.py``; ``D\u0301E`` is not ``DE``), a ``<number>`` that is not ASCII digits;
- invisible characters anywhere (``odd_characters.py``: ``U+202E`` and friends);
- two extensions (``…_<ID>.mp4.mov``).

Files an operating system leaves behind (``._*`` AppleDouble companions, ``.DS_Store``,
``Thumbs.db``…) are not agency names at all: ``system_file`` says which they are. The
``<number>`` is the campaign number; ``campaign_mismatch`` compares it with the
campaign of the tracking ID's master.

    >>> parse("Nutella_DE_de_123_OMG999_000000000.mp4").country
    'DE'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath

from ferrero_daemon.domain import box_names, market_codes, odd_characters, tracking_id

_SEGMENTS = 6  # brand, country, language, number, job, tracking ID


class NameProblem(StrEnum):
    """Why a file cannot be taken; the value is the code stored in ``attention_items``."""

    NO_TRACKING_ID = "no_tracking_id"
    BAD_CHECK_CHARACTER = "bad_check_character"
    DAMAGED_TRACKING_ID = "damaged_tracking_id"
    UNPARSEABLE = "unparseable_name"
    BAD_COUNTRY = "bad_country"
    BAD_LANGUAGE = "bad_language"
    HIDDEN_CHARACTERS = "hidden_characters"
    FORBIDDEN_CHARACTERS = "forbidden_characters"
    DOUBLE_EXTENSION = "double_extension"


_EXPLAIN = {
    NameProblem.NO_TRACKING_ID: (
        "the name carries no tracking ID; expected "
        "Brand_Country_Language_<number>_<job>_<TRACKING>.<ext>"
    ),
    NameProblem.BAD_CHECK_CHARACTER: (
        "the tracking ID {tid} fails its check character (a typo?); copy the ID from "
        "the master's file name"
    ),
    NameProblem.DAMAGED_TRACKING_ID: (
        "the tracking ID {tid} is damaged ({detail}); copy the ID from the master's file name"
    ),
    NameProblem.UNPARSEABLE: (
        "the name does not follow Brand_Country_Language_<number>_<job>_<TRACKING>.<ext> "
        "(<number> in digits)"
    ),
    NameProblem.BAD_COUNTRY: (
        "{tid} is not a country code (ISO 3166-1 alpha-2, two letters such as DE, FR, GB); "
        "rename the file with its market's code"
    ),
    NameProblem.BAD_LANGUAGE: (
        "{tid} is not a language code (ISO 639-1, two letters such as de, fr, en); "
        "rename the file with its language's code"
    ),
    NameProblem.HIDDEN_CHARACTERS: (
        "the name contains invisible characters ({detail}), so it is not what it looks "
        "like; rename the file"
    ),
    NameProblem.FORBIDDEN_CHARACTERS: (
        "the name contains {detail}, which Box does not allow in a name; rename the file"
    ),
    NameProblem.DOUBLE_EXTENSION: (
        "the name has two extensions ({detail}); rename it with the one that says what the file is"
    ),
}


class BadName(ValueError):
    """A file name an agency sent that cannot be read; ``str()`` says what to fix."""

    def __init__(self, problem: NameProblem, name: str, tid: str = "", detail: str = "") -> None:
        self.problem = problem
        self.name = name
        label = odd_characters.shown(name) if odd_characters.hidden(name) else name
        super().__init__(f"{label}: {_EXPLAIN[problem].format(tid=tid, detail=detail)}")


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
    """Shaped like a tracking ID (length and alphabet), whether or not it checks.

    ASCII only: ``upper()`` turns a Turkish ``ı`` into ``I`` (read as ``1``) and ``ſ``
    into ``S``, and an ID typed with look-alikes is damaged, not another ID.
    """
    tid = tracking_id.normalize(segment)
    return (
        segment.isascii()
        and len(tid) == tracking_id.LENGTH
        and all(ch in tracking_id.ALPHABET for ch in tid)
    )


def damage(segment: str) -> str | None:
    """What is wrong with something in the tracking-ID place that is nearly an ID."""
    tid = tracking_id.normalize(segment)
    if not segment.isalnum() or abs(len(tid) - tracking_id.LENGTH) > 2:
        return None  # not an attempt at an ID: a job number, a word
    if not segment.isascii():
        odd = "".join(dict.fromkeys(ch for ch in segment if not ch.isascii()))
        return f"{odd!r} is not a tracking-ID character; IDs are plain ASCII letters and digits"
    if len(tid) != tracking_id.LENGTH:
        return f"{len(tid)} characters where a tracking ID has {tracking_id.LENGTH}"
    odd = "".join(dict.fromkeys(ch for ch in tid if ch not in tracking_id.ALPHABET))
    return f"{odd!r} never appears in a tracking ID" if odd else None


def _is_number(segment: str) -> bool:
    return segment.isascii() and segment.isdigit()


def _in_tracking_place(parts: list[str]) -> bool:
    """Brand_Country_Language_<number>_<job>_<here>: the last segment is where the ID goes."""
    return len(parts) >= _SEGMENTS and _is_number(parts[-3]) and all(parts[-5:-1])


def _check_tracking_id(name: str, parts: list[str]) -> str:
    last = parts[-1]
    if looks_like_tracking_id(last):
        if not tracking_id.is_valid(last):
            raise BadName(NameProblem.BAD_CHECK_CHARACTER, name, tracking_id.normalize(last))
        return tracking_id.normalize(last)
    head, dot, ext = last.partition(".")
    if dot and looks_like_tracking_id(head):
        raise BadName(NameProblem.DOUBLE_EXTENSION, name, detail=f".{ext}{PurePath(name).suffix}")
    if _in_tracking_place(parts) and (why := damage(last)) is not None:
        raise BadName(NameProblem.DAMAGED_TRACKING_ID, name, odd_characters.shown(last), why)
    buried = any(looks_like_tracking_id(p) for p in parts[:-1])
    raise BadName(NameProblem.UNPARSEABLE if buried else NameProblem.NO_TRACKING_ID, name)


def _check_market(name: str, country: str, language: str) -> None:
    if not market_codes.is_country(country):
        raise BadName(NameProblem.BAD_COUNTRY, name, odd_characters.shown(country))
    if not market_codes.is_language(language):
        raise BadName(NameProblem.BAD_LANGUAGE, name, odd_characters.shown(language))


def parse(name: str) -> AgencyName:
    """Read an agency file name; ``BadName`` says which problem it has (``NameProblem``)."""
    if hidden := odd_characters.hidden(name):
        raise BadName(NameProblem.HIDDEN_CHARACTERS, name, detail=", ".join(hidden))
    if slashes := [ch for ch in "/\\" if ch in name]:
        raise BadName(NameProblem.FORBIDDEN_CHARACTERS, name, detail=" and ".join(slashes))
    path = PurePath(name.strip())
    parts = path.stem.split("_")
    tid = _check_tracking_id(name, parts)
    if len(parts) < _SEGMENTS or not all(parts) or not _is_number(parts[-3]):
        raise BadName(NameProblem.UNPARSEABLE, name)
    _check_market(name, parts[-5], parts[-4])
    return AgencyName(
        brand="_".join(parts[:-5]),
        country=parts[-5],
        language=parts[-4],
        number=parts[-3],
        job=parts[-2],
        tracking_id=tid,
        extension=path.suffix,
    )


def campaign_mismatch(name: AgencyName, campaign_number: str) -> str | None:
    """Why the name's ``<number>`` is not the campaign of its master (None: it is).

    Compared as digits, leading zeros aside (``05001`` is ``5001``; a campaign numbered
    ``FER-5001`` is ``5001``). A campaign with no digits in its number cannot be compared
    and is not refused. A mismatch is never settled by guessing: the ID may have been
    copied from another campaign's master, or the number mistyped, so the file is set
    aside for a person to say which.
    """
    digits = "".join(ch for ch in campaign_number if ch.isascii() and ch.isdigit())
    if not digits or name.number.lstrip("0") == digits.lstrip("0"):
        return None
    return (
        f"the name says campaign {name.number}, but tracking ID {name.tracking_id} belongs "
        f"to a master of campaign {campaign_number}; correct the campaign number in the "
        "name, or the tracking ID if it was copied from another campaign's file"
    )


# Files operating systems write next to the real ones (lower case; ``~$…`` and ``._…``
# are prefixes). Never an agency's delivery, whatever the rest of the name says.
_SYSTEM_FILES = {
    ".ds_store": "a macOS Finder settings file (.DS_Store)",
    ".localized": "a macOS folder-name file (.localized)",
    ".apdisk": "a macOS disk file (.apdisk)",
    "thumbs.db": "a Windows thumbnail cache (Thumbs.db)",
    "ehthumbs.db": "a Windows thumbnail cache (ehthumbs.db)",
    "desktop.ini": "a Windows folder settings file (desktop.ini)",
}
_SYSTEM_PREFIXES = {
    "._": "a macOS AppleDouble companion (._ file) holding another file's Finder data",
    "~$": "a Microsoft Office lock file (~$)",
    ".~lock.": "a LibreOffice lock file (.~lock.)",
}


def system_file(name: str) -> str | None:
    """What kind of operating-system file ``name`` is, or None for anything else."""
    if name == "Icon\r":
        return "a macOS custom folder icon (Icon\\r)"
    key = name.strip().casefold()
    if key in _SYSTEM_FILES:
        return _SYSTEM_FILES[key]
    return next((what for p, what in _SYSTEM_PREFIXES.items() if key.startswith(p)), None)


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
