-- An outbox row can fail for good: after [runtime] outbox_give_up_after permanent
-- errors (a refused login, a 4xx, a mail whose template cannot render) it is no longer
-- tried, outcome = 'failed', and the error recipients are alerted once. An operator
-- fixes the cause and requeues it (`ferrero-daemon outbox requeue`, deploy/README.md).
-- Transient errors (a server down, a 5xx, a 429) never count: those rows keep waiting.
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_outcome_check;
ALTER TABLE notification_outbox
    ADD CONSTRAINT notification_outbox_outcome_check
        CHECK (outcome IN ('sent', 'skipped', 'failed')),
    ADD COLUMN permanent_failures integer NOT NULL DEFAULT 0;
