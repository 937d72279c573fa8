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
