-- The six tables of the operators' checklist, plus what the daemon needs to run:
-- job_runs, the notification outbox, the scheduler lease and set-aside items.
-- Times are timestamptz (UTC on the wire); ids from the DAM and Box are text.

-- One row per DAM campaign folder the daemon has seen.
CREATE TABLE campaign_status (
    campaign_id      text PRIMARY KEY,                 -- DAM folder id
    campaign_number  text NOT NULL DEFAULT '',
    campaign_name    text NOT NULL DEFAULT '',
    campaign_type    text NOT NULL DEFAULT '',         -- 'Local comm' | 'Global comm'
    brand            text NOT NULL DEFAULT '',
    market           text NOT NULL DEFAULT '',
    status           text NOT NULL,                    -- last status code we saw or set (A1…A6, B1, B2)
    box_folder_id    text,                             -- the campaign's sub-folder in Box
    status_changed_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_campaign_status_status ON campaign_status (status);

-- One row per master delivered (or being delivered) to an agency.
CREATE TABLE master_assets (
    tracking_id        text PRIMARY KEY,
    dam_asset_id       text NOT NULL,
    workflow           text NOT NULL CHECK (workflow IN ('a1_a2', 'b1_b2')),
    campaign_id        text NOT NULL REFERENCES campaign_status (campaign_id),
    local_campaign_id  text NOT NULL DEFAULT '',       -- the campaign number, as operators query it
    original_filename  text NOT NULL,
    box_filename       text NOT NULL,
    box_folder_id      text,
    box_file_id        text,
    size_bytes         bigint,
    sha1               text,
    metadata           jsonb NOT NULL DEFAULT '{}',    -- master fields A2→A3 copies onto derivatives
    state              text NOT NULL DEFAULT 'pending'
                       CHECK (state IN ('pending', 'uploading', 'delivered', 'failed')),
    attempts           integer NOT NULL DEFAULT 0,
    last_error         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    delivered_at       timestamptz,
    UNIQUE (workflow, dam_asset_id)
);
CREATE INDEX ix_master_assets_campaign ON master_assets (campaign_id);
CREATE INDEX ix_master_assets_local_campaign ON master_assets (local_campaign_id);
CREATE INDEX ix_master_assets_created ON master_assets (created_at DESC);

-- One row per localised version an agency sent back (re-deliveries are new versions of it).
CREATE TABLE derivative_assets (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tracking_id        text NOT NULL REFERENCES master_assets (tracking_id),
    country            text NOT NULL,
    language           text NOT NULL,
    job_number         text NOT NULL DEFAULT '',
    original_filename  text NOT NULL,                  -- the agency's file name in Box
    box_file_id        text,
    size_bytes         bigint,
    sha1               text,
    campaign_id        text NOT NULL REFERENCES campaign_status (campaign_id),
    dam_folder_id      text,
    dam_asset_id       text,
    dam_version        integer NOT NULL DEFAULT 1,
    cqs_pct            double precision,
    creativex_score_id bigint,
    score_written      boolean NOT NULL DEFAULT false, -- the score is on the DAM asset
    approval_status    text,
    rejection_comment  text,
    state              text NOT NULL DEFAULT 'importing'
                       CHECK (state IN ('importing', 'imported', 'failed', 'rejected_sent')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tracking_id, country, language)
);
CREATE INDEX ix_derivative_assets_campaign ON derivative_assets (campaign_id);
CREATE INDEX ix_derivative_assets_dam_asset ON derivative_assets (dam_asset_id);

-- CreativeX scorecards: exactly 10 columns and 3 indexes (ref/llamacloud.md §4.3).
-- asset_filename is the normalised localised-asset key (basename, NFC, casefold, no extension).
CREATE TABLE creativex_scores (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asset_filename   text NOT NULL,
    tracking_id      text,
    channel          text,
    cqs_pct          double precision CHECK (cqs_pct IS NULL OR cqs_pct BETWEEN 0 AND 100),
    guidelines_met   integer,
    guidelines_total integer,
    pdf_sha256       text NOT NULL,
    extracted_json   jsonb NOT NULL,
    extracted_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ux_cxs_pdf_asset ON creativex_scores (pdf_sha256, asset_filename);
CREATE INDEX ix_cxs_asset ON creativex_scores (asset_filename, extracted_at DESC);

-- What happened to which asset, when: the audit trail and the daily report's source.
CREATE TABLE asset_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    workflow     text NOT NULL,
    run_id       text,
    event        text NOT NULL,                        -- e.g. master_delivered, derivative_imported
    outcome      text NOT NULL DEFAULT 'ok' CHECK (outcome IN ('ok', 'failed', 'skipped', 'intent')),
    campaign_id  text,
    tracking_id  text,
    dam_asset_id text,
    box_file_id  text,
    bytes        bigint,
    detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_asset_events_time ON asset_events (occurred_at);
CREATE INDEX ix_asset_events_tracking ON asset_events (tracking_id);
CREATE INDEX ix_asset_events_campaign ON asset_events (campaign_id);

-- Small durable state per workflow/job: pauses, the last reported failure, cursors.
CREATE TABLE workflow_state (
    workflow    text NOT NULL,
    key         text NOT NULL,
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workflow, key)
);

-- Every run of every job, scheduled or on demand.
CREATE TABLE job_runs (
    run_id       text PRIMARY KEY,
    job          text NOT NULL,
    trigger      text NOT NULL,                        -- schedule | manual | catchup | startup
    dry_run      boolean NOT NULL DEFAULT false,
    instance     text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    outcome      text NOT NULL DEFAULT 'running'
                 CHECK (outcome IN ('running', 'succeeded', 'partial', 'failed', 'interrupted')),
    counts       jsonb NOT NULL DEFAULT '{}',
    error        text
);
CREATE INDEX ix_job_runs_job_started ON job_runs (job, started_at DESC);

-- Mails and webhook events, written in the same transaction as the change they announce
-- and delivered (and retried) from here, so none is lost while SMTP or Make.com is down.
CREATE TABLE notification_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('email', 'webhook')),
    dedupe_key      text NOT NULL UNIQUE,              -- the same announcement is queued once
    payload         jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    last_error      text
);
CREATE INDEX ix_outbox_pending ON notification_outbox (next_attempt_at) WHERE sent_at IS NULL;

-- The one active scheduler among daemons sharing this database.
CREATE TABLE scheduler_lease (
    name        text PRIMARY KEY,
    holder      text NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);

-- Box files set aside in a _needs_attention folder, reported once each.
CREATE TABLE attention_items (
    box_file_id   text PRIMARY KEY,
    workflow      text NOT NULL,
    file_name     text NOT NULL,
    reason        text NOT NULL,
    sha1          text,
    set_aside_at  timestamptz NOT NULL DEFAULT now(),
    reported_at   timestamptz,
    resolved_at   timestamptz
);
