-- Delivery workflows (a1_a2, b1_b2): a campaign's status change is announced exactly once.
-- pending_status is the intent, written before the DAM status is changed and cleared in
-- the transaction that records the change; a run that finds it set after a crash looks at
-- the DAM and finishes (or drops) the transition instead of losing its announcement.
ALTER TABLE campaign_status
    ADD COLUMN pending_status text,
    ADD COLUMN pending_since  timestamptz;
CREATE INDEX ix_campaign_status_pending ON campaign_status (pending_status)
    WHERE pending_status IS NOT NULL;
