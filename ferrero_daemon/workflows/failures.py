"""Failure reasons an operator can act on: what failed, why, and what to do next."""

from __future__ import annotations

from ferrero_daemon.errors import FerreroError


def failure_reason(exc: BaseException, what: str) -> str:
    """``"<what>: <error> (<hint>; the next run retries it)"``; unexpected errors name their type."""
    if isinstance(exc, FerreroError):
        return f"{what}: {exc} ({exc.hint}; the next run retries it)"
    return (
        f"{what}: unexpected error {type(exc).__name__}: {exc} (the next run retries; see the log)"
    )
