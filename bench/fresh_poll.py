"""One poll in a process of its own, as cron ran the old scripts: start, import, auth, poll.

    .venv/bin/python bench/fresh_poll.py CONFIG JOB

Starts Python, imports the daemon's code, loads the config and secrets, opens the
same pools the daemon opens (PostgreSQL, OTMM, Box, LlamaCloud), runs ``JOB`` once
(its first calls fetch the DAM and Box tokens) and exits. ``bench/idle.py`` takes
its CPU time.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, datetime


async def poll(config_path: str, job: str) -> str:
    from ferrero_daemon.config import load_config
    from ferrero_daemon.jobs import RunContext, resolve
    from ferrero_daemon.logs import configure
    from ferrero_daemon.services import open_services

    config = load_config(config_path)
    settings = config.settings
    configure(settings.logging.level, settings.environment.value, config.secrets.all_values())
    async with open_services(config) as services:
        run = RunContext(job, uuid.uuid4().hex[:12], "schedule", False, lambda: datetime.now(UTC))
        report = await resolve(job)(services, run)
    return report.outcome


if __name__ == "__main__":
    outcome = asyncio.run(poll(sys.argv[1], sys.argv[2]))
    sys.exit(0 if outcome == "succeeded" else 1)
