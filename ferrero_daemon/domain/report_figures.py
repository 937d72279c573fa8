"""The daily report's figures: pure functions from the day's rows to numbers.

An *asset* is what an event names (its tracking ID, else its Box file, else its DAM
asset). Within a workflow and a day, an asset counts once: as a success when its last
decisive event (``ok`` or ``failed``) went through, as a failure otherwise, so an
asset that failed at 10:00 and went through on the retry at 10:05 is one success.
Campaign-level events (a status change) name no asset and count only the campaign.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

WORKFLOWS: tuple[tuple[str, str], ...] = (
    ("a1_a2", "A1→A2 local masters to the agencies"),
    ("b1_b2", "B1→B2 global masters"),
    ("a2_a3", "A2→A3 agency versions into the DAM"),
    ("a5_a6", "A5→A6 rejections back to the agencies"),
    ("creativex", "CreativeX scorecards"),
)
NO_REASON = "no reason recorded"


@dataclass(frozen=True)
class EventRow:
    workflow: str
    outcome: str  # ok | failed
    campaign_id: str | None
    asset: str | None
    reason: str | None


@dataclass(frozen=True)
class RunRow:
    job: str
    outcome: str
    error: str | None


@dataclass(frozen=True)
class Reason:
    reason: str
    count: int


@dataclass(frozen=True)
class WorkflowFigures:
    workflow: str
    label: str
    campaigns: int
    assets: int
    succeeded: int
    failed: int
    runs: int
    failed_runs: int
    reasons: tuple[Reason, ...]

    @property
    def success_rate(self) -> float | None:
        """Share of assets that went through; None on a day without any."""
        return self.succeeded / self.assets if self.assets else None


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The day in the configured zone, as an instant range [start, end)."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def _outcomes(events: Iterable[EventRow]) -> dict[str, str]:
    last: dict[str, str] = {}
    for event in events:  # in time order: the last decisive event wins
        if event.asset is not None:
            last[event.asset] = event.outcome
    return last


def _reasons(events: Iterable[EventRow], runs: Iterable[RunRow]) -> tuple[Reason, ...]:
    counts: Counter[str] = Counter()
    for event in events:
        if event.outcome == "failed":
            counts[(event.reason or NO_REASON).strip()] += 1
    for run in runs:
        if run.outcome == "failed":
            counts[f"run failed: {(run.error or NO_REASON).strip()}"] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(Reason(reason, count) for reason, count in ranked)


def workflow_figures(
    workflow: str, label: str, events: Sequence[EventRow], runs: Sequence[RunRow]
) -> WorkflowFigures:
    mine = [e for e in events if e.workflow == workflow]
    my_runs = [r for r in runs if r.job == workflow]
    outcomes = _outcomes(mine)
    succeeded = sum(1 for outcome in outcomes.values() if outcome == "ok")
    return WorkflowFigures(
        workflow=workflow,
        label=label,
        campaigns=len({e.campaign_id for e in mine if e.campaign_id}),
        assets=len(outcomes),
        succeeded=succeeded,
        failed=len(outcomes) - succeeded,
        runs=len(my_runs),
        failed_runs=sum(1 for r in my_runs if r.outcome == "failed"),
        reasons=_reasons(mine, my_runs),
    )


def all_workflows(events: Sequence[EventRow], runs: Sequence[RunRow]) -> list[WorkflowFigures]:
    return [workflow_figures(name, label, events, runs) for name, label in WORKFLOWS]


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f} %"
