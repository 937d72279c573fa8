"""Problems are mailed once per change, not once per run.

A scope (a job, a workflow, the backups) has a current set of problems. When the set
changes, one mail goes to the error recipients; while it stays the same, nothing more;
when it becomes empty, one "resolved" mail. The last state lives in
``workflow_state`` so a restart does not mail again. ``decide`` is the pure rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ferrero_daemon.clients.types import Email, Notifier
from ferrero_daemon.store.state import StateStore

Decision = Literal["raise", "change", "resolve", "quiet"]
_KEY = "alert"


def fingerprint(problems: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(set(problems))).encode()).hexdigest()[:16]


def decide(previous: str | None, problems: Sequence[str]) -> Decision:
    if not problems:
        return "resolve" if previous else "quiet"
    current = fingerprint(problems)
    if previous is None:
        return "raise"
    return "quiet" if previous == current else "change"


@dataclass(frozen=True)
class Alerts:
    state: StateStore
    notifier: Notifier

    async def update(
        self, scope: str, title: str, problems: Sequence[str], now: datetime
    ) -> Decision:
        """Record the scope's current problems; mail the error recipients if they changed."""
        stored = await self.state.get(scope, _KEY)
        previous = stored["fingerprint"] if stored else None
        decision = decide(previous, problems)
        if decision == "quiet":
            return decision
        if decision == "resolve":
            await self.state.delete(scope, _KEY)
            subject = f"Resolved: {title}"
            key = f"alert:{scope}:resolved:{previous}:{now.isoformat()}"
        else:
            current = fingerprint(problems)
            await self.state.put(scope, _KEY, {"fingerprint": current, "since": now.isoformat()})
            subject = f"{'Problem' if decision == 'raise' else 'Problem changed'}: {title}"
            key = f"alert:{scope}:{current}:{now.isoformat()}"
        context = {
            "scope": scope,
            "title": title,
            "problems": sorted(set(problems)),
            "decision": decision,
        }
        await self.notifier.email(
            key, Email(to="errors", subject=subject, template="alert", context=context)
        )
        return decision
