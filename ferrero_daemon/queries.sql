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

-- name: events_for_tracking_id
SELECT * FROM asset_events WHERE tracking_id = $1 ORDER BY occurred_at, id

-- ==== returns: a2_a3, creativex, a5_a6 (store/derivatives.py, scores.py, attention.py) ====

-- name: returns_master_by_tracking_id
SELECT tracking_id, dam_asset_id, campaign_id, local_campaign_id, original_filename,
       box_folder_id, metadata::text AS metadata, state
FROM master_assets WHERE tracking_id = $1

-- name: returns_campaign_get
SELECT campaign_id, campaign_number, campaign_name, status, box_folder_id
FROM campaign_status WHERE campaign_id = $1

-- name: returns_campaign_box_folder
-- The campaign's sub-folder of the A1→A2 folder, as the delivery workflow recorded it.
SELECT coalesce(
    (SELECT box_folder_id FROM campaign_status WHERE campaign_id = $1),
    (SELECT box_folder_id FROM master_assets
      WHERE campaign_id = $1 AND workflow = 'a1_a2' AND box_folder_id IS NOT NULL
      ORDER BY created_at LIMIT 1))

-- name: returns_campaign_set_status
INSERT INTO campaign_status (campaign_id, campaign_number, campaign_name, status, status_changed_at)
VALUES ($1, $2, $3, $4, now())
ON CONFLICT (campaign_id) DO UPDATE
SET status = EXCLUDED.status, status_changed_at = now(), updated_at = now()

-- name: returns_campaigns_due_a3
-- Campaigns still at A2 here although a derivative of theirs is in the DAM.
SELECT c.campaign_id, c.campaign_number, c.campaign_name, c.status, c.box_folder_id
FROM campaign_status c
WHERE c.status = 'A2' AND EXISTS (
    SELECT 1 FROM derivative_assets d
    WHERE d.campaign_id = c.campaign_id AND d.state IN ('imported', 'rejected_sent'))
ORDER BY c.campaign_id

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
    sha1 = EXCLUDED.sha1, set_aside_at = now(), reported_at = NULL, resolved_at = NULL

-- name: attention_reported
UPDATE attention_items SET reported_at = now() WHERE box_file_id = $1

-- name: attention_unreported
SELECT box_file_id, workflow, file_name, reason, sha1 FROM attention_items
WHERE workflow = $1 AND reported_at IS NULL AND resolved_at IS NULL
ORDER BY set_aside_at

-- name: attention_resolve
-- The file is back in its folder (an operator moved it) or went through: no longer set aside.
UPDATE attention_items SET resolved_at = now()
WHERE box_file_id = $1 AND resolved_at IS NULL

-- name: attention_open_all
-- For `status`: every file still set aside, by the workflow (watched folder) it came from.
SELECT workflow, file_name, set_aside_at FROM attention_items
WHERE resolved_at IS NULL ORDER BY workflow, set_aside_at, box_file_id

-- name: attention_open
SELECT box_file_id, workflow, file_name, reason, sha1, set_aside_at, reported_at
FROM attention_items WHERE workflow = $1 AND resolved_at IS NULL ORDER BY set_aside_at

-- name: returns_events_since
SELECT id, event, campaign_id, tracking_id, dam_asset_id, box_file_id, bytes, detail::text AS detail
FROM asset_events
WHERE workflow = $1 AND id > $2 AND id <= $3 AND event = ANY($4::text[]) AND outcome = 'ok'
ORDER BY id

-- name: returns_events_last_id
SELECT coalesce(max(id), 0) FROM asset_events
WHERE workflow = $1 AND id > $2 AND event = ANY($3::text[]) AND outcome = 'ok'

-- name: returns_moves_recorded
-- How often this campaign made this move before (review rounds repeat A5→A6).
SELECT count(*) FROM asset_events
WHERE campaign_id = $1 AND event = 'campaign_status_changed'
  AND detail->>'old' = $2 AND detail->>'new' = $3
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
-- ==== delivery: campaign_status (a1_a2, b1_b2) ==============================

-- name: delivery_campaign_seen
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

-- name: delivery_campaign_get
SELECT * FROM campaign_status WHERE campaign_id = $1

-- name: delivery_campaign_set_box_folder
UPDATE campaign_status SET box_folder_id = $2, updated_at = now() WHERE campaign_id = $1

-- name: delivery_campaign_mark_pending
UPDATE campaign_status SET pending_status = $2, pending_since = now(), updated_at = now()
WHERE campaign_id = $1

