"""The daily report's counting rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ferrero_daemon.domain.report_figures import (
    EventRow,
    Reason,
    RunRow,
    day_bounds,
    percent,
    workflow_figures,
)


def ev(
    outcome: str, asset: str | None, reason: str | None = None, campaign: str = "c1"
) -> EventRow:
    return EventRow("a1_a2", outcome, campaign, asset, reason)


def test_an_asset_that_failed_then_went_through_counts_once_as_a_success() -> None:
    events = [
        ev("failed", "T1", "Box 503"),
        ev("ok", "T1"),
        ev("ok", "T2"),
        ev("failed", "T3", "DAM 404"),
    ]
    figures = workflow_figures("a1_a2", "A1→A2", events, [])
    assert (figures.assets, figures.succeeded, figures.failed) == (3, 2, 1)
    assert percent(figures.success_rate) == "67 %"
    assert figures.reasons == (Reason("Box 503", 1), Reason("DAM 404", 1))


def test_campaign_events_count_campaigns_not_assets_and_failed_runs_give_reasons() -> None:
    events = [ev("ok", None, campaign="c1"), ev("ok", "T1", campaign="c2")]
    runs = [
        RunRow("a1_a2", "failed", "DAM unreachable"),
        RunRow("a1_a2", "succeeded", None),
        RunRow("b1_b2", "failed", "x"),
    ]
    figures = workflow_figures("a1_a2", "A1→A2", events, runs)
    assert (figures.campaigns, figures.assets, figures.runs, figures.failed_runs) == (2, 1, 2, 1)
    assert figures.reasons == (Reason("run failed: DAM unreachable", 1),)


def test_a_quiet_day_has_no_success_rate() -> None:
    figures = workflow_figures("a5_a6", "A5→A6", [], [])
    assert figures.success_rate is None and percent(figures.success_rate) == "–"


def test_the_day_is_the_local_day_even_on_the_fall_back_night() -> None:
    start, end = day_bounds(date(2026, 10, 25), ZoneInfo("Europe/Rome"))
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 25 * 3600
    assert start == datetime.fromisoformat("2026-10-25T00:00:00+02:00")
