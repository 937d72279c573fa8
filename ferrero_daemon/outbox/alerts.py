"""Problems are mailed once per change, not once per run.

A scope (a job, the backups) has a current set of problems. When the set changes, one
mail goes to the error recipients; while it stays the same, nothing more; when it
becomes empty, one "resolved" mail. ``decide`` is the pure rule.

Exactly once: the scope's state (``workflow_state``: the fingerprint of its problems
and a sequence number) and the mail are written in one transaction, the state row
held while deciding. The mail's key is the scope and that sequence number, never a
clock reading: a crash before the commit leaves neither, so the next run mails it;
a repeat after the commit finds the fingerprint and stays quiet. Each mail names
where the problem was seen (``Origin``): host, job, run and time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Literal

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Email, Notifier
from ferrero_daemon.config import Config
from ferrero_daemon.domain.local_time import local_label
from ferrero_daemon.domain.mails import AlertMail
from ferrero_daemon.store.state import StateStore

Decision = Literal["raise", "change", "resolve", "quiet"]
_KEY = "alert"
_SUBJECTS = {"raise": "Problem", "change": "Problem changed", "resolve": "Resolved"}


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
class Origin:
    """Where and when the problems were seen: every alert mail says so."""

    host: str
    job: str
    run_id: str | None
    at: datetime
    zone: tzinfo

    @classmethod
    def of_run(cls, config: Config, job: str, run_id: str | None, at: datetime) -> Origin:
        """This host (``[runtime] instance_name``, else its name) and the configured zone."""
        return cls(config.instance, job, run_id, at, config.settings.zone)

    def context(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "job": self.job,
            "run_id": self.run_id or "",
            "at": local_label(self.at, self.zone),
            "at_iso": self.at.astimezone(self.zone).isoformat(timespec="seconds"),
            "zone": str(self.zone),
        }


def alert_key(scope: str, sequence: int, current: str | None) -> str:
    return f"alert:{scope}:{sequence}:{current or 'resolved'}"


@dataclass(frozen=True)
class Alerts:
    db: Database
    notifier: Notifier

    async def update(
        self, scope: str, title: str, problems: Sequence[str], origin: Origin
    ) -> Decision:
        """Record the scope's current problems; mail the error recipients if they changed."""
        async with self.db.transaction() as tx:
            state = StateStore(tx)
            stored = await state.get_for_update(scope, _KEY) or {}
            decision = decide(stored.get("fingerprint"), problems)
            if decision == "quiet":
                return decision
            sequence = int(stored.get("sequence", 0)) + 1
            current = fingerprint(problems) if problems else None
            await state.put(
                scope,
                _KEY,
                {"fingerprint": current, "sequence": sequence, **origin.context()},
            )
            mail = _mail(scope, title, problems, decision, origin)
            await self.notifier.within(tx).email(alert_key(scope, sequence, current), mail)
        return decision


def _mail(
    scope: str, title: str, problems: Sequence[str], decision: Decision, origin: Origin
) -> Email:
    context = AlertMail(
        scope=scope,
        title=title,
        problems=sorted(set(problems)),
        decision=decision,
        **origin.context(),
    )
    return Email(to="errors", subject=f"{_SUBJECTS[decision]}: {title}", context=context)
