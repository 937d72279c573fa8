"""The daily report of a known day: its figures in the text mail, the HTML mail and --json;
each period mailed once, every missed one after downtime, test sends apart."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from ferrero_daemon.clients.db import Database
from ferrero_daemon.commands import report as report_command
from ferrero_daemon.config import Config
from ferrero_daemon.cron import LocalCronTrigger
from ferrero_daemon.jobs import resolve
from ferrero_daemon.runtime.catchup import catch_up
from ferrero_daemon.sandbox.smtp import SmtpEmulator
from ferrero_daemon.services import Services
from ferrero_daemon.store.runs import FinishedRun
from ferrero_daemon.templates import render
from tests.fixtures.ops import Clock, RecordingNotifier, run_context
from tests.integration.ops import report_day as day
from tests.integration.ops.report_day import DAY_END, EXPECTED, EXPECTED_TOTAL, RESTARTED

DAY_KEY = "daily_report:2026-10-25T18:00:00+00:00"
NEXT_KEY = "daily_report:2026-10-26T18:00:00+00:00"


def figures_of(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = {k for flow in EXPECTED.values() for k in flow}
    return {
        name: {k: v for k, v in flow.items() if k in keys}
        for name, flow in document["workflows"].items()
    }


def html_rows(html: str) -> dict[str, list[str]]:
    """The figures table of the HTML mail: the workflow, then its cells' text."""
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "|", c).strip("|").split("|")[0].strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]  # fmt: skip
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


async def catch_up_run(services: Services, clock: Clock) -> dict[str, int]:
    clock.now = RESTARTED
    result = await resolve("daily_report")(services, run_context("daily_report", clock))
    return result.counts


async def test_the_fixture_day_gives_the_expected_figures_in_text_html_and_json(
    database: Database,
    ops_config: Config,
    ops_services: Services,
    clock: Clock,
    notifier: RecordingNotifier,
    backup_root: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await day.seed(database, backup_root)

    # The daemon comes back after the downtime: the report job is due (its last run was
    # cut short), and it mails both periods it missed, the fixture day first.
    trigger = LocalCronTrigger(
        ops_config.settings.jobs.daily_report.schedule, ops_config.settings.zone
    )
    last = FinishedRun(
        "daily_report", "r-rep", "schedule", DAY_END, day.KILLED, "interrupted", None
    )
    assert catch_up(trigger, last, RESTARTED, paused=False) == "catchup"
    assert await catch_up_run(ops_services, clock) == {"reported": 2}
    assert list(notifier.emails) == [DAY_KEY, NEXT_KEY]

    mail = notifier.emails[DAY_KEY]
    context = json.loads(json.dumps(mail.context.values()))  # as the outbox stores it
    assert mail.to == "reports"
    assert mail.subject == "Daily report 2026-10-25: 11 done, 1 failed, 1 set aside"
    assert context["period_start"] == "2026-10-24T19:00:00+02:00"
    assert context["period_end"] == "2026-10-25T19:00:00+01:00"
    assert context["period_hours"] == 25
    assert figures_of(context) == EXPECTED
    assert {k: context["total"][k] for k in EXPECTED_TOTAL} == EXPECTED_TOTAL

    body = render(mail.template, context)
    text = body.text
    assert (
        "Period: 2026-10-24 19:00 CEST to 2026-10-25 19:00 CET (25 h). Times in Europe/Rome."
        in text
    )
    rows = {line.split("  ")[0]: line.split()[-5:] for line in text.splitlines() if "  " in line}
    assert rows["A1→A2 local masters to the agencies"] == ["3", "0", "0", "100", "%"]
    assert rows["A2→A3 agency versions into the DAM"] == ["4", "1", "1", "80", "%"]
    assert rows["All workflows"] == ["11", "1", "1", "92", "%"]
    for line in (
        "    3 master(s) delivered; 1 campaign(s) moved on",
        "    2 master(s) delivered; 1 campaign(s) moved on",
        "    3 new DAM asset(s), 1 new version(s); 1 campaign(s) moved on; 1 without a CreativeX score",
        "    1 rejection(s) returned; 1 campaign(s) moved on",
        "    1 scorecard(s) scored",
        "  - still failing: Nutella_DE_de_1001_OMG9_T1EDGE.mp4: the DAM refused it: 422 metadata",
        "  - run stopped: 1× TransientError: DAM unreachable",
        "  - 1 item(s) failed and then went through",
        "As of 2026-10-27 09:00 CET:",
        "  - [a2_a3] Nutella_AT_de_<typo>.mp4: damaged tracking ID (since 2026-10-25 14:01 CET)",
        "  - a5_a6 (since 2026-10-25 18:00 CET, by ops)",
        "Outbox: 2 waiting to be sent, 1 failing (the last error: AuthError: SMTP server "
        "refused the login), oldest since 2026-10-25 18:30 CET",
        "  - 1 given up for good: fix the cause, then `ferrero-daemon outbox requeue`",
        "Backups: healthy (checked 2026-10-25 08:00 CET)",
    ):
        assert line in text.splitlines(), f"{line!r} not in:\n{text}"

    html = body.html
    assert html_rows(html) == {
        "A1→A2 local masters to the agencies": ["3", "0", "0", "100 %"],
        "B1→B2 global masters": ["2", "0", "0", "100 %"],
        "A2→A3 agency versions into the DAM": ["4", "1", "1", "80 %"],
        "A5→A6 rejections back to the agencies": ["1", "0", "0", "100 %"],
        "CreativeX scorecards": ["1", "0", "0", "100 %"],
        "All workflows": ["11", "1", "1", "92 %"],
    }
    assert "2026-10-24 19:00 CEST to 2026-10-25 19:00 CET (25 h) · times in Europe/Rome" in html
    assert (
        "3 new DAM asset(s), 1 new version(s); 1 campaign(s) moved on; 1 without a CreativeX score"
        in html
    )
    assert "Nutella_AT_de_&lt;typo&gt;.mp4" in html  # a file name cannot inject markup
    assert "checked 2026-10-25 08:00 CET" in html

    # --json: the same figures, re-rendered for the day from what was recorded.
    request = report_command.Request(day=date(2026, 10, 25), as_json=True)
    capsys.readouterr()
    assert await report_command._report(ops_config, request, now=RESTARTED) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["period_start"], document["period_end"]) == (
        context["period_start"],
        context["period_end"],
    )
    assert figures_of(document) == EXPECTED
    assert document["total"] == context["total"]
    assert document["backups"]["checked_at"] == "2026-10-25T08:00:00+01:00"
    assert document["paused_jobs"] == [
        {"job": "a5_a6", "since": "2026-10-25T18:00:00+01:00", "by": "ops"}
    ]


