-- Every SQL statement of ferrero-daemon, by name. Sections by area; keep names unique.
-- Parameters are positional ($1, $2, …) as asyncpg expects.

-- ==== migrations ============================================================

-- name: migrations_applied
SELECT version, name, checksum FROM schema_migrations ORDER BY version

-- name: migration_record
INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)

-- name: schema_version
SELECT coalesce(max(version), 0) FROM schema_migrations

-- ==== health ================================================================

-- name: ping
SELECT 1

-- ==== workflow_state ========================================================

-- name: state_get
SELECT value FROM workflow_state WHERE workflow = $1 AND key = $2

-- name: state_get_for_update
-- Inside a transaction: read and hold the row until commit (alerts: decide, then record).
SELECT value FROM workflow_state WHERE workflow = $1 AND key = $2 FOR UPDATE

-- name: state_put
INSERT INTO workflow_state (workflow, key, value, updated_at) VALUES ($1, $2, $3::jsonb, now())
ON CONFLICT (workflow, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()

-- name: state_delete
DELETE FROM workflow_state WHERE workflow = $1 AND key = $2

-- name: state_list
SELECT key, value, updated_at FROM workflow_state WHERE workflow = $1 ORDER BY key

-- ==== asset_events ==========================================================

-- name: event_record
INSERT INTO asset_events
    (workflow, run_id, event, outcome, campaign_id, tracking_id, dam_asset_id, box_file_id, bytes, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
RETURNING id

-- ==== returns: a2_a3, creativex, a5_a6 (store/derivatives.py, scores.py, attention.py) ====

-- name: returns_master_by_tracking_id
SELECT tracking_id, dam_asset_id, campaign_id, local_campaign_id, original_filename,
       box_folder_id, metadata::text AS metadata, state
FROM master_assets WHERE tracking_id = $1

-- name: derivative_get
SELECT * FROM derivative_assets WHERE tracking_id = $1 AND country = $2 AND language = $3

-- name: derivative_by_dam_asset
SELECT * FROM derivative_assets WHERE dam_asset_id = $1

-- name: derivative_begin_import
INSERT INTO derivative_assets
    (tracking_id, country, language, job_number, original_filename, box_file_id, size_bytes,
     sha1, campaign_id, dam_folder_id, state)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'importing')
RETURNING *

-- name: derivative_begin_version
UPDATE derivative_assets
SET state = 'importing', job_number = $2, original_filename = $3, box_file_id = $4,
    size_bytes = $5, sha1 = $6, updated_at = now()
WHERE id = $1
RETURNING *

-- name: derivative_arrived_unchanged
-- An identical re-upload ($2) is about to be deleted from Box: the row names it, so a run
-- that stops before the delete finishes it (the same resume as an imported file's).
UPDATE derivative_assets SET box_file_id = $2, updated_at = now() WHERE id = $1

-- name: derivative_imported
UPDATE derivative_assets
SET state = 'imported', dam_asset_id = $2, dam_version = $3, cqs_pct = $4,
    creativex_score_id = $5, score_written = $6, approval_status = NULL, updated_at = now()
WHERE id = $1

-- name: derivative_rejection_sent
UPDATE derivative_assets
SET state = 'rejected_sent', approval_status = $2, rejection_comment = $3, updated_at = now()
WHERE id = $1

-- name: derivative_score_written
UPDATE derivative_assets
SET cqs_pct = $2, creativex_score_id = $3, score_written = true, updated_at = now()
WHERE id = $1

-- name: derivatives_with_newer_score
-- Derivatives in the DAM for which a usable score newer than the one they carry exists.
SELECT DISTINCT d.* FROM derivative_assets d
JOIN creativex_scores s ON s.tracking_id = d.tracking_id
WHERE d.dam_asset_id IS NOT NULL AND d.state IN ('imported', 'rejected_sent')
  AND s.cqs_pct IS NOT NULL
  AND (d.creativex_score_id IS NULL OR s.id > d.creativex_score_id)
ORDER BY d.id

-- name: score_pdf_known
SELECT EXISTS (SELECT 1 FROM creativex_scores WHERE pdf_sha256 = $1 AND cqs_pct IS NOT NULL)

-- name: score_store
INSERT INTO creativex_scores
    (asset_filename, tracking_id, channel, cqs_pct, guidelines_met, guidelines_total,
     pdf_sha256, extracted_json, extracted_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9)
ON CONFLICT (pdf_sha256, asset_filename) DO UPDATE
SET tracking_id = EXCLUDED.tracking_id, channel = EXCLUDED.channel, cqs_pct = EXCLUDED.cqs_pct,
    guidelines_met = EXCLUDED.guidelines_met, guidelines_total = EXCLUDED.guidelines_total,
    extracted_json = EXCLUDED.extracted_json, extracted_at = EXCLUDED.extracted_at
RETURNING id

-- name: scores_for_asset
SELECT id, asset_filename, tracking_id, channel, cqs_pct, guidelines_met, guidelines_total,
       extracted_json->>'quality_tier' AS tier
FROM creativex_scores
WHERE asset_filename = $1 AND cqs_pct IS NOT NULL
ORDER BY extracted_at DESC, id DESC

-- name: scores_for_tracking_id
SELECT id, asset_filename, tracking_id, channel, cqs_pct, guidelines_met, guidelines_total,
       extracted_json->>'quality_tier' AS tier
FROM creativex_scores
WHERE tracking_id = $1 AND cqs_pct IS NOT NULL
ORDER BY extracted_at DESC, id DESC

-- name: attention_set_aside
INSERT INTO attention_items (box_file_id, workflow, file_name, reason, sha1)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (box_file_id) DO UPDATE
SET workflow = EXCLUDED.workflow, file_name = EXCLUDED.file_name, reason = EXCLUDED.reason,
    sha1 = EXCLUDED.sha1, set_aside_at = now(), reported_at = NULL, resolved_at = NULL,
    attempts = 0, last_error = NULL, failure_reported_at = NULL

-- name: attention_reported
UPDATE attention_items SET reported_at = now() WHERE box_file_id = $1

-- name: attention_unreported
SELECT box_file_id, workflow, file_name, reason, sha1, reported_at, attempts FROM attention_items
WHERE workflow = $1 AND reported_at IS NULL AND resolved_at IS NULL
ORDER BY set_aside_at

-- name: attention_finish_failed
-- One more failed try to set the file aside; true the first time (mail it), false after.
UPDATE attention_items
SET attempts = attempts + 1, last_error = $2
WHERE box_file_id = $1
RETURNING attempts, failure_reported_at IS NULL AS unreported

-- name: attention_failure_reported
UPDATE attention_items SET failure_reported_at = now() WHERE box_file_id = $1

-- name: attention_resolve
-- The file is back in its folder (an operator moved it) or went through: no longer set aside.
UPDATE attention_items SET resolved_at = now()
WHERE box_file_id = $1 AND resolved_at IS NULL

-- name: attention_open_all
-- For `status`: every file still set aside, by the workflow (watched folder) it came from.
SELECT workflow, file_name, set_aside_at FROM attention_items
WHERE resolved_at IS NULL ORDER BY workflow, set_aside_at, box_file_id

-- name: attention_open
SELECT box_file_id, workflow, file_name, reason, sha1, set_aside_at, reported_at, attempts
FROM attention_items WHERE workflow = $1 AND resolved_at IS NULL ORDER BY set_aside_at

-- name: file_failure_record
-- Once per run and file; new content starts the count again. Returns the failed runs.
INSERT INTO file_failures AS f
    (box_file_id, workflow, file_name, sha1, failed_runs, last_error, last_run_id)
VALUES ($1, $2, $3, $4, 1, $5, $6)
ON CONFLICT (box_file_id) DO UPDATE
SET workflow = EXCLUDED.workflow, file_name = EXCLUDED.file_name, sha1 = EXCLUDED.sha1,
    failed_runs = CASE
        WHEN f.sha1 IS DISTINCT FROM EXCLUDED.sha1 THEN 1
        WHEN f.last_run_id = EXCLUDED.last_run_id THEN f.failed_runs
        ELSE f.failed_runs + 1
    END,
    first_failed_at = CASE
        WHEN f.sha1 IS DISTINCT FROM EXCLUDED.sha1 THEN now() ELSE f.first_failed_at
    END,
    last_error = EXCLUDED.last_error, last_run_id = EXCLUDED.last_run_id, last_failed_at = now()
RETURNING failed_runs

-- name: file_failure_waited
-- A failure counted against nothing (no file went through in its run: a remote was down);
-- only when the file last failed changes. New content starts the count again.
INSERT INTO file_failures AS f
    (box_file_id, workflow, file_name, sha1, failed_runs, last_error, last_run_id)
VALUES ($1, $2, $3, $4, 0, $5, $6)
ON CONFLICT (box_file_id) DO UPDATE
SET workflow = EXCLUDED.workflow, file_name = EXCLUDED.file_name, sha1 = EXCLUDED.sha1,
    failed_runs = CASE WHEN f.sha1 IS DISTINCT FROM EXCLUDED.sha1 THEN 0 ELSE f.failed_runs END,
    first_failed_at = CASE
        WHEN f.sha1 IS DISTINCT FROM EXCLUDED.sha1 THEN now() ELSE f.first_failed_at
    END,
    last_error = EXCLUDED.last_error, last_run_id = EXCLUDED.last_run_id, last_failed_at = now()

-- name: file_failure_order
SELECT box_file_id FROM file_failures WHERE workflow = $1 ORDER BY last_failed_at, box_file_id

-- name: file_failure_clear
DELETE FROM file_failures WHERE box_file_id = $1

-- name: returns_events_since
SELECT id, event, campaign_id, tracking_id, dam_asset_id, box_file_id, bytes, detail::text AS detail
FROM asset_events
WHERE workflow = $1 AND id > $2 AND id <= $3 AND event = ANY($4::text[]) AND outcome = 'ok'
ORDER BY id

-- name: returns_events_last_id
-- The newest event to announce after the cursor ($2); the cursor itself when there is none,
-- so a run with nothing new leaves it where it is.
SELECT coalesce(max(id), $2) FROM asset_events
WHERE workflow = $1 AND id > $2 AND event = ANY($3::text[]) AND outcome = 'ok'

-- ==== ops: backups, restore, daily report ===================================

-- name: ops_last_runs
SELECT DISTINCT ON (job) job, outcome, error, started_at
FROM job_runs
WHERE job = ANY($1::text[]) AND outcome <> 'running'
ORDER BY job, started_at DESC

-- A run still 'running' after six hours is a crashed daemon's leftover, not a live run.
-- name: ops_running_jobs
SELECT DISTINCT job FROM job_runs
WHERE job = ANY($1::text[]) AND outcome = 'running' AND started_at > now() - interval '6 hours'
-- ==== campaign_status: every campaign the daemon moved, and moves in flight (store/campaigns.py) ====
-- One row type (store.campaigns.CampaignRow) for all four moves: A1→A2, B1→B2, A2→A3, A5→A6.
-- pending_status is a move's intent, written before the DAM is changed (workflows/status_change.py).

-- name: campaign_seen
INSERT INTO campaign_status
    (campaign_id, campaign_number, campaign_name, campaign_type, brand, market, status)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (campaign_id) DO UPDATE SET
    campaign_number = EXCLUDED.campaign_number,
    campaign_name = EXCLUDED.campaign_name,
    campaign_type = EXCLUDED.campaign_type,
    brand = EXCLUDED.brand,
    market = EXCLUDED.market,
    status = EXCLUDED.status,
    updated_at = now()
RETURNING *

-- name: campaign_get
SELECT * FROM campaign_status WHERE campaign_id = $1

-- name: campaign_set_box_folder
UPDATE campaign_status SET box_folder_id = $2, updated_at = now() WHERE campaign_id = $1

-- name: campaign_box_folder
-- The campaign's sub-folder of the A1→A2 folder, as the delivery workflow recorded it.
SELECT coalesce(
    (SELECT box_folder_id FROM campaign_status WHERE campaign_id = $1),
    (SELECT box_folder_id FROM master_assets
      WHERE campaign_id = $1 AND workflow = 'a1_a2' AND box_folder_id IS NOT NULL
      ORDER BY created_at LIMIT 1))

-- name: campaign_mark_pending
UPDATE campaign_status SET pending_status = $2, pending_since = now(), updated_at = now()
WHERE campaign_id = $1

-- name: campaign_complete
UPDATE campaign_status
SET status = $2, pending_status = NULL, pending_since = NULL,
    status_changed_at = now(), updated_at = now()
WHERE campaign_id = $1 AND pending_status = $2
RETURNING campaign_id

-- name: campaign_moved_elsewhere
-- The DAM shows a status the move did not expect: keep what the DAM says, drop the intent.
UPDATE campaign_status
SET status = $2, pending_status = NULL, pending_since = NULL, updated_at = now()
WHERE campaign_id = $1

-- name: campaigns_pending
SELECT * FROM campaign_status WHERE status = $1 AND pending_status = $2 ORDER BY campaign_id

-- name: campaigns_due_a3
-- Campaigns at A2 ($1, dam.statuses.a2) here with a localised version in the DAM; with $2,
-- only those where every master delivered to the agency has one.
SELECT c.* FROM campaign_status c
WHERE c.status = $1
  AND EXISTS (SELECT 1 FROM derivative_assets d
              WHERE d.campaign_id = c.campaign_id AND d.state IN ('imported', 'rejected_sent'))
  AND (NOT $2::boolean OR NOT EXISTS (
      SELECT 1 FROM master_assets m
      WHERE m.campaign_id = c.campaign_id AND m.workflow = 'a1_a2'
        AND NOT EXISTS (SELECT 1 FROM derivative_assets d
                        WHERE d.tracking_id = m.tracking_id
                          AND d.state IN ('imported', 'rejected_sent'))))
ORDER BY c.campaign_id

-- name: campaign_figures
-- What a status change announces of its campaign: masters delivered, localised versions
-- in the DAM, versions sent back to the agency.
SELECT
    (SELECT count(*) FROM master_assets WHERE campaign_id = $1 AND state = 'delivered') AS masters,
    (SELECT coalesce(sum(size_bytes), 0)::bigint FROM master_assets
      WHERE campaign_id = $1 AND state = 'delivered') AS bytes,
    (SELECT count(*) FROM derivative_assets
      WHERE campaign_id = $1 AND state IN ('imported', 'rejected_sent')) AS versions,
    (SELECT count(*) FROM derivative_assets
      WHERE campaign_id = $1 AND state = 'rejected_sent') AS rejected

-- name: campaign_status_changes
-- How often this campaign made this move before (a campaign sent back repeats a move).
SELECT count(*) FROM asset_events
WHERE campaign_id = $1 AND event = 'campaign_status_changed'
  AND detail->>'old' = $2 AND detail->>'new' = $3

-- ==== delivery: master_assets (a1_a2, b1_b2) ================================

-- name: delivery_masters_for_campaign
SELECT * FROM master_assets WHERE workflow = $1 AND campaign_id = $2
ORDER BY created_at, tracking_id

-- name: delivery_master_plan
INSERT INTO master_assets
    (tracking_id, dam_asset_id, workflow, campaign_id, local_campaign_id,
     original_filename, box_filename, size_bytes, metadata)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
ON CONFLICT DO NOTHING
RETURNING tracking_id

-- name: delivery_master_start
UPDATE master_assets
SET state = 'uploading', attempts = attempts + 1, box_folder_id = $2, size_bytes = $3,
    metadata = $4::jsonb, updated_at = now()
WHERE tracking_id = $1 AND state <> 'delivered'
RETURNING attempts

-- name: delivery_master_delivered
UPDATE master_assets
SET state = 'delivered', box_file_id = $2, size_bytes = $3, sha1 = $4, last_error = NULL,
    delivered_at = now(), updated_at = now()
WHERE tracking_id = $1

-- name: delivery_master_failed
UPDATE master_assets SET state = 'failed', last_error = $2, updated_at = now()
WHERE tracking_id = $1 AND state <> 'delivered'
-- ==== runtime: job_runs, pauses, scheduler lease ===========================

-- name: run_start
INSERT INTO job_runs (run_id, job, trigger, dry_run, instance) VALUES ($1, $2, $3, $4, $5)
RETURNING started_at

-- name: run_finish
UPDATE job_runs SET finished_at = now(), outcome = $2, counts = $3::jsonb, error = $4,
                    failures = $5::jsonb
WHERE run_id = $1

-- name: run_get
SELECT run_id, job, trigger, dry_run, instance, started_at, finished_at, outcome, counts, error
FROM job_runs WHERE run_id = $1

-- name: runs_latest
-- The last finished real (not dry) run of each job.
SELECT DISTINCT ON (job) job, run_id, trigger, started_at, finished_at, outcome, error
FROM job_runs WHERE finished_at IS NOT NULL AND NOT dry_run
ORDER BY job, started_at DESC

-- name: runs_last_errors
-- The newest real run of each job that ended with an error, whatever came after it.
SELECT DISTINCT ON (job) job, run_id, outcome, finished_at, error
FROM job_runs WHERE finished_at IS NOT NULL AND NOT dry_run AND error IS NOT NULL
ORDER BY job, started_at DESC

-- name: runs_interrupt_orphans
-- Runs left 'running' by a daemon that died; called by the one lease holder only.
UPDATE job_runs SET finished_at = now(), outcome = 'interrupted', error = $1
WHERE outcome = 'running'
RETURNING run_id, job

-- name: pauses_list
SELECT workflow AS job, value, updated_at FROM workflow_state WHERE key = 'paused' ORDER BY workflow

-- name: lease_claim
-- Take the lease when it is free or expired, or extend it when we hold it. The
-- database clock decides, so clocks of the two hosts need not agree.
INSERT INTO scheduler_lease AS l (name, holder, acquired_at, expires_at, host, pid)
VALUES ($1, $2, now(), now() + make_interval(secs => $3), $4, $5)
ON CONFLICT (name) DO UPDATE
    SET holder = EXCLUDED.holder,
        acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE now() END,
        expires_at = EXCLUDED.expires_at,
        host = EXCLUDED.host,
        pid = EXCLUDED.pid
    WHERE l.holder = EXCLUDED.holder OR l.expires_at < now()
RETURNING holder

-- name: lease_take_over
-- Take a live lease from a holder whose process is known to be gone ($2: the holder
-- seen dead), only while that holder still has it: two daemons starting at once on
-- the host cannot both take it.
UPDATE scheduler_lease
   SET holder = $3, acquired_at = now(), expires_at = now() + make_interval(secs => $4),
       host = $5, pid = $6
 WHERE name = $1 AND holder = $2
RETURNING holder

-- name: lease_holds
SELECT EXISTS (SELECT 1 FROM scheduler_lease WHERE name = $1 AND holder = $2 AND expires_at > now())

-- name: lease_get
SELECT holder, acquired_at, expires_at, expires_at > now() AS live, host, pid
FROM scheduler_lease WHERE name = $1

-- name: lease_release
DELETE FROM scheduler_lease WHERE name = $1 AND holder = $2
-- ==== notification_outbox (comms) ===========================================

-- name: outbox_insert
INSERT INTO notification_outbox (kind, dedupe_key, payload) VALUES ($1, $2, $3::jsonb)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id

-- name: outbox_claim
-- Due rows, each taken by one deliverer: moving next_attempt_at past the lease hides
-- the row from every other deliverer until this one reports back (or dies: then it
-- is due again when the lease ends). SKIP LOCKED: two deliverers never wait on, or
-- take, the same row.
UPDATE notification_outbox AS o
   SET next_attempt_at = $2 + make_interval(secs => $3), attempts = o.attempts + 1
  FROM (SELECT id FROM notification_outbox
         WHERE sent_at IS NULL AND outcome IS NULL AND next_attempt_at <= $2
         ORDER BY next_attempt_at, id
         LIMIT $1
           FOR UPDATE SKIP LOCKED) AS due
 WHERE o.id = due.id
RETURNING o.id, o.kind, o.dedupe_key, o.payload, o.attempts, o.permanent_failures, o.created_at

-- name: outbox_mark_done
UPDATE notification_outbox SET sent_at = $2, outcome = $3, note = $4, last_error = NULL
 WHERE id = $1

-- name: outbox_mark_failed
-- $4: 1 when the error was permanent, else 0.
UPDATE notification_outbox
   SET next_attempt_at = $2, last_error = $3, permanent_failures = permanent_failures + $4
 WHERE id = $1

-- name: outbox_give_up
UPDATE notification_outbox
   SET outcome = 'failed', last_error = $2, permanent_failures = permanent_failures + 1
 WHERE id = $1

-- name: outbox_given_up
-- Rows failed for good, but not the outbox's own alerts about them: when those cannot
-- be sent either, the log is the only channel left (and alerting on them would loop).
SELECT kind, dedupe_key, last_error FROM notification_outbox
 WHERE outcome = 'failed' AND dedupe_key NOT LIKE 'alert:outbox:%'
 ORDER BY id

-- name: outbox_requeue
-- Rows failed for good (all, or those of the keys in $2) are due again at $1.
UPDATE notification_outbox
   SET outcome = NULL, permanent_failures = 0, next_attempt_at = $1
 WHERE outcome = 'failed' AND ($2::text[] IS NULL OR dedupe_key = ANY($2::text[]))
RETURNING dedupe_key

-- name: outbox_get
SELECT id, kind, dedupe_key, payload, created_at, attempts, next_attempt_at, sent_at,
       last_error, outcome, note, permanent_failures
  FROM notification_outbox WHERE dedupe_key = $1

-- name: outbox_stats
-- What waits to be delivered (`status`, the report). pending: still to be sent (not the
-- rows given up: those wait for a requeue); last_error: why the most recent of the
-- failing ones failed.
SELECT count(*) FILTER (WHERE sent_at IS NULL AND outcome IS NULL)                  AS pending,
       count(*) FILTER (WHERE sent_at IS NULL AND outcome IS NULL
                          AND kind = 'email')                                      AS emails,
       count(*) FILTER (WHERE sent_at IS NULL AND outcome IS NULL
                          AND kind = 'webhook')                                    AS webhooks,
       count(*) FILTER (WHERE sent_at IS NULL AND outcome IS NULL AND attempts > 0) AS failing,
       min(created_at) FILTER (WHERE sent_at IS NULL AND outcome IS NULL)           AS oldest_pending,
       count(*) FILTER (WHERE outcome = 'failed')                                   AS given_up,
       (SELECT last_error FROM notification_outbox
         WHERE sent_at IS NULL AND outcome IS NULL AND last_error IS NOT NULL
         ORDER BY id DESC LIMIT 1)                                                  AS last_error
  FROM notification_outbox

-- ==== the daily report (report/, store/report_periods.py) ===================

-- name: report_things
-- Every record of a thing the report counts, in [$1, $2): (workflow, kind, key). Each
-- kind comes from its own records and ``key`` is the thing's identity, so a thing with
-- several records counts once (domain/report_figures.py counts the distinct keys).
SELECT workflow, 'masters_delivered' AS kind, tracking_id AS key
  FROM master_assets WHERE delivered_at >= $1 AND delivered_at < $2
UNION ALL
SELECT workflow, 'new_assets', coalesce(dam_asset_id, id::text)
  FROM asset_events
 WHERE event = 'derivative_imported' AND outcome = 'ok' AND occurred_at >= $1 AND occurred_at < $2
UNION ALL
SELECT workflow, 'new_versions', coalesce(dam_asset_id, id::text) || ' v' || coalesce(detail->>'version', '?')
  FROM asset_events
 WHERE event = 'derivative_versioned' AND outcome = 'ok' AND occurred_at >= $1 AND occurred_at < $2
UNION ALL
SELECT workflow, 'without_score', coalesce(dam_asset_id, id::text) || ' v' || coalesce(detail->>'version', '?')
  FROM asset_events
 WHERE event IN ('derivative_imported', 'derivative_versioned') AND outcome = 'ok'
   AND detail->>'scored' = 'false' AND occurred_at >= $1 AND occurred_at < $2
UNION ALL
SELECT workflow, 'unchanged', coalesce(box_file_id, id::text)
  FROM asset_events
 WHERE event = 'derivative_unchanged' AND outcome = 'ok' AND occurred_at >= $1 AND occurred_at < $2
UNION ALL
SELECT workflow, 'rejections_returned', id::text
  FROM asset_events
 WHERE event = 'rejection_sent' AND outcome = 'ok' AND occurred_at >= $1 AND occurred_at < $2
UNION ALL
SELECT 'creativex', 'scorecards_scored', pdf_sha256
  FROM creativex_scores WHERE extracted_at >= $1 AND extracted_at < $2
UNION ALL
SELECT workflow, 'set_aside', box_file_id
  FROM attention_items WHERE set_aside_at >= $1 AND set_aside_at < $2
UNION ALL
SELECT workflow, 'campaigns_moved', campaign_id
  FROM asset_events
 WHERE event = 'campaign_status_changed' AND outcome = 'ok' AND campaign_id IS NOT NULL
   AND occurred_at >= $1 AND occurred_at < $2

-- name: report_runs
-- The finished real runs started in [$1, $2), in start order, with the items each failed on.
SELECT job, outcome, error, failures::text AS failures FROM job_runs
 WHERE started_at >= $1 AND started_at < $2 AND NOT dry_run AND outcome <> 'running'
 ORDER BY started_at, run_id

-- name: report_set_aside_open
SELECT workflow, file_name, reason, set_aside_at FROM attention_items
 WHERE resolved_at IS NULL ORDER BY set_aside_at, box_file_id

-- name: report_set_aside_resolved
SELECT count(*) FROM attention_items WHERE resolved_at >= $1 AND resolved_at < $2

-- name: report_period_last
SELECT period_start, period_end FROM report_periods ORDER BY period_end DESC LIMIT 1

-- name: report_period_claim
-- The period a scheduled report covers; NULL when it was reported before.
INSERT INTO report_periods (period_end, period_start, run_id) VALUES ($1, $2, $3)
ON CONFLICT (period_end) DO NOTHING
RETURNING period_end

-- name: report_period_ending_within
-- The reported period that ended in [$1, $2), the latest if several: what was mailed.
SELECT period_start, period_end FROM report_periods
 WHERE period_end >= $1 AND period_end < $2 ORDER BY period_end DESC LIMIT 1

-- ==== check --deep (read-only) ==============================================

-- Each table and sequence of the daemon's schema, and what the connected role may do
-- with it (check --deep).
-- name: check_table_rights
SELECT c.relname AS name, c.relkind::text AS kind,
       CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'SELECT')
            ELSE has_table_privilege(c.oid, 'SELECT') END AS can_select,
       c.relkind <> 'S' AND has_table_privilege(c.oid, 'INSERT') AS can_insert,
       c.relkind <> 'S' AND has_table_privilege(c.oid, 'UPDATE') AS can_update,
       c.relkind <> 'S' AND has_table_privilege(c.oid, 'DELETE') AS can_delete,
       c.relkind = 'S' AND has_sequence_privilege(c.oid, 'USAGE') AS can_use
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S')
 ORDER BY c.relname

-- The connected role's attributes that the daemon, migrate and the backups depend on.
-- name: check_role_rights
SELECT r.rolname AS role, r.rolsuper AS superuser, r.rolcreatedb AS createdb,
       r.rolreplication AS replication, current_schema() AS schema,
       has_schema_privilege(current_schema(), 'CREATE') AS schema_create,
       d.datname AS database, pg_get_userbyid(d.datdba) AS db_owner,
       pg_has_role(d.datdba, 'MEMBER') AS owns_database
  FROM pg_roles r, pg_database d
 WHERE r.rolname = current_user AND d.datname = current_database()

-- name: notice_first
-- A file left where it is: a row the first time (then it is reported), nothing after.
INSERT INTO box_notices (workflow, folder_id, box_file_id, file_name) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
RETURNING box_file_id

-- name: notices_forget_gone
-- The folder ($2) was listed: its notices of files no longer in it (as id $3, name $4) go.
DELETE FROM box_notices n
 WHERE n.workflow = $1 AND n.folder_id = $2
   AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) AS here (id, name)
                    WHERE here.id = n.box_file_id AND here.name = n.file_name)

-- name: notices_forget_folders
-- The notices of sub-folders that are gone from the watched folder (other than $2) go.
DELETE FROM box_notices WHERE workflow = $1 AND folder_id <> ALL($2::text[])
