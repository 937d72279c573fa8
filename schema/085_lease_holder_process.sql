-- The scheduler lease names the holder's host and process, so a daemon restarted on the
-- same host after a kill -9 sees that the holder's process is gone and takes the lease at
-- once, instead of waiting out the whole lease (runtime/lease.py). NULL: a holder that
-- did not say (an older daemon): it is waited out, as before.
ALTER TABLE scheduler_lease ADD COLUMN host text, ADD COLUMN pid integer;