async def test_each_period_is_reported_once_and_a_run_by_hand_before_the_time_reports_none(
    database: Database,
    ops_services: Services,
    clock: Clock,
    notifier: RecordingNotifier,
    backup_root: Path,
) -> None:
    await day.seed(database, backup_root)
    job = resolve("daily_report")
    clock.now = DAY_END - timedelta(hours=6)  # `trigger daily_report` at 13:00
    assert (await job(ops_services, run_context("daily_report", clock))).counts == {
        "nothing_due": 1
    }
    assert await catch_up_run(ops_services, clock) == {"reported": 2}
    assert await catch_up_run(ops_services, clock) == {"nothing_due": 1}
    async with database.connection() as conn:
        ends = await conn.fetch("SELECT period_start, period_end FROM report_periods ORDER BY 2")
    assert [(r["period_start"], r["period_end"]) for r in ends] == [
        (day.utc("2026-10-23 17:00"), day.PREVIOUS_END),
        (day.PREVIOUS_END, DAY_END),
        (DAY_END, day.utc("2026-10-26 18:00")),
    ]
    assert len(notifier.emails) == 2


async def test_a_dry_run_reports_nothing(
    database: Database,
    ops_services: Services,
    clock: Clock,
    notifier: RecordingNotifier,
    backup_root: Path,
) -> None:
    await day.seed(database, backup_root)
    clock.now = RESTARTED
    context = run_context("daily_report", clock, dry_run=True)
    assert (await resolve("daily_report")(ops_services, context)).counts == {"would_report": 2}
    assert notifier.emails == {}


