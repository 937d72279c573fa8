"""The daily report's figures match the rows of the day, and it is mailed once a day."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

from ferrero_daemon.clients.db import Database
from ferrero_daemon.commands import report as report_command
from ferrero_daemon.config import Config
from ferrero_daemon.jobs import resolve
from ferrero_daemon.report import daily as report
from ferrero_daemon.sandbox.smtp import SmtpEmulator
from ferrero_daemon.services import Services
from ferrero_daemon.templates import render
from tests.fixtures.ops import Clock, RecordingNotifier, run_context, seed_tracking_rows

DAY = date(2026, 12, 1)
NOON = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)  # 12:00 in Rome
YESTERDAY = NOON - timedelta(days=1)
LATE = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 December in Rome


async def seed_day(db: Database) -> None:
    await seed_tracking_rows(db, masters=4, events=0)
    async with db.connection() as conn:
        await conn.executemany(
            "INSERT INTO asset_events (occurred_at, workflow, event, outcome, campaign_id, tracking_id, detail)"
            " VALUES ($1, $2, $3, $4, 'c-seed', $5, $6::jsonb)",
            [
                (NOON, "a1_a2", "master_delivered", "ok", "T0000", "{}"),
                (
                    NOON,
                    "a1_a2",
                    "master_failed",
                    "failed",
                    "T0001",
                    json.dumps({"reason": "Box answered 503"}),
                ),
                (NOON + timedelta(minutes=5), "a1_a2", "master_delivered", "ok", "T0001", "{}"),
                (
                    NOON,
                    "a1_a2",
                    "master_failed",
                    "failed",
                    "T0002",
                    json.dumps({"reason": "DAM asset has no content"}),
                ),
                (NOON, "a1_a2", "master_uploading", "intent", "T0003", "{}"),
                (NOON, "a2_a3", "derivative_imported", "ok", "T0000", "{}"),
                (YESTERDAY, "a1_a2", "master_delivered", "ok", "T0003", "{}"),
                (LATE, "a1_a2", "master_delivered", "ok", "T0003", "{}"),
            ],
        )
        await conn.execute(
            "INSERT INTO job_runs (run_id, job, trigger, started_at, finished_at, outcome, error) VALUES"
            " ('r1', 'b1_b2', 'schedule', $1, $1, 'failed', 'DAM unreachable'),"
            " ('r2', 'b1_b2', 'schedule', $1, $1, 'succeeded', NULL)",
            NOON,
        )
        await conn.execute(
            "INSERT INTO creativex_scores (asset_filename, cqs_pct, pdf_sha256, extracted_json, extracted_at)"
            " VALUES ('a', 80, 'h1', '{}', $1), ('b', 70, 'h2', '{}', $1), ('c', 60, 'h3', '{}', $2)",
            NOON,
            YESTERDAY,
        )
        await conn.execute(
            "INSERT INTO derivative_assets (tracking_id, country, language, original_filename, campaign_id, created_at, cqs_pct)"
            " VALUES ('T0000', 'IT', 'it', 'x.mp4', 'c-seed', $1, NULL), ('T0001', 'FR', 'fr', 'y.mp4', 'c-seed', $1, 75)",
            NOON,
        )
        await conn.execute(
            "INSERT INTO attention_items (box_file_id, workflow, file_name, reason, set_aside_at, resolved_at) VALUES"
            " ('f1', 'a2_a3', '<b>bad</b>_name.mp4', 'no tracking ID in the name', $1, NULL),"
            " ('f2', 'a2_a3', 'done.mp4', 'fixed', $1, $1)",
            NOON,
        )


async def test_the_figures_match_the_rows_of_the_day(
    database: Database, ops_config: Config
) -> None:
    await seed_day(database)
    daily = await report.gather(database, ops_config, DAY)

    by_name = {w.workflow: w for w in daily.workflows}
    a1 = by_name["a1_a2"]
    assert (a1.campaigns, a1.assets, a1.succeeded, a1.failed) == (1, 3, 2, 1)
    assert [r.reason for r in a1.reasons] == ["Box answered 503", "DAM asset has no content"]
    assert (by_name["a2_a3"].assets, by_name["a2_a3"].succeeded) == (1, 1)
    assert (by_name["b1_b2"].runs, by_name["b1_b2"].failed_runs) == (2, 1)
    assert (daily.scores_stored, daily.scores_missing) == (2, 1)
    assert [a.file_name for a in daily.attention] == ["<b>bad</b>_name.mp4"]
    assert daily.backups.healthy is None

    body = render(report.TEMPLATE, report.context(daily))
    assert "A1→A2 local masters to the agencies" in body.text and "67 %" in body.text
    assert "1× Box answered 503" in body.text
    assert "2 score(s) stored today; 1 version(s) imported without a score" in body.text
    assert "&lt;b&gt;bad&lt;/b&gt;_name.mp4" in body.html  # a file name cannot inject markup
    assert "run failed: DAM unreachable" in body.html


async def test_the_report_job_queues_one_mail_per_day(
    ops_services: Services, clock: Clock, notifier: RecordingNotifier
) -> None:
    clock.now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 19:00 in Rome
    job = resolve("daily_report")
    first = await job(ops_services, run_context("daily_report", clock))
    again = await job(ops_services, run_context("daily_report", clock))

    assert first.counts["queued"] == 1 and again.counts["already_queued"] == 1
    (key,) = notifier.emails
    assert key == "daily_report:2026-12-01"
    mail = notifier.emails[key]
    assert mail.to == "reports" and mail.template == "daily_report"
    assert json.loads(json.dumps(mail.context)) == mail.context  # storable in the outbox


async def test_report_send_mails_the_report_recipients_once_a_day(
    database: Database, make_config, smtp_server: SmtpEmulator, tmp_path, capsys
) -> None:
    await seed_day(database)
    overrides = {**smtp_server.config_overrides(), "backups": {"root": str(tmp_path / "b")}}
    config = make_config(overrides, secrets=smtp_server.secrets())
    await report_command._report(config, DAY, send=True, as_json=False)
    await report_command._report(config, DAY, send=True, as_json=False)

    async with asyncio.timeout(10):
        (mail,) = await smtp_server.wait_for(1)
    assert mail.rcpt_tos == ("managers@example.com",)
    assert mail.subject.endswith("Daily report 2026-12-01: 4 assets, 1 failed")
    assert mail.html is not None and "67 %" in mail.html
    out = capsys.readouterr().out
    assert "queued and sent" in out and "already queued today" in out
    assert len(smtp_server.messages) == 1
