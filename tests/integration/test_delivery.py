"""A1→A2 and B1→B2 end to end: the OTMM and Box emulators, a real PostgreSQL, the real
clients and the outbox. What an operator checks in steps 13 and 17 of the checklist."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest
from structlog.testing import capture_logs

from ferrero_daemon.clients.db import Database
from ferrero_daemon.config import Config
from ferrero_daemon.domain import tracking_id
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from tests.integration.delivery_world import World, open_world
from tests.webhook_schema import problems

NAME = re.compile(r"^(?P<stem>.+)_(?P<tid>[0-9A-Z]{9})(?P<ext>\.\w+)?$")


@pytest.fixture
async def world(
    otmm: OtmmEmulator,
    box_emulator: BoxEmulator,
    make_config: Callable[..., Config],
    database: Database,
) -> AsyncIterator[World]:
    async with open_world(otmm, box_emulator, make_config, database) as w:
        yield w


async def test_a1_a2_delivers_each_master_once_then_moves_the_campaign_and_announces_it(
    world: World,
) -> None:
    seeded = world.campaign(
        "C-1001",
        "Nutella Summer",
        [("Spot 30s.mp4", 3000), ("Key visual.png", 1200), ("a/b.mov", 10)],
    )
    derivative = world.otmm.create_asset(
        seeded.campaign_id,
        "IT_it_spot.mp4",
        {world.config.settings.dam.fields.asset_role: "Derivative"},
        size=5,
    )

    report = await world.run("a1_a2")

    assert report.failures == []
    assert report.counts["masters_delivered"] == 3 and report.counts["campaigns_moved"] == 1
    files = world.box_files("a1_a2")["C-1001 - Nutella Summer"]
    rows = await world.masters(seeded.campaign_id)
    assert sorted(files) == sorted(r["box_filename"] for r in rows)
    for row in rows:
        match = NAME.match(row["box_filename"])
        assert match and tracking_id.is_valid(match["tid"]) and match["tid"] == row["tracking_id"]
        assert row["state"] == "delivered" and row["local_campaign_id"] == "C-1001"
        assert (
            files[row["box_filename"]]
            == row["sha1"]
            == world.otmm.content_sha1(row["dam_asset_id"])
        )
        assert _json(row["metadata"])["campaign"]["number"] == "C-1001"
    assert {r["original_filename"]: r["box_filename"].split("_")[0] for r in rows}["a/b.mov"] == "a"
    assert derivative not in {r["dam_asset_id"] for r in rows}
    assert world.status(seeded.campaign_id) == "A2"
    assert world.last_run is not None
    progress = world.last_run.progress
    assert (progress.done, progress.total, progress.bytes) == (3, 3, 4210)

    (email, webhook) = await world.outbox(seeded.campaign_id)
    assert email["kind"] == "email" and webhook["kind"] == "webhook"
    mail = _json(email["payload"])
    assert mail["to"] == "success" and mail["template"] == "masters_delivered"
    assert {f["tracking_id"] for f in mail["context"]["files"]} == {r["tracking_id"] for r in rows}
    event = _json(webhook["payload"])
    assert problems(event) == []
    assert (event["old_status"], event["new_status"], event["counts"]["masters"]) == ("A1", "A2", 3)
    assert event["campaign_number"] == "C-1001" and event["environment"] == "test"

    # The next run finds nothing at A1: nothing moves, nothing is announced again.
    again = await world.run("a1_a2")
    assert again.counts == {} and again.failures == []
    assert len(world.box.uploaded()) == 3
    assert len(await world.outbox(seeded.campaign_id)) == 2


async def test_b1_b2_delivers_global_masters_with_the_prefix_and_no_webhook(world: World) -> None:
    global_ = world.campaign(
        "G-7", "Ferrero Rocher", [("Hero.mp4", 100)], status="B1", kind="Global comm"
    )
    local = world.campaign("L-8", "Kinder", [("Spot.mp4", 100)], status="B1", kind="Local comm")

    with capture_logs() as logs:
        report = await world.run("b1_b2")

    (name,) = world.box_files("b1_b2")["G-7 - Ferrero Rocher"]
    assert name.startswith("MASTERS_Hero_") and name.endswith(".mp4")
    assert world.status(global_.campaign_id) == "B2"
    assert [o["kind"] for o in await world.outbox(global_.campaign_id)] == ["email"]
    assert world.box_files("a1_a2") == {}

    # The B1 campaign that is not global is left alone, with a warning and one alert.
    assert world.status(local.campaign_id) == "B1"
    assert report.counts["skipped"] == 1
    assert any(
        e["event"] == "campaign_left_alone" and e["campaign"] == local.campaign_id for e in logs
    )
    alerts = await world.rows(
        "SELECT payload FROM notification_outbox WHERE dedupe_key LIKE 'alert:b1_b2%'"
    )
    assert len(alerts) == 1 and "L-8 Kinder" in str(_json(alerts[0]["payload"]))
    await world.run("b1_b2")
    assert (
        len(await world.rows("SELECT 1 FROM notification_outbox WHERE dedupe_key LIKE 'alert:%'"))
        == 1
    )


async def test_the_dam_spellings_come_from_the_config(
    otmm: OtmmEmulator,
    box_emulator: BoxEmulator,
    make_config: Callable[..., Config],
    database: Database,
) -> None:
    """An OTMM whose pick lists say "Global Communication" and G1/G2 is served by config."""
    own = {
        "dam": {
            "values": {"global_campaign_type": "Global Communication"},
            "statuses": {"b1": "G1", "b2": "G2"},
        }
    }
    status_field = otmm.store.fields[otmm.fields.campaign_status]
    otmm.store.fields[status_field.id] = replace(
        status_field, domain={**status_field.domain, "G1": "G1 - Global", "G2": "G2 - Sent"}
    )
    async with open_world(otmm, box_emulator, make_config, database, own) as world:
        theirs = world.campaign("G-9", "Pocket Coffee", status="G1", kind="Global Communication")
        ours = world.campaign("G-10", "Raffaello", status="B1", kind="Global comm")
        report = await world.run("b1_b2")
        assert report.counts["masters_delivered"] == 1
        assert world.status(theirs.campaign_id) == "G2"
        assert world.status(ours.campaign_id) == "B1"  # not a code this installation uses


async def test_a_dry_run_reads_everything_and_changes_nothing(world: World) -> None:
    seeded = world.campaign("C-5", "Dry", [("One.mp4", 500), ("Two.mp4", 700)])
    before = (
        await world.table_counts(),
        world.box_files("a1_a2"),
        world.status(seeded.campaign_id),
    )
    writes_before = _writes(world)

    services, recorder = world.dry_services()
    with capture_logs() as logs:
        report = await world.run("a1_a2", services, dry_run=True)

    assert report.failures == []
    assert report.counts["would_deliver"] == 2 and report.counts["would_move_campaign"] == 1
    assert report.counts["would_bytes"] == 1200 and report.counts["would_create_folders"] == 1
    uploads = [e for e in logs if e["event"] == "would_upload"]
    assert sorted(e["box_filename"] for e in uploads) == ["One_?????????.mp4", "Two_?????????.mp4"]
    assert {e["event"] for e in logs} >= {"would_set_status", "would_email", "would_webhook"}
    after = (await world.table_counts(), world.box_files("a1_a2"), world.status(seeded.campaign_id))
    assert after == before and _writes(world) == writes_before
    assert recorder.emails == [] and recorder.webhooks == []


async def test_one_failed_master_waits_for_the_next_run_which_sends_only_what_is_missing(
    world: World,
) -> None:
    seeded = world.campaign("C-9", "Partial", [("A.mp4", 100), ("B.mp4", 200), ("C.mp4", 300)])
    broken = seeded.asset_ids[1]
    world.otmm.inject(rf"/assets/{broken}/contents", status=404, count=1000)

    first = await world.run("a1_a2")

    assert first.counts["masters_delivered"] == 2 and first.outcome == "partial"
    (failure,) = first.failures
    assert "B.mp4" in failure.item and "next run retries" in failure.reason
    assert world.status(seeded.campaign_id) == "A1"
    assert await world.outbox(seeded.campaign_id) == []
    states = {
        r["original_filename"]: (r["state"], r["tracking_id"])
        for r in await world.masters(seeded.campaign_id)
    }
    assert states["B.mp4"][0] == "failed"

    world.otmm.faults.clear()
    second = await world.run("a1_a2")

    assert second.failures == [] and second.counts["masters_delivered"] == 1
    assert len(world.box.uploaded()) == 3
    rows = await world.masters(seeded.campaign_id)
    assert {r["original_filename"]: r["tracking_id"] for r in rows}["B.mp4"] == states["B.mp4"][1]
    assert all(r["state"] == "delivered" for r in rows)
    assert world.status(seeded.campaign_id) == "A2"
    assert [o["kind"] for o in await world.outbox(seeded.campaign_id)] == ["email", "webhook"]


async def test_campaigns_without_masters_or_content_are_reported_and_the_rest_goes_on(
    world: World,
) -> None:
    empty = world.campaign("C-20", "Empty", [])
    hollow = world.campaign("C-21", "Hollow", [("Good.mp4", 100), ("Hollow.mp4", None)])
    fine = world.campaign("C-22", "Fine", [("Fine.mp4", 100)])

    report = await world.run("a1_a2")

    reasons = {f.item: f.reason for f in report.failures}
    assert "no master assets" in reasons["C-20 Empty"]
    assert "has no content in the DAM" in reasons["C-21 Hollow / Hollow.mp4"]
    assert world.status(fine.campaign_id) == "A2"
    assert world.status(hollow.campaign_id) == "A1" and world.status(empty.campaign_id) == "A1"
    assert [r["original_filename"] for r in await world.masters(hollow.campaign_id)] == ["Good.mp4"]


async def test_transfers_run_in_parallel_up_to_the_configured_bound(
    otmm: OtmmEmulator,
    box_emulator: BoxEmulator,
    make_config: Callable[..., Config],
    database: Database,
) -> None:
    jobs = {"jobs": {"a1_a2": {"schedule": "*/5 * * * *", "parallelism": 2}}}
    async with open_world(otmm, box_emulator, make_config, database, jobs) as world:
        world.campaign("C-30", "Wide", [(f"M{i}.mp4", 2000) for i in range(6)])
        box_emulator.inject(r"/files/content", method="POST", delay=0.05, count=6)
        gauge = _Gauge(world.box_client)
        report = await world.run("a1_a2", world.services().with_(box=gauge))
    assert report.counts["masters_delivered"] == 6
    assert gauge.peak == 2


class _Gauge:
    """A Box client that measures how many uploads are in flight at once."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.now = self.peak = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def upload(self, *args: Any) -> Any:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            return await self._inner.upload(*args)
        finally:
            self.now -= 1


