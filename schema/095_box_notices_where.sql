-- A notice says where its file was (folder_id) and goes when the file is no longer there
-- (taken, moved, deleted, renamed): the table holds the files left where they are now, not
-- every file ever left, and a file put back is reported again. Rows from before did not say
-- where; they go, so a file still left in a sub-folder is named once more, in the next
-- attention mail.
DELETE FROM box_notices;
ALTER TABLE box_notices ADD COLUMN folder_id text NOT NULL;
ALTER TABLE box_notices DROP CONSTRAINT box_notices_pkey;
ALTER TABLE box_notices ADD PRIMARY KEY (workflow, folder_id, box_file_id, file_name);
