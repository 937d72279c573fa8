"""Which period a report covers: since the previous report, half-open, each once."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ferrero_daemon.cron import LocalCronTrigger
from ferrero_daemon.domain.local_time import local_label
from ferrero_daemon.domain.report_periods import (
    Period,
    days_of_week,
    due_periods,
    period_in_progress,
    period_of_day,
)

ROME = ZoneInfo("Europe/Rome")
AT_19 = LocalCronTrigger("0 19 * * *", ROME)


def rome(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ROME)


def test_the_period_is_the_24_hours_ending_at_the_report_time_half_open() -> None:
    period = period_of_day(AT_19, date(2026, 12, 1), ROME)
    assert period == Period(rome("2026-11-30 19:00"), rome("2026-12-01 19:00"))
    assert period.hours == 24
    assert rome("2026-11-30 19:00") in period and rome("2026-12-01 19:00") not in period


def test_the_period_over_the_night_clocks_go_back_has_25_hours() -> None:
    period = period_of_day(AT_19, date(2026, 10, 25), ROME)
    assert period is not None and period.hours == 25
    assert period.start.astimezone(ROME).utcoffset() == timedelta(hours=2)
    assert period.end.astimezone(ROME).utcoffset() == timedelta(hours=1)
    assert rome("2026-10-25 02:30").replace(fold=1) in period  # the repeated hour, both times
    assert rome("2026-10-25 02:30") in period
    assert period_of_day(AT_19, date(2026, 3, 29), ROME).hours == 23  # type: ignore[union-attr]


def test_report_alone_shows_the_period_in_progress() -> None:
    before = period_in_progress(AT_19, rome("2026-12-01 18:59"))
    after = period_in_progress(AT_19, rome("2026-12-01 19:00"))
    assert before.end == rome("2026-12-01 19:00")
    assert after == Period(rome("2026-12-01 19:00"), rome("2026-12-02 19:00"))


def test_a_yearly_schedule_still_has_periods() -> None:
    yearly = LocalCronTrigger("0 4 1 1 *", ROME)
    period = period_in_progress(yearly, rome("2026-06-10 12:00"))
    assert period == Period(rome("2026-01-01 04:00"), rome("2027-01-01 04:00"))


def test_no_period_on_a_day_without_a_report() -> None:
    sundays = LocalCronTrigger("0 19 * * 0", ROME)
    assert period_of_day(sundays, date(2026, 12, 1), ROME) is None
    assert period_of_day(sundays, date(2026, 12, 6), ROME).hours == 7 * 24  # type: ignore[union-attr]


def test_each_period_is_due_once_and_a_run_before_the_report_time_finds_none() -> None:
    last = rome("2026-12-01 19:00")
    assert due_periods(AT_19, last, rome("2026-12-02 12:00")) == []  # a test run at noon
    (due,) = due_periods(AT_19, last, rome("2026-12-02 19:00"))
    assert due == Period(last, rome("2026-12-02 19:00"))
    assert due_periods(AT_19, due.end, rome("2026-12-02 19:01")) == []


def test_after_downtime_every_missed_period_is_due_touching_end_to_start() -> None:
    last = rome("2026-10-23 19:00")
    due = due_periods(AT_19, last, rome("2026-10-26 09:30"))  # down from the 24th to the 26th
    assert [p.end for p in due] == [
        rome("2026-10-24 19:00"),
        rome("2026-10-25 19:00"),
    ]
    assert due[0].start == last and due[1].start == due[0].end
    assert [p.hours for p in due] == [24, 25]


def test_a_very_long_downtime_merges_the_oldest_periods_and_leaves_no_gap() -> None:
    last = rome("2026-01-01 19:00")
    due = due_periods(AT_19, last, rome("2026-03-01 20:00"), cap=5)
    assert len(due) == 5
    assert due[0].start == last and due[-1].end == rome("2026-03-01 19:00")
    assert all(a.end == b.start for a, b in itertools.pairwise(due))


def test_a_changed_report_time_starts_where_the_previous_report_ended() -> None:
    at_18 = LocalCronTrigger("0 18 * * *", ROME)
    (due,) = due_periods(at_18, rome("2026-12-01 19:00"), rome("2026-12-02 18:00"))
    assert due == Period(rome("2026-12-01 19:00"), rome("2026-12-02 18:00"))


def test_the_first_report_ever_covers_only_the_latest_period() -> None:
    (due,) = due_periods(AT_19, None, rome("2026-12-02 19:05"))
    assert due == Period(rome("2026-12-01 19:00"), rome("2026-12-02 19:00"))


def test_a_week_is_seven_periods_ending_with_the_chosen_one() -> None:
    last = period_of_day(AT_19, date(2026, 10, 25), ROME)
    assert last is not None
    week = days_of_week(AT_19, last)
    assert len(week) == 7 and week[-1] == last
    assert week[0].start == rome("2026-10-18 19:00")
    assert sum(p.hours for p in week) == 7 * 24 + 1


def test_times_are_shown_in_the_zone_with_its_name() -> None:
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = first + timedelta(hours=1)
    assert local_label(first, ROME) == "2026-10-25 02:30 CEST"
    assert local_label(second, ROME) == "2026-10-25 02:30 CET"


def test_a_period_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="must end after it starts"):
        Period(rome("2026-12-01 19:00"), rome("2026-12-01 19:00"))