-- name: delivery_campaign_complete
UPDATE campaign_status
SET status = $2, pending_status = NULL, pending_since = NULL,
    status_changed_at = now(), updated_at = now()
WHERE campaign_id = $1 AND pending_status = $2
RETURNING campaign_id

-- name: delivery_campaign_clear_pending
UPDATE campaign_status SET pending_status = NULL, pending_since = NULL, updated_at = now()
WHERE campaign_id = $1

-- name: delivery_campaigns_pending
SELECT * FROM campaign_status WHERE status = $1 AND pending_status = $2 ORDER BY campaign_id

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

-- name: delivery_master_by_tracking_id
SELECT * FROM master_assets WHERE tracking_id = $1
-- ==== runtime: job_runs, pauses, scheduler lease ===========================

-- name: run_start
INSERT INTO job_runs (run_id, job, trigger, dry_run, instance) VALUES ($1, $2, $3, $4, $5)
RETURNING started_at

-- name: run_finish
UPDATE job_runs SET finished_at = now(), outcome = $2, counts = $3::jsonb, error = $4
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
INSERT INTO scheduler_lease AS l (name, holder, acquired_at, expires_at)
VALUES ($1, $2, now(), now() + make_interval(secs => $3))
ON CONFLICT (name) DO UPDATE
    SET holder = EXCLUDED.holder,
        acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE now() END,
        expires_at = EXCLUDED.expires_at
    WHERE l.holder = EXCLUDED.holder OR l.expires_at < now()
RETURNING holder

-- name: lease_holds
SELECT EXISTS (SELECT 1 FROM scheduler_lease WHERE name = $1 AND holder = $2 AND expires_at > now())

-- name: lease_get
SELECT holder, acquired_at, expires_at, expires_at > now() AS live FROM scheduler_lease WHERE name = $1

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
         WHERE sent_at IS NULL AND next_attempt_at <= $2
         ORDER BY next_attempt_at, id
         LIMIT $1
           FOR UPDATE SKIP LOCKED) AS due
 WHERE o.id = due.id
RETURNING o.id, o.kind, o.dedupe_key, o.payload, o.attempts, o.created_at

-- name: outbox_mark_done
UPDATE notification_outbox SET sent_at = $2, outcome = $3, note = $4, last_error = NULL
 WHERE id = $1

-- name: outbox_mark_failed
UPDATE notification_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1

-- name: outbox_get
SELECT id, kind, dedupe_key, payload, created_at, attempts, next_attempt_at, sent_at,
       last_error, outcome, note
  FROM notification_outbox WHERE dedupe_key = $1

-- name: outbox_stats
-- What waits to be delivered (`status`), the oldest, and the newest delivery error.
SELECT count(*)                                 AS pending,
       count(*) FILTER (WHERE kind = 'email')   AS emails,
       count(*) FILTER (WHERE kind = 'webhook') AS webhooks,
       count(*) FILTER (WHERE last_error IS NOT NULL) AS failing,
       min(created_at)                          AS oldest_pending,
       (SELECT last_error FROM notification_outbox
         WHERE sent_at IS NULL AND last_error IS NOT NULL
         ORDER BY next_attempt_at DESC, id DESC LIMIT 1) AS last_error
  FROM notification_outbox WHERE sent_at IS NULL

-- The day's decisive asset events; an asset is its tracking ID, else Box file, else DAM asset.
-- name: ops_report_events
SELECT workflow, outcome, campaign_id,
       coalesce(tracking_id, box_file_id, dam_asset_id) AS asset,
       coalesce(detail->>'reason', detail->>'error') AS reason
FROM asset_events
WHERE occurred_at >= $1 AND occurred_at < $2 AND outcome IN ('ok', 'failed')
ORDER BY occurred_at, id

-- name: ops_report_runs
SELECT job, outcome, error FROM job_runs
WHERE started_at >= $1 AND started_at < $2 AND NOT dry_run AND outcome <> 'running'

-- name: ops_report_scores_stored
SELECT count(*) FROM creativex_scores WHERE extracted_at >= $1 AND extracted_at < $2

-- name: ops_report_scores_missing
SELECT count(*) FROM derivative_assets
WHERE created_at >= $1 AND created_at < $2 AND cqs_pct IS NULL AND creativex_score_id IS NULL

-- name: ops_report_attention
SELECT workflow, file_name, reason, set_aside_at FROM attention_items
WHERE resolved_at IS NULL ORDER BY set_aside_at, box_file_id
