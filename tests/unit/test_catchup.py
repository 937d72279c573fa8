from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ferrero_daemon.cron import LocalCronTrigger
from ferrero_daemon.runtime.catchup import catch_up
from ferrero_daemon.store.runs import FinishedRun

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ROME)
POLL = LocalCronTrigger("*/5 * * * *", ROME)
BACKUP = LocalCronTrigger("0 2 * * *", ROME)


def last(started: datetime, outcome: str = "succeeded") -> FinishedRun:
    return FinishedRun(
        "backup_daily", "r1", "schedule", started, started + timedelta(minutes=3), outcome, None
    )


def test_a_poll_runs_once_at_start() -> None:
    assert catch_up(POLL, last(NOW - timedelta(minutes=1)), NOW, paused=False) == "startup"
    assert catch_up(POLL, None, NOW, paused=False) == "startup"


def test_a_backup_missed_during_downtime_runs_at_once() -> None:
    yesterday = datetime(2026, 11, 30, 2, 0, tzinfo=ROME)
    assert catch_up(BACKUP, last(yesterday), NOW, paused=False) == "catchup"


def test_a_monthly_backup_missed_weeks_ago_still_runs_at_once() -> None:
    monthly = LocalCronTrigger("0 3 1 * *", ROME)  # a weekly job an operator made monthly
    down_since = datetime(2026, 10, 28, 3, 0, tzinfo=ROME)  # missed 1 November
    assert catch_up(
        monthly, last(down_since), datetime(2026, 11, 20, tzinfo=ROME), paused=False
    ) == ("catchup")
    ran = datetime(2026, 11, 1, 3, 0, 5, tzinfo=ROME)
    assert catch_up(monthly, last(ran), datetime(2026, 11, 20, tzinfo=ROME), paused=False) is None


def test_a_backup_that_ran_at_its_time_is_not_repeated() -> None:
    today = datetime(2026, 12, 1, 2, 0, 1, tzinfo=ROME)
    assert catch_up(BACKUP, last(today), NOW, paused=False) is None


def test_an_interrupted_run_runs_again_and_a_new_job_waits_for_its_time() -> None:
    today = datetime(2026, 12, 1, 2, 0, 1, tzinfo=ROME)
    assert catch_up(BACKUP, last(today, "interrupted"), NOW, paused=False) == "catchup"
    assert catch_up(BACKUP, None, NOW, paused=False) is None


def test_a_paused_job_is_not_caught_up() -> None:
    assert catch_up(POLL, None, NOW, paused=True) is None
    assert catch_up(BACKUP, last(NOW - timedelta(days=3), "interrupted"), NOW, paused=True) is None
