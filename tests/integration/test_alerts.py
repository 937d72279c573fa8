"""Alerts: the fingerprint and the mail commit together, under a key with no clock in it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Email, Notifier
from ferrero_daemon.outbox.alerts import Alerts, Origin
from ferrero_daemon.outbox.queue import Outbox
from ferrero_daemon.templates import render

AT = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the second 02:30 of that night
PROBLEMS = ["master T1: DAM returned 503"]


def origin(run_id: str, at: datetime = AT) -> Origin:
    return Origin("ferrero-prod-1", "a1_a2", run_id, at, ZoneInfo("Europe/Rome"))


class Killed(Exception):
    """The process died after queuing the mail, before the commit."""


class DiesAfterQueuing:
    """Queues into the caller's transaction, then the process 'dies'."""

    def __init__(self) -> None:
        self.tx: Database | None = None

    def within(self, tx: Database) -> Notifier:
        self.tx = tx
        return self  # type: ignore[return-value]

    async def email(self, key: str, message: Email) -> bool:
        assert self.tx is not None
        await Outbox(self.tx).email(key, message)
        raise Killed

    async def webhook(self, key: str, event: object) -> bool:
        raise AssertionError("alerts send no webhooks")


async def outbox_rows(database: Database) -> list[tuple[str, dict[str, object]]]:
    async with database.connection() as conn:
        rows = await conn.fetch("SELECT dedupe_key, payload FROM notification_outbox ORDER BY id")
    return [(r["dedupe_key"], json.loads(r["payload"])) for r in rows]


async def test_a_crash_before_the_commit_loses_neither_the_alert_nor_sends_it_twice(
    database: Database,
) -> None:
    with pytest.raises(Killed):
        await Alerts(database, DiesAfterQueuing()).update(
            "a1_a2", "job a1_a2", PROBLEMS, origin("r1")
        )  # type: ignore[arg-type]
    assert await outbox_rows(database) == []  # the mail went with the fingerprint

    alerts = Alerts(database, Outbox(database))
    assert await alerts.update("a1_a2", "job a1_a2", PROBLEMS, origin("r2")) == "raise"
    later = origin("r3", AT + timedelta(minutes=5))
    assert await alerts.update("a1_a2", "job a1_a2", PROBLEMS, later) == "quiet"
    ((key, payload),) = await outbox_rows(database)
    assert key == "alert:a1_a2:1:" + key.rsplit(":", 1)[1]
    assert "2026" not in key and "T" not in key.split(":", 2)[2]  # no clock reading in the key
    context = payload["context"]
    assert isinstance(context, dict)
    assert (context["host"], context["job"], context["run_id"]) == ("ferrero-prod-1", "a1_a2", "r2")
    assert context["at"] == "2026-10-25 02:30 CET"


async def test_the_same_problem_after_a_resolution_is_mailed_again(database: Database) -> None:
    alerts = Alerts(database, Outbox(database))
    decisions = [
        await alerts.update("backups", "Backups", PROBLEMS, origin("r1")),
        await alerts.update("backups", "Backups", [], origin("r2")),
        await alerts.update("backups", "Backups", [], origin("r3")),
        await alerts.update("backups", "Backups", PROBLEMS, origin("r4")),
    ]
    assert decisions == ["raise", "resolve", "quiet", "raise"]
    rows = await outbox_rows(database)
    assert [k.split(":")[:3] for k, _ in rows] == [
        ["alert", "backups", "1"],
        ["alert", "backups", "2"],
        ["alert", "backups", "3"],
    ]
    assert [p["subject"] for _, p in rows] == [
        "Problem: Backups",
        "Resolved: Backups",
        "Problem: Backups",
    ]


async def test_every_alert_mail_names_the_host_the_job_the_run_and_the_time(
    database: Database,
) -> None:
    await Alerts(database, Outbox(database)).update(
        "a1_a2", "job a1_a2", PROBLEMS, origin("20261025T013000-abc123")
    )
    ((_, payload),) = await outbox_rows(database)
    body = render("alert", payload["context"])  # type: ignore[arg-type]
    for part in (body.text, body.html):
        for fact in (
            "ferrero-prod-1",
            "a1_a2",
            "20261025T013000-abc123",
            "2026-10-25 02:30 CET",
            "Europe/Rome",
        ):
            assert fact in part
