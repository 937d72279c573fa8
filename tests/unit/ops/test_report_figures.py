"""The report's counting rules: each thing once, by its own identity."""

from __future__ import annotations

from ferrero_daemon.domain.report_figures import (
    Failure,
    Reason,
    RunRow,
    Thing,
    describe,
    figures,
    percent,
    running_totals,
)


def by_name(things: list[Thing], runs: list[RunRow] | None = None) -> dict[str, object]:
    return {w.workflow: w for w in figures(things, runs or []).workflows}


def test_localised_versions_count_per_dam_asset_not_per_master() -> None:
    # Three markets of one master (one tracking ID), then a re-delivery of one of them.
    things = [
        Thing("a2_a3", "new_assets", "dam-de"),
        Thing("a2_a3", "new_assets", "dam-fr"),
        Thing("a2_a3", "new_assets", "dam-it"),
        Thing("a2_a3", "new_versions", "dam-fr v2"),
    ]
    a2 = figures(things, []).workflows[2]
    assert (a2.counts["new_assets"], a2.counts["new_versions"], a2.done) == (3, 1, 4)
    assert describe(a2) == "3 new DAM asset(s), 1 new version(s)"


def test_a_scorecard_recorded_twice_is_one_scorecard() -> None:
    things = [Thing("creativex", "scorecards_scored", "sha-1")] * 2
    (creativex,) = [w for w in figures(things, []).workflows if w.workflow == "creativex"]
    assert creativex.done == 1


def test_an_item_failing_on_the_last_run_is_failed_one_that_went_through_recovered() -> None:
    runs = [
        RunRow("a1_a2", "partial", None, (Failure("m1", "Box 503"), Failure("m2", "DAM 404"))),
        RunRow("a1_a2", "partial", None, (Failure("m2", "DAM 404 again"),)),
    ]
    things = [Thing("a1_a2", "masters_delivered", t) for t in ("m1", "m3", "m4")]
    (a1,) = [w for w in figures(things, runs).workflows if w.workflow == "a1_a2"]
    assert (a1.done, a1.failed, a1.recovered) == (3, 1, 1)
    assert a1.failing == (Failure("m2", "DAM 404 again"),)
    assert percent(a1.success_rate) == "75 %"


def test_a_run_that_stopped_is_a_failed_run_and_does_not_clear_the_failing_items() -> None:
    runs = [
        RunRow("b1_b2", "partial", None, (Failure("m9", "Box 500"),)),
        RunRow("b1_b2", "failed", "DAM unreachable"),
        RunRow("b1_b2", "interrupted", "the daemon stopped"),
        RunRow("a1_a2", "failed", "other job"),
    ]
    (b1,) = [w for w in figures([], runs).workflows if w.workflow == "b1_b2"]
    assert (b1.runs, b1.failed_runs, b1.failed) == (3, 1, 1)
    assert b1.run_errors == (Reason("DAM unreachable", 1),)


def test_set_aside_files_are_shown_but_are_not_failures() -> None:
    things = [
        Thing("a2_a3", "new_assets", "dam-1"),
        Thing("a2_a3", "set_aside", "box-7"),
        Thing("a2_a3", "set_aside", "box-7"),
    ]
    result = figures(things, [])
    assert (result.totals.set_aside, result.totals.failed) == (1, 0)
    assert result.totals.success_rate == 1.0


def test_a_quiet_period_has_no_success_rate() -> None:
    result = figures([], [])
    assert result.totals.success_rate is None and percent(result.totals.success_rate) == "–"


def test_totals_count_assets_and_distinct_campaigns_across_workflows() -> None:
    things = [
        Thing("a1_a2", "masters_delivered", "T1"),
        Thing("a1_a2", "campaigns_moved", "c1"),
        Thing("a2_a3", "campaigns_moved", "c1"),
        Thing("a2_a3", "new_versions", "dam-1 v2"),
        Thing("a5_a6", "rejections_returned", "9"),
        Thing("a5_a6", "campaigns_moved", "c2"),
    ]
    totals = figures(things, []).totals
    assert (totals.assets, totals.campaigns, totals.done) == (2, 2, 3)


def test_running_totals_add_up_day_by_day() -> None:
    day1 = figures([Thing("a1_a2", "masters_delivered", "T1")], [])
    day2 = figures(
        [Thing("b1_b2", "masters_delivered", "T2"), Thing("a1_a2", "masters_delivered", "T3")], []
    )
    first, second = running_totals([day1, day2])
    assert (first.done, second.done) == (1, 3)
    assert second.by_workflow["a1_a2"] == 2 and second.by_workflow["b1_b2"] == 1
