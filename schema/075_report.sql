-- The daily report. report_periods: one row per period a scheduled report covered,
-- written in the transaction that queues its mail, so each period is reported once
-- and the next one starts where it ended. job_runs.failures: the items a run failed on
-- (item, reason), so the report counts failed items, not failed runs.
CREATE TABLE report_periods (
    period_end   timestamptz PRIMARY KEY,
    period_start timestamptz NOT NULL CHECK (period_start < period_end),
    run_id       text,
    reported_at  timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE job_runs ADD COLUMN failures jsonb NOT NULL DEFAULT '[]';
