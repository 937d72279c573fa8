"""Characters a file name should not carry, and how to show them in a reason.

Control and format characters (``U+0000``–``U+001F``, ``U+007F``, the bidirectional
overrides such as ``U+202E`` that make ``gpj.mp4`` read ``4pm.jpg``, zero-width spaces),
unassigned and private-use code points and lone surrogates: none of them is visible in
Box, in the DAM or in a mail, so a name carrying one is never what it looks like.
Letters, marks and symbols of any script (Arabic, Hebrew, combining accents) are fine.
"""

from __future__ import annotations

import unicodedata

_HIDDEN = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})


def hidden(text: str) -> list[str]:
    """The invisible characters of ``text``, each once, as ``U+202E RIGHT-TO-LEFT OVERRIDE``."""
    found = dict.fromkeys(ch for ch in text if unicodedata.category(ch) in _HIDDEN)
    return [code_point(ch) for ch in found]


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}".rstrip()


def shown(text: str) -> str:
    """``text`` quoted, with anything outside printable ASCII escaped (``'D\\u0301E'``)."""
    return ascii(text)
