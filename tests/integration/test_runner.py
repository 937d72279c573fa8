from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

import pytest
import structlog
from structlog.testing import capture_logs

from ferrero_daemon import logs
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.dryrun import ReadOnlyDam, ReadOnlyDatabase, RecordingNotifier
from ferrero_daemon.clients.types import BoxClient, DamClient, ScoreExtractor
from ferrero_daemon.config import Config
from ferrero_daemon.errors import JobBusyError
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.runtime.runner import Runner
from ferrero_daemon.services import Services
from ferrero_daemon.store.runs import JobRuns
from tests.jobs import RELEASE_CHANNEL

SEEN: list[Services] = []


async def spy(services: Services, run: RunContext) -> RunReport:
    SEEN.append(services)
    report = RunReport()
    report.count("read", 3)
    return report


REGISTRY = {
    "a1_a2": "tests.jobs:hold",
    "a2_a3": "tests.jobs:quick",
    "a5_a6": "tests.jobs:fail",
    "b1_b2": "tests.jobs:partial",
    "creativex": "tests.integration.test_runner:spy",
}


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def services(
    make_config: Callable[..., Config], database: Database, notifier: RecordingNotifier
) -> Services:
    return Services(
        config=make_config(
            {"jobs": {"a1_a2": {"schedule": "*/5 * * * *", "max_duration_minutes": 0.0001}}}
        ),
        db=database,
        dam=cast(DamClient, object()),
        box=cast(BoxClient, object()),
        notifier=notifier,
        scorer=cast(ScoreExtractor, object()),
        clock=lambda: datetime.now(UTC),
    )


@pytest.fixture
def runner(services: Services) -> Runner:
    return Runner(lambda: services, REGISTRY, "test-host")


async def release(database: Database) -> None:
    async with database.connection() as conn:
        await conn.execute(f"NOTIFY {RELEASE_CHANNEL}")


async def holding(runner: Runner, job: str = "a1_a2") -> Any:
    """Start the hold job and return once it listens for its release."""
    with capture_logs() as captured:
        active = runner.start(job, "manual")
        while not any(e["event"] == "test_job_holding" for e in captured):
            await asyncio.wait({active.task}, timeout=0.01)
    return active


async def test_a_run_is_recorded_with_its_counts(runner: Runner, database: Database) -> None:
    result = await runner.run("a2_a3", "manual")
    assert result is not None and result.outcome == "succeeded"
    row = await JobRuns(database).get(result.run_id)
    assert row is not None
    assert (row["job"], row["trigger"], row["outcome"], row["counts"]) == (
        "a2_a3",
        "manual",
        "succeeded",
        {"checked": 1},
    )
    assert row["finished_at"] is not None and row["instance"] == "test-host"


async def test_a_failure_is_mailed_once_per_change_then_resolved(
    runner: Runner, notifier: RecordingNotifier, services: Services
) -> None:
    first = await runner.run("a5_a6", "schedule")
    await runner.run("a5_a6", "schedule")
    assert first is not None and first.outcome == "failed"
    assert first.error == "RuntimeError: the test job fails on purpose"
    assert [m.subject for _, m in notifier.emails] == ["Problem: job a5_a6"]
    assert notifier.emails[0][1].context.values()["problems"] == [
        "RuntimeError: the test job fails on purpose"
    ]
    alert = notifier.emails[0][1].context.values()
    assert (alert["host"], alert["job"], alert["run_id"]) == ("test-host", "a5_a6", first.run_id)
    runner._registry["a5_a6"] = "tests.jobs:quick"
    await runner.run("a5_a6", "schedule")
    assert [m.subject for _, m in notifier.emails][-1] == "Resolved: job a5_a6"


async def test_item_failures_make_a_partial_run_and_are_the_alert(
    runner: Runner, notifier: RecordingNotifier
) -> None:
    result = await runner.run("b1_b2", "schedule")
    assert result is not None and result.outcome == "partial"
    assert notifier.emails[0][1].context.values()["problems"] == [
        "master_03.mp4: DAM returned 503 three times"
    ]


async def test_a_busy_job_is_refused_not_queued(runner: Runner, database: Database) -> None:
    active = await holding(runner)
    with pytest.raises(JobBusyError, match=f"already running \\(run {active.context.run_id}"):
        runner.start("a1_a2", "manual")
    assert await runner.run("a1_a2", "schedule") is None
    await release(database)
    result = await active.task
    assert result.outcome == "succeeded" and result.counts == {"delivered": 2}
    rows = await database._executor.fetch("SELECT outcome FROM job_runs WHERE job = 'a1_a2'")
    assert [r["outcome"] for r in rows] == ["succeeded"]


async def test_a_dry_run_gets_read_only_clients_and_is_marked(
    runner: Runner, database: Database, notifier: RecordingNotifier
) -> None:
    SEEN.clear()
    active = runner.start("creativex", "manual", dry_run=True)
    result = await active.task
    seen = SEEN[0]
    assert isinstance(seen.dam, ReadOnlyDam) and isinstance(seen.db, ReadOnlyDatabase)
    assert isinstance(seen.notifier, RecordingNotifier) and seen.notifier is not notifier
    row = await JobRuns(database).get(result.run_id)
    assert row is not None and row["dry_run"] is True
    assert await JobRuns(database).latest() == {}  # a dry run is not the job's last run


async def test_drain_cancels_what_outlives_the_deadline_and_marks_it_interrupted(
    runner: Runner, database: Database
) -> None:
    active = await holding(runner)
    runner.close("the daemon is stopping")
    cut = await runner.drain(0.05)
    assert cut == [active.context.run_id]
    row = await JobRuns(database).get(active.context.run_id)
    assert row is not None and row["outcome"] == "interrupted"
    with pytest.raises(Exception, match="the daemon is stopping"):
        runner.start("a2_a3", "manual")


async def test_drain_returns_nothing_cut_when_the_run_ends_within_the_deadline(
    runner: Runner, database: Database
) -> None:
    active = await holding(runner)
    runner.close("the daemon is stopping")
    draining = asyncio.create_task(runner.drain(30))
    await release(database)
    assert await draining == []
    row = await JobRuns(database).get(active.context.run_id)
    assert row is not None and row["outcome"] == "succeeded"


async def test_a_run_past_its_maximum_is_reported_stuck_once(
    runner: Runner, database: Database, notifier: RecordingNotifier
) -> None:
    active = await holding(runner)
    with capture_logs() as captured:
        assert await runner.check_stuck() == [active.context.run_id]
        assert await runner.check_stuck() == []
    assert [e["event"] for e in captured if e["log_level"] == "error"] == ["run_stuck"]
    assert [m.subject for _, m in notifier.emails] == ["Problem: job a1_a2"]
    assert active.stuck_reported is True
    await release(database)
    await active.task


async def test_each_run_starts_with_a_fresh_log_context(runner: Runner) -> None:
    logs.bind(request_id="from-the-socket")
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as captured:
        result = await runner.run("a2_a3", "manual")
    started = next(e for e in captured if e["event"] == "run_started")
    assert result is not None
    assert "request_id" not in started
    assert (started["job"], started["run_id"], started["trigger"]) == (
        "a2_a3",
        result.run_id,
        "manual",
    )