def _writes(world: World) -> tuple[int, int]:
    return (
        len(
            [
                r
                for r in world.otmm.requests
                if r.method not in ("GET", "HEAD")
                and "token" not in r.path
                and "search" not in r.path
                and "sessions" not in r.path
            ]
        ),
        len(
            [
                r
                for r in world.box.requests
                if r.method not in ("GET", "HEAD") and "token" not in r.path
            ]
        ),
    )


def _json(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


async def test_a_different_file_under_the_master_name_in_box_is_reported_not_overwritten(
    world: World,
) -> None:
    seeded = world.campaign("C-40", "Clash", [("Spot.mp4", 100)])
    world.otmm.inject(r"/contents", status=503, count=1000)
    await world.run("a1_a2")
    (row,) = await world.masters(seeded.campaign_id)
    world.otmm.faults.clear()
    (folder,) = [i for i in world.box.store.children(world.box_root("a1_a2")) if i.type == "folder"]
    world.box.create_file(folder.id, row["box_filename"], data=b"someone else's file")

    report = await world.run("a1_a2")

    (failure,) = report.failures
    assert row["box_filename"] in failure.reason and "conflict" in failure.reason
    assert world.box_files("a1_a2")[folder.name] == {
        row["box_filename"]: world.box.files_in(folder.id)[0].content.sha1
    }
    assert world.status(seeded.campaign_id) == "A1"
    assert (await world.masters(seeded.campaign_id))[0]["state"] == "failed"


async def test_through_the_runner_a_failing_master_is_mailed_once_then_once_resolved(
    world: World,
) -> None:
    from ferrero_daemon.jobs import JOBS
    from ferrero_daemon.runtime.runner import Runner

    services = world.services()
    runner = Runner(lambda: services, JOBS, "test-host")
    seeded = world.campaign("C-50", "Alerted", [("A.mp4", 100), ("B.mp4", 100)])
    world.otmm.inject(rf"/assets/{seeded.asset_ids[1]}/contents", status=404, count=1000)

    outcomes = [(await runner.run("a1_a2", "schedule")) for _ in range(3)]
    assert [r.outcome for r in outcomes if r] == ["partial", "failed", "failed"]
    alerts = (
        "SELECT payload FROM notification_outbox WHERE dedupe_key LIKE 'alert:a1_a2:%' ORDER BY id"
    )
    (raised,) = await world.rows(alerts)
    assert _json(raised["payload"])["to"] == "errors"
    assert "B.mp4" in str(_json(raised["payload"])["context"]["problems"])

    world.otmm.faults.clear()
    done = await runner.run("a1_a2", "schedule")
    assert done is not None and done.outcome == "succeeded"
    subjects = [_json(r["payload"])["subject"] for r in await world.rows(alerts)]
    assert len(subjects) == 2 and subjects[1].startswith("Resolved")
    assert world.status(seeded.campaign_id) == "A2"


class _MovedDuringUpload:
    """Box, while someone changes the campaign's status in OTMM during the upload."""

    def __init__(self, inner: Any, move: Callable[[], None]) -> None:
        self._inner, self._move = inner, move

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def upload(self, *args: Any) -> Any:
        self._move()
        return await self._inner.upload(*args)


async def test_a_campaign_moved_during_its_delivery_is_in_the_run_report_and_left_alone(
    world: World,
) -> None:
    seeded = world.campaign("C-60", "Moved", [("Spot.mp4", 100)])
    status_field = world.config.settings.dam.fields.campaign_status

    def someone_moves_it() -> None:
        world.otmm.store.node(seeded.campaign_id).metadata[status_field] = "A0"

    services = world.services()
    services = services.with_(box=_MovedDuringUpload(services.box, someone_moves_it))
    report = await world.run("a1_a2", services)

    assert report.counts["masters_delivered"] == 1 and "campaigns_moved" not in report.counts
    [failure] = report.failures
    assert failure.item == "C-60 Moved"
    assert failure.reason == (
        f"campaign C-60 Moved (DAM folder {seeded.campaign_id}) is now at A0, not A1: someone "
        "else changed it meanwhile, so the daemon left it alone; set it back to A1 in OTMM to "
        "have a1_a2 move it to A2"
    )
    assert world.status(seeded.campaign_id) == "A0" and await world.outbox(seeded.campaign_id) == []
    [row] = await world.rows(
        "SELECT status, pending_status FROM campaign_status WHERE campaign_id = $1",
        seeded.campaign_id,
    )
    assert (row["status"], row["pending_status"]) == ("A0", None)
