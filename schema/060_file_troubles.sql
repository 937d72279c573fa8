-- A file of a watched Box folder never stops the others (issue 12).
--
-- attention_items: a set-aside whose Box steps failed (the move, the rename, the
-- description) stays unreported and is tried again at each run. `attempts` counts the
-- failed tries, `last_error` says why; the first failure is mailed once
-- (`failure_reported_at`), later ones are only logged.
ALTER TABLE attention_items
    ADD COLUMN attempts            integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error          text,
    ADD COLUMN failure_reported_at timestamptz;

-- A watched Box file that a run could not take because a remote (the DAM, LlamaCloud,
-- Box) failed for it. Counted once per run; at [box] set_aside_after_failed_runs it is
-- set aside with the last error. New content (another SHA-1) counts from one again;
-- the row goes when the file goes through, is set aside, or is moved back.
CREATE TABLE file_failures (
    box_file_id     text PRIMARY KEY,
    workflow        text NOT NULL,
    file_name       text NOT NULL,
    sha1            text,
    failed_runs     integer NOT NULL,
    last_error      text NOT NULL,
    last_run_id     text NOT NULL,
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at  timestamptz NOT NULL DEFAULT now()
);
