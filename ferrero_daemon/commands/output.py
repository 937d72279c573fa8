"""What a command prints: a JSON document that is alone on stdout, or text.

With ``--json`` the command runs with ``sys.stdout`` pointed at stderr, so nothing a
library or a stray ``print`` writes can spoil the document; ``document`` writes to the
real stdout, once. ``error`` is the document of a command that failed.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import IO, Any

_stdout: list[IO[str]] = []
_written: list[bool] = []


@contextlib.contextmanager
def json_mode(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    _stdout.append(sys.stdout)
    _written.append(False)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        _stdout.pop()
        _written.pop()


def active() -> bool:
    return bool(_stdout)


def document(data: Any) -> None:
    """The one JSON document of a ``--json`` command, on the real stdout."""
    stream = _stdout[-1] if _stdout else sys.stdout
    if _written:
        _written[-1] = True
    stream.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    stream.flush()


def error(message: str, kind: str, code: int) -> None:
    """On failure with ``--json``: ``{"error": {"message", "kind", "exit_code"}}``."""
    if active() and not _written[-1]:
        document({"error": {"message": message, "kind": kind, "exit_code": code}})
