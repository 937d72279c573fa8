"""The report's figures: pure rules from a period's records to numbers.

Each thing is counted once, by its own identity, from its own records (the query
``report_things`` picks the records; ``KINDS`` says what each kind is):

- a master delivered is a ``master_assets`` row (its tracking ID);
- a new DAM asset is an imported derivative (its DAM asset), a new version is one
  DAM asset at one version: three markets of one master are three assets;
- a rejection returned is one ``rejection_sent`` record;
- a scorecard is one CreativeX PDF (its SHA-256), whatever else it caused;
- an item set aside is one Box file in ``attention_items``.

Failures come from the runs (``job_runs.failures``): an item counts as *failed* when
the workflow's last run of the period still failed on it; one that failed earlier and
not on the last run *recovered* (it went through, or is no longer there). A run that
stopped with an error is a *failed run*. The success rate is what went through
against what went through plus what is still failing; set-aside files are shown on
their own and are not failures of the daemon.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

WORKFLOWS: tuple[tuple[str, str], ...] = (
    ("a1_a2", "A1→A2 local masters to the agencies"),
    ("b1_b2", "B1→B2 global masters"),
    ("a2_a3", "A2→A3 agency versions into the DAM"),
    ("a5_a6", "A5→A6 rejections back to the agencies"),
    ("creativex", "CreativeX scorecards"),
)
# What each workflow does, in the order the report lists it: these add up to "done".
DONE: Mapping[str, tuple[str, ...]] = {
    "a1_a2": ("masters_delivered",),
    "b1_b2": ("masters_delivered",),
    "a2_a3": ("new_assets", "new_versions"),
    "a5_a6": ("rejections_returned",),
    "creativex": ("scorecards_scored",),
}
# Also shown, not part of "done".
NOTED: Mapping[str, tuple[str, ...]] = {
    "a1_a2": ("campaigns_moved",),
    "b1_b2": ("campaigns_moved",),
    "a2_a3": ("campaigns_moved", "without_score"),
    "a5_a6": ("campaigns_moved",),
    "creativex": (),
}
KINDS: Mapping[str, str] = {
    "masters_delivered": "master(s) delivered",
    "new_assets": "new DAM asset(s)",
    "new_versions": "new version(s)",
    "rejections_returned": "rejection(s) returned",
    "scorecards_scored": "scorecard(s) scored",
    "campaigns_moved": "campaign(s) moved on",
    "without_score": "without a CreativeX score",
    "set_aside": "set aside",
}
ASSET_KINDS = ("masters_delivered", "new_assets", "new_versions")
NO_REASON = "no reason recorded"
_REPORTED = frozenset({"succeeded", "partial", "failed"})


@dataclass(frozen=True)
class Thing:
    """One record of one thing: ``key`` is the thing's identity within its kind."""

    workflow: str
    kind: str
    key: str


@dataclass(frozen=True)
class Failure:
    item: str
    reason: str


@dataclass(frozen=True)
class RunRow:
    """A finished real run, in start order."""

    job: str
    outcome: str
    error: str | None
    failures: tuple[Failure, ...] = ()

    @property
    def stopped(self) -> bool:
        """The run raised: it reported no items."""
        return self.outcome == "failed" and self.error is not None

    @property
    def reported(self) -> bool:
        return self.outcome in _REPORTED and not self.stopped


@dataclass(frozen=True)
class Reason:
    reason: str
    count: int


@dataclass(frozen=True)
class WorkflowFigures:
    workflow: str
    label: str
    counts: Mapping[str, int]  # every kind in DONE and NOTED of the workflow, and set_aside
    failing: tuple[Failure, ...] = ()
    recovered: int = 0
    runs: int = 0
    run_errors: tuple[Reason, ...] = ()

    @property
    def done(self) -> int:
        return sum(self.counts[kind] for kind in DONE[self.workflow])

    @property
    def failed(self) -> int:
        return len(self.failing)

    @property
    def set_aside(self) -> int:
        return self.counts["set_aside"]

    @property
    def failed_runs(self) -> int:
        return sum(r.count for r in self.run_errors)

    @property
    def success_rate(self) -> float | None:
        return rate(self.done, self.failed)


