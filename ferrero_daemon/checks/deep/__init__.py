"""``ferrero-daemon check --deep``: read-only probes of every wire and data assumption.

One module per concept; each probe returns findings (``findings.py``), one line each:
what the daemon assumes, what the live system showed, ✓, ✗ or "?".

    fields      [dam.fields] ids, shapes and pick-lists in OTMM's metadata model
    search      the A1/B1/A5 searches: page size, CONTAINS neighbours, paging
    campaign    --campaign: its masters and what A1→A2 / B1→B2 would deliver
    shapes      OTMM write paths (OPTIONS), the import job's state, the asset JSON,
                and what only a write shows ("?", with the steps to try by hand)
    box         the service account's rights and a preflight in each Box folder
    llamacloud  the agent's data schema against what the daemon reads
    database    schema version and the role's rights for the daemon and the backups

Nothing is written anywhere: the DAM and Box are read through inspectors that refuse
anything but reads and through the dry run's read-only clients, the database only in
READ ONLY transactions, and nothing is mailed or posted.
"""
