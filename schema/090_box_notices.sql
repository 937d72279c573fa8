-- Files the daemon leaves where someone put them (in a sub-folder of a watched Box folder,
-- or dropped straight into its _needs_attention): each is reported once, in the run's
-- attention mail. A row says it was; the same file under a new name is reported again.
CREATE TABLE box_notices (
    workflow     text NOT NULL,
    box_file_id  text NOT NULL,
    file_name    text NOT NULL,
    noticed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workflow, box_file_id, file_name)
);
