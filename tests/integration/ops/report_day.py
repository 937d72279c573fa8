"""A fixture day with known events, for the daily report (Europe/Rome, report at 19:00).

The day is the period ``[2026-10-24 19:00 CEST, 2026-10-25 19:00 CET)``: 25 hours, since
clocks go back at 03:00 on the 25th. It holds events at the very start of the period,
in both passes of the repeated 02:30, and things just outside it on either side. At
19:00 on the 25th the report run had started when the daemon was killed; it stayed down
until 09:00 on the 27th, so both the fixture day and the 26th were never mailed.

``EXPECTED`` is what the report must say about the day, worked out by hand.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ferrero_daemon.clients.db import Database


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


PREVIOUS_END = utc("2026-10-24 17:00")  # 19:00 CEST, reported by the daemon that evening
DAY_END = utc("2026-10-25 18:00")  # 19:00 CET
KILLED = utc("2026-10-25 18:00:20")  # during the report run
RESTARTED = utc("2026-10-27 08:00")  # 09:00 CET

MASTERS = [  # (tracking ID, workflow, campaign, delivered at)
    ("T0LATE", "a1_a2", "c-local", utc("2026-10-24 16:59:59")),  # 18:59:59 CEST: the day before
    ("T1EDGE", "a1_a2", "c-local", utc("2026-10-24 17:00")),  # 19:00:00 CEST: in (half-open)
    ("T2CEST", "a1_a2", "c-local", utc("2026-10-25 00:30")),  # 02:30 CEST
    ("T3CET", "a1_a2", "c-local", utc("2026-10-25 01:30")),  # 02:30 CET, the repeated hour
    ("T4NEXT", "a1_a2", "c-local", DAY_END),  # 19:00:00 CET: the next period
    ("G1", "b1_b2", "c-global", utc("2026-10-25 08:00")),
    ("G2", "b1_b2", "c-global", utc("2026-10-25 08:00")),
]

EVENTS = [  # (at, workflow, event, outcome, campaign, tracking ID, DAM asset, detail)
    (
        utc("2026-10-25 01:31"),
        "a1_a2",
        "campaign_status_changed",
        "ok",
        "c-local",
        None,
        None,
        {"old": "A1", "new": "A2"},
    ),
    (
        utc("2026-10-25 08:01"),
        "b1_b2",
        "campaign_status_changed",
        "ok",
        "c-global",
        None,
        None,
        {"old": "B1", "new": "B2"},
    ),
    # Three markets of one master, imported: three DAM assets (one unscored) ...
    (
        utc("2026-10-25 12:58"),
        "a2_a3",
        "derivative_import_started",
        "intent",
        "c-local",
        "T1EDGE",
        None,
        {},
    ),
    (
        utc("2026-10-25 13:00"),
        "a2_a3",
        "derivative_imported",
        "ok",
        "c-local",
        "T1EDGE",
        "dam-de",
        {"version": 1, "scored": True},
    ),
    (utc("2026-10-25 13:00"), "a2_a3", "agency_file_deleted", "ok", "c-local", "T1EDGE", None, {}),
    (
        utc("2026-10-25 13:01"),
        "a2_a3",
        "derivative_imported",
        "ok",
        "c-local",
        "T1EDGE",
        "dam-fr",
        {"version": 1, "scored": True},
    ),
    (
        utc("2026-10-25 13:02"),
        "a2_a3",
        "derivative_imported",
        "ok",
        "c-local",
        "T1EDGE",
        "dam-it",
        {"version": 1, "scored": False},
    ),
    # ... and a re-delivery of one of them: a new version.
    (
        utc("2026-10-25 15:00"),
        "a2_a3",
        "derivative_versioned",
        "ok",
        "c-local",
        "T1EDGE",
        "dam-fr",
        {"version": 2, "scored": True},
    ),
    (
        utc("2026-10-24 12:00"),
        "a2_a3",
        "derivative_versioned",
        "ok",
        "c-local",
        "T0LATE",
        "dam-old",
        {"version": 3, "scored": True},
    ),
    (
        utc("2026-10-25 13:03"),
        "a2_a3",
        "campaign_status_changed",
        "ok",
        "c-local",
        None,
        None,
        {"old": "A2", "new": "A3"},
    ),
    (
        utc("2026-10-25 16:00"),
        "a5_a6",
        "rejection_sent",
        "ok",
        "c-local",
        "T1EDGE",
        "dam-fr",
        {"comment": "Logo"},
    ),
    (
        utc("2026-10-25 16:01"),
        "a5_a6",
        "campaign_status_changed",
        "ok",
        "c-local",
        None,
        None,
        {"old": "A5", "new": "A6"},
    ),
    # One scorecard leaves three records; it is one scorecard.
    (
        utc("2026-10-25 13:10"),
        "creativex",
        "score_stored",
        "ok",
        None,
        "T1EDGE",
        None,
        {"score_id": 1},
    ),
    (utc("2026-10-25 13:10"), "creativex", "scorecard_deleted", "ok", None, None, None, {}),
    (
        utc("2026-10-25 13:20"),
        "creativex",
        "score_written_to_dam",
        "ok",
        "c-local",
        "T1EDGE",
        "dam-de",
        {},
    ),
]

RUNS = [  # (run ID, job, trigger, started, outcome, error, failures)
    (
        "r-a1-1",
        "a1_a2",
        "schedule",
        utc("2026-10-25 00:25"),
        "partial",
        None,
        [("T3CET master.mp4", "Box answered 503")],
    ),
    ("r-a1-2", "a1_a2", "schedule", utc("2026-10-25 01:30"), "succeeded", None, []),
    (
        "r-b1-1",
        "b1_b2",
        "schedule",
        utc("2026-10-25 07:55"),
        "failed",
        "TransientError: DAM unreachable",
        [],
    ),
    ("r-b1-2", "b1_b2", "schedule", utc("2026-10-25 08:00"), "succeeded", None, []),
    ("r-a2-1", "a2_a3", "startup", utc("2026-10-25 12:58"), "partial", None, []),
    (
        "r-a2-2",
        "a2_a3",
        "schedule",
        utc("2026-10-25 17:55"),
        "partial",
        None,
        [("Nutella_DE_de_1001_OMG9_T1EDGE.mp4", "the DAM refused it: 422 metadata")],
    ),
    (
        "r-a2-dry",
        "a2_a3",
        "manual",
        utc("2026-10-25 17:56"),
        "failed",
        None,
        [("dry.mp4", "a dry run's failure does not count")],
    ),
    (
        "r-rep",
        "daily_report",
        "schedule",
        utc("2026-10-25 18:00:00.2"),
        "interrupted",
        "the daemon stopped",
        [],
    ),
]

EXPECTED: dict[str, dict[str, Any]] = {
    "a1_a2": {"masters_delivered": 3, "campaigns_moved": 1, "done": 3, "set_aside": 0,
              "failed": 0, "recovered": 1, "success_rate": 1.0, "runs": 2, "failed_runs": 0},
    "b1_b2": {"masters_delivered": 2, "campaigns_moved": 1, "done": 2, "set_aside": 0,
              "failed": 0, "recovered": 0, "success_rate": 1.0, "runs": 2, "failed_runs": 1},
    "a2_a3": {"new_assets": 3, "new_versions": 1, "campaigns_moved": 1, "without_score": 1,
              "done": 4, "set_aside": 1, "failed": 1, "recovered": 0, "success_rate": 0.8,
              "runs": 2, "failed_runs": 0},
    "a5_a6": {"rejections_returned": 1, "campaigns_moved": 1, "done": 1, "set_aside": 0,
              "failed": 0, "recovered": 0, "success_rate": 1.0, "runs": 0, "failed_runs": 0},
    "creativex": {"scorecards_scored": 1, "done": 1, "set_aside": 0, "failed": 0, "recovered": 0,
                  "success_rate": 1.0, "runs": 0, "failed_runs": 0},
}  # fmt: skip
EXPECTED_TOTAL = {
    "done": 11,
    "failed": 1,
    "set_aside": 1,
    "assets": 9,
    "campaigns": 2,
    "success_rate": 0.9167,
}


async def seed(db: Database, backup_root: Path) -> None:
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO campaign_status (campaign_id, campaign_number, status) VALUES"
            " ('c-local', '1001', 'A6'), ('c-global', '2001', 'B2')"
        )
        await conn.executemany(
            "INSERT INTO master_assets (tracking_id, dam_asset_id, workflow, campaign_id,"
            " original_filename, box_filename, state, delivered_at)"
            " VALUES ($1, 'dam-' || $1, $2, $3, $1 || '.mp4', $1 || '.mp4', 'delivered', $4)",
            MASTERS,
        )
        await conn.executemany(
            "INSERT INTO asset_events (occurred_at, workflow, event, outcome, campaign_id,"
            " tracking_id, dam_asset_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)",
            [(*e[:7], json.dumps(e[7])) for e in EVENTS],
        )
        await conn.executemany(
            "INSERT INTO job_runs (run_id, job, trigger, started_at, finished_at, outcome, error,"
            " failures, dry_run) VALUES ($1, $2, $3, $4, $4, $5, $6, $7::jsonb, $8)",
            [
                (*r[:6], json.dumps([{"item": i, "reason": why} for i, why in r[6]]), r[0] == "r-a2-dry")
                for r in RUNS
            ],
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO creativex_scores (asset_filename, cqs_pct, pdf_sha256, extracted_json,"
            " extracted_at) VALUES ('nutella_de_de', 82, 'pdf-1', '{}', $1),"
            " ('older', 70, 'pdf-0', '{}', $2)",
            utc("2026-10-25 13:10"),
            utc("2026-10-24 10:00"),
        )
        await conn.execute(
            "INSERT INTO attention_items (box_file_id, workflow, file_name, reason, set_aside_at,"
            " resolved_at) VALUES"
            " ('box-typo', 'a2_a3', 'Nutella_AT_de_<typo>.mp4', 'damaged tracking ID', $1, NULL),"
            " ('box-old', 'a2_a3', 'old.mp4', 'fixed since', $2, $3)",
            utc("2026-10-25 13:01"),
            utc("2026-10-20 10:00"),
            utc("2026-10-21 10:00"),
        )
        await conn.execute(
            "INSERT INTO workflow_state (workflow, key, value) VALUES ('a5_a6', 'paused', $1::jsonb)",
            json.dumps({"by": "ops", "at": "2026-10-25T17:00:00+00:00"}),
        )
        await conn.execute(
            "INSERT INTO notification_outbox (kind, dedupe_key, payload, created_at, attempts,"
            " last_error, outcome) VALUES"
            " ('email', 'old-1', '{}', $1, 1, 'AuthError: SMTP server refused the login', NULL),"
            " ('webhook', 'old-2', '{}', $2, 0, NULL, NULL),"
            " ('webhook', 'old-3', '{}', $2, 5, 'InvalidInputError: 400', 'failed')",
            utc("2026-10-25 17:30"),
            utc("2026-10-25 17:45"),
        )
        await conn.execute(
            "INSERT INTO report_periods (period_start, period_end, run_id) VALUES ($1, $2, 'r-prev')",
            utc("2026-10-23 17:00"),
            PREVIOUS_END,
        )
    # The last backup check, as it records itself in the database. The backup root is
    # the service user's alone (0700): an operator's `report` must not need to read it.
    backup_root.mkdir(parents=True, exist_ok=True)
    backup_root.chmod(0o700)
    health = {"checked_at": "2026-10-25T07:00:00+00:00", "healthy": True, "checks": []}
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO workflow_state (workflow, key, value) VALUES ('backups', 'health', $1::jsonb)",
            json.dumps(health),
        )
