"""Tracking IDs: short, case-insensitive, self-checking.

A tracking ID is 8 random symbols of Crockford's base-32 alphabet (digits and
capitals without I, L, O, U) followed by one check symbol computed with the Luhn
mod-32 algorithm. It catches every single mistyped symbol and almost every swap of
two neighbours, so an agency's typo is refused instead of filed under the wrong
master. Reading is forgiving the way Crockford intends: lower case is accepted,
``O`` reads as ``0`` and ``I``/``L`` as ``1``.

    >>> tid = mint(bytes(8))
    >>> tid, is_valid(tid.lower())
    ('000000000', True)
"""

from __future__ import annotations

import os
from collections.abc import Callable

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 8
LENGTH = BODY_LENGTH + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_symbol(body: str) -> str:
    """Luhn mod 32 over ``body`` (already normalised)."""
    total, factor = 0, 2
    for ch in reversed(body):
        addend = factor * _VALUE[ch]
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def mint(random_bytes: Callable[[int], bytes] | bytes = os.urandom) -> str:
    """A new tracking ID from 40 random bits (pass bytes to make it deterministic)."""
    raw = random_bytes if isinstance(random_bytes, bytes) else random_bytes(BODY_LENGTH)
    body = "".join(ALPHABET[b % 32] for b in raw[:BODY_LENGTH])
    return body + check_symbol(body)


def normalize(text: str) -> str:
    """Upper-case and read look-alikes the Crockford way; does not validate."""
    return text.strip().upper().translate(_READ_AS)


def is_valid(text: str) -> bool:
    tid = normalize(text)
    if len(tid) != LENGTH or any(ch not in _VALUE for ch in tid):
        return False
    return check_symbol(tid[:-1]) == tid[-1]
