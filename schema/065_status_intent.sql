-- One place for a status move's intent: campaign_status.pending_status, for all four moves.
-- The return workflows (A2→A3, A5→A6) used to keep theirs in workflow_state under
-- 'move:<campaign id>'; carry over any a crash left behind, so the next run finishes it.
INSERT INTO campaign_status
    (campaign_id, campaign_number, campaign_name, status, pending_status, pending_since)
SELECT value->>'campaign_id', coalesce(value->>'number', ''), coalesce(value->>'name', ''),
       value->>'from_', value->>'to', updated_at
FROM workflow_state
WHERE workflow IN ('a2_a3', 'a5_a6') AND key LIKE 'move:%'
ON CONFLICT (campaign_id) DO UPDATE
SET status = EXCLUDED.status, pending_status = EXCLUDED.pending_status,
    pending_since = EXCLUDED.pending_since, updated_at = now();
DELETE FROM workflow_state WHERE workflow IN ('a2_a3', 'a5_a6') AND key LIKE 'move:%';
