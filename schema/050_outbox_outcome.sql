-- How an outbox row ended. 'sent': delivered. 'skipped': nothing to deliver to (a
-- webhook event while no [webhook] url is configured); `note` says why. NULL while
-- the row is still pending.
ALTER TABLE notification_outbox
    ADD COLUMN outcome text CHECK (outcome IN ('sent', 'skipped')),
    ADD COLUMN note    text;
