"""What a run of a return workflow (A2→A3, A5→A6, CreativeX) works with.

A subclass's ``run()`` is the job's script; ``job()`` runs it once and hands back the
report the runtime records. (The delivery jobs are ``delivery.Delivery``.)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.store.events import AssetEvent


class Workflow(ABC):
    """A run: its services (``s``), its run context (``run_ctx``), the report it fills."""

    def __init__(self, services: Services, run: RunContext, report: RunReport) -> None:
        self.s = services
        self.run_ctx = run
        self.report = report
        self.settings = services.config.settings

    @classmethod
    async def job(cls, services: Services, run: RunContext) -> RunReport:
        """Run the script once; what it did."""
        report = RunReport()
        await cls(services, run, report).run()
        return report

    @abstractmethod
    async def run(self) -> None:
        """The job's steps."""


def run_event(run: RunContext, event: str, **fields: Any) -> AssetEvent:
    """An asset event of a run: its job names the workflow, and it carries the run's ID."""
    return AssetEvent(workflow=run.job, event=event, run_id=run.run_id, **fields)
