"""Failure reasons an operator can act on: what failed, why, and what to do next.

A workflow takes its items one by one (campaigns, masters, files, scores); a remote
that fails one item is that item's failure in the run report, in one wording
(``failure_reason``), and the run goes on with the next (``attempt``).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from ferrero_daemon.errors import FerreroError, PermanentError, TransientError
from ferrero_daemon.jobs import RunReport

T = TypeVar("T")
RemoteError = TransientError | PermanentError


def failure_reason(exc: BaseException, what: str) -> str:
    """``"<what>: <error> (<hint>; the next run retries it)"``; unexpected errors name their type."""
    if isinstance(exc, FerreroError):
        return f"{what}: {exc} ({exc.hint}; the next run retries it)"
    return (
        f"{what}: unexpected error {type(exc).__name__}: {exc} (the next run retries; see the log)"
    )


async def attempt(report: RunReport, item: str, what: str, step: Awaitable[T]) -> T | None:
    """Await one item's ``step``: when a remote fails it, the failure is ``item``'s in
    ``report`` and the answer is None; the run goes on with the next item."""
    try:
        return await step
    except (TransientError, PermanentError) as exc:
        report.fail(item, failure_reason(exc, what))
        return None