async def test_a_test_send_goes_to_its_address_and_never_uses_up_the_scheduled_report(
    database: Database,
    make_config: Any,
    smtp_server: SmtpEmulator,
    ops_services: Services,
    clock: Clock,
    notifier: RecordingNotifier,
    backup_root: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await day.seed(database, backup_root)
    overrides = {**smtp_server.config_overrides(), "backups": {"root": str(backup_root)}}
    config = make_config(overrides, secrets=smtp_server.secrets())
    at_noon = DAY_END - timedelta(hours=7)
    preview = report_command.Request()
    test_send = report_command.Request(send=True, to=("qa@example.com",))
    assert await report_command._report(config, preview, now=at_noon) == 0
    assert await report_command._report(config, test_send, now=at_noon) == 0
    assert await report_command._report(config, report_command.Request(send=True), now=at_noon) == 0

    async with asyncio.timeout(10):
        first, second = await smtp_server.wait_for(2)
    assert first.rcpt_tos == ("qa@example.com",) and second.rcpt_tos == ("managers@example.com",)
    assert first.subject.endswith(
        "Daily report 2026-10-25: 11 done, 1 failed, 1 set aside (sent by hand)"
    )
    out = capsys.readouterr()
    assert out.out.startswith("Ferrero automation: daily report 2026-10-25\n")
    assert "sent 'Daily report 2026-10-25" in out.err and "to qa@example.com" in out.err

    # The scheduled report of that period still goes out, once, after the downtime.
    assert await catch_up_run(ops_services, clock) == {"reported": 2}
    assert DAY_KEY in notifier.emails


async def test_the_week_summary_has_totals_per_day_and_workflow_with_running_totals(
    database: Database, ops_config: Config, backup_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await day.seed(database, backup_root)
    request = report_command.Request(day=date(2026, 10, 25), week=True, as_json=True)
    assert await report_command._report(ops_config, request, now=RESTARTED) == 0
    week = json.loads(capsys.readouterr().out)

    assert (week["period_start"], week["period_end"]) == (
        "2026-10-18T19:00:00+02:00",
        "2026-10-25T19:00:00+01:00",
    )
    assert [d["date"] for d in week["days"]] == [f"2026-10-{n}" for n in range(19, 26)]
    assert [d["total"]["done"] for d in week["days"]] == [0, 0, 0, 0, 0, 3, 11]
    assert [d["running"]["done"] for d in week["days"]] == [0, 0, 0, 0, 0, 3, 14]
    assert week["days"][-1]["workflows"]["a2_a3"] == {
        "new_assets": 3, "new_versions": 1, "campaigns_moved": 1, "without_score": 1,
        "done": 4, "set_aside": 1, "failed": 1,
    }  # fmt: skip
    assert week["days"][-1]["running"]["by_workflow"] == {
        "a1_a2": 4, "b1_b2": 2, "a2_a3": 5, "a5_a6": 1, "creativex": 2,
    }  # fmt: skip
    assert {k: week["total"][k] for k in ("done", "failed", "assets", "campaigns")} == {
        "done": 14, "failed": 1, "assets": 11, "campaigns": 2,
    }  # fmt: skip
    assert week["total"]["success_rate"] == 0.9333
    assert week["issues_resolved"] == 1
    assert week["outstanding_issues"] == [
        "a2_a3: still failing: Nutella_DE_de_1001_OMG9_T1EDGE.mp4: the DAM refused it: 422 metadata",
        "set aside in a2_a3: Nutella_AT_de_<typo>.mp4: damaged tracking ID",
        "job a5_a6 is paused",
        "1 mail(s) or webhook event(s) failing to send",
        "1 mail(s) or webhook event(s) given up for good: `ferrero-daemon outbox requeue` once fixed",
    ]

    capsys.readouterr()
    request = report_command.Request(day=date(2026, 10, 25), week=True)
    assert await report_command._report(ops_config, request, now=RESTARTED) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Ferrero automation: week summary 2026-10-19 to 2026-10-25"
    table = {line.split()[0]: line.split()[1:] for line in lines if line[:4] in ("2026", "Week")}
    assert table["2026-10-24"] == ["1", "0", "1", "0", "1", "3", "0", "3"]
    assert table["2026-10-25"] == ["3", "2", "4", "1", "1", "11", "1", "14"]
    assert table["Week"] == ["4", "2", "5", "1", "2", "14", "1"]
    assert "Overall success rate: 93 %" in lines

    output = await report_command._build(database, ops_config, request, RESTARTED)
    assert (
        output.mail.subject
        == "Week summary 2026-10-19 to 2026-10-25: 14 done, 1 failed, success rate 93 % (sent by hand)"
    )
    html = render(output.mail.template, json.loads(json.dumps(output.mail.context.values()))).html
    assert (
        '<td style="padding: 6px 10px">14</td>' in html and "Nutella_AT_de_&lt;typo&gt;.mp4" in html
    )
