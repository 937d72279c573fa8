"""Failure reasons an operator can act on: what failed, why, and what to do next."""

from __future__ import annotations

from ferrero_daemon.errors import (
    AuthError,
    ConflictError,
    DryRunRefused,
    FerreroError,
    IntegrityError,
    NotFoundError,
    PermanentError,
    TransientError,
)

_HINTS: tuple[tuple[type[BaseException], str], ...] = (
    (TransientError, "temporary; the next run retries it"),
    (AuthError, "credentials refused: run `ferrero-daemon check`; the next run retries it"),
    (ConflictError, "resolve the conflict in Box or OTMM; the next run retries it"),
    (IntegrityError, "the bytes did not check out; the next run sends them again"),
    (
        NotFoundError,
        "gone from the DAM or Box, or a configured id is wrong; the next run retries it",
    ),
    (PermanentError, "fix it in OTMM or Box; the next run retries it"),
    (DryRunRefused, "a dry run tried to change something: a bug, please report it"),
)


def failure_reason(exc: BaseException, what: str) -> str:
    """``"<what>: <error> (<hint>)"``; unexpected errors name their type."""
    message = str(exc) if isinstance(exc, FerreroError) else f"{type(exc).__name__}: {exc}"
    for kind, hint in _HINTS:
        if isinstance(exc, kind):
            return f"{what}: {message} ({hint})"
    return f"{what}: unexpected error {message} (the next run retries; see the log)"
