"""A module no production daemon may ever import: importing it leaves a mark.

``test_production_run.py`` names it in ``FERRERO_JOB_OVERRIDES`` (the variable that once
let ``run`` import any module) and checks that the real ``ferrero-daemon run`` ignores it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services

Path(os.environ["RELIABILITY_PLANTED_MARK"]).write_text("imported", encoding="utf-8")


async def run(services: Services, run: RunContext) -> RunReport:
    report = RunReport()
    report.count("planted")
    return report