@dataclass(frozen=True)
class Totals:
    done: int
    failed: int
    set_aside: int
    assets: int
    campaigns: int

    @property
    def success_rate(self) -> float | None:
        return rate(self.done, self.failed)


@dataclass(frozen=True)
class Figures:
    workflows: tuple[WorkflowFigures, ...]
    totals: Totals
    campaigns: frozenset[str] = field(default_factory=frozenset)


def rate(done: int, failed: int) -> float | None:
    """Share that went through; None when nothing was attempted."""
    return done / (done + failed) if done + failed else None


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def distinct(things: Iterable[Thing]) -> dict[tuple[str, str], set[str]]:
    """The keys of each (workflow, kind): a thing recorded twice is one thing."""
    found: dict[tuple[str, str], set[str]] = {}
    for thing in things:
        found.setdefault((thing.workflow, thing.kind), set()).add(thing.key)
    return found


def still_failing(runs: Sequence[RunRow]) -> tuple[Failure, ...]:
    """The failures of the last run that reported its items (one per item)."""
    last = next((r for r in reversed(runs) if r.reported), None)
    if last is None:
        return ()
    by_item = {f.item: f for f in last.failures}
    return tuple(by_item[item] for item in sorted(by_item))


def recovered(runs: Sequence[RunRow], failing: Iterable[Failure]) -> int:
    now_failing = {f.item for f in failing}
    seen = {f.item for r in runs for f in r.failures}
    return len(seen - now_failing)


def run_errors(runs: Iterable[RunRow]) -> tuple[Reason, ...]:
    counts = Counter((r.error or NO_REASON).strip() for r in runs if r.stopped)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(Reason(reason, count) for reason, count in ranked)


def workflow_figures(
    workflow: str,
    label: str,
    found: Mapping[tuple[str, str], set[str]],
    runs: Sequence[RunRow],
) -> WorkflowFigures:
    kinds = (*DONE[workflow], *NOTED[workflow], "set_aside")
    counts = {kind: len(found.get((workflow, kind), ())) for kind in kinds}
    mine = [r for r in runs if r.job == workflow]
    failing = still_failing(mine)
    return WorkflowFigures(
        workflow=workflow,
        label=label,
        counts=counts,
        failing=failing,
        recovered=recovered(mine, failing),
        runs=len(mine),
        run_errors=run_errors(mine),
    )


def figures(things: Iterable[Thing], runs: Sequence[RunRow]) -> Figures:
    found = distinct(things)
    flows = tuple(workflow_figures(name, label, found, runs) for name, label in WORKFLOWS)
    campaigns = frozenset(
        key for (_, kind), keys in found.items() if kind == "campaigns_moved" for key in keys
    )
    totals = Totals(
        done=sum(w.done for w in flows),
        failed=sum(w.failed for w in flows),
        set_aside=sum(w.set_aside for w in flows),
        assets=sum(w.counts.get(kind, 0) for w in flows for kind in ASSET_KINDS),
        campaigns=len(campaigns),
    )
    return Figures(flows, totals, campaigns)


@dataclass(frozen=True)
class Running:
    """Totals from the first day up to and including one day."""

    done: int
    assets: int
    failed: int
    by_workflow: Mapping[str, int]


def running_totals(days: Sequence[Figures]) -> list[Running]:
    """Day by day, what went through so far (``failed`` adds each day's still-failing)."""
    out: list[Running] = []
    done = assets = failed = 0
    by_workflow = dict.fromkeys(DONE, 0)
    for day in days:
        done += day.totals.done
        assets += day.totals.assets
        failed += day.totals.failed
        for w in day.workflows:
            by_workflow[w.workflow] += w.done
        out.append(Running(done, assets, failed, dict(by_workflow)))
    return out


def describe(w: WorkflowFigures) -> str:
    """``3 new DAM asset(s), 1 new version(s); 1 without a CreativeX score``."""
    done = ", ".join(f"{w.counts[k]} {KINDS[k]}" for k in DONE[w.workflow])
    noted = [f"{w.counts[k]} {KINDS[k]}" for k in NOTED[w.workflow] if w.counts[k]]
    return "; ".join([done, *noted])
