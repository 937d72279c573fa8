"""Why a file was set aside or reported, and how a person reads that beside its name.

A reason is stored without the file's name: the name has its own field (``file_name``,
an event's ``file``). ``line`` puts the two together, once, for the file's Box
description; the mails and the report print the name and then the reason. Reasons
written before this carried the name in front (``X.mp4: the tracking ID …``), so they
were shown as ``X.mp4: X.mp4: …``; ``bare`` takes that prefix off wherever they are read.
"""

from __future__ import annotations

from ferrero_daemon.domain import odd_characters

SEPARATOR = " — "


def shown_name(name: str) -> str:
    """The name as a person should read it: escaped when it hides characters."""
    return odd_characters.shown(name) if odd_characters.hidden(name) else name


def bare(name: str, reason: str) -> str:
    """``reason`` without a leading ``<name>: `` (as typed, or as escaped), if it has one."""
    for label in (name, shown_name(name), odd_characters.shown(name)):
        if reason.startswith(prefix := f"{label}: "):
            return reason[len(prefix) :]
    return reason


def line(name: str, reason: str) -> str:
    """``name — reason``, the name once."""
    return f"{shown_name(name)}{SEPARATOR}{bare(name, reason)}"
