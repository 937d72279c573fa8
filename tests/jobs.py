"""Job functions for the runtime's tests (never shipped: the package does not include tests).

The acceptance daemon gets them through ``tests/daemon_main.py --jobs``; the integration tests
hand them to a ``Runner`` directly.
"""

from __future__ import annotations

import asyncio

from ferrero_daemon import logs
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services

log = logs.get_logger(__name__)
RELEASE_CHANNEL = "ferrero_test_release"


async def quick(services: Services, run: RunContext) -> RunReport:
    await services.db.fetchval("ping")
    report = RunReport()
    run.progress.add_total(1)
    run.progress.advance()
    report.count("checked")
    return report


async def fail(services: Services, run: RunContext) -> RunReport:
    raise RuntimeError("the test job fails on purpose")


async def partial(services: Services, run: RunContext) -> RunReport:
    report = RunReport()
    report.count("delivered", 2)
    report.fail("master_03.mp4", "DAM returned 503 three times")
    return report


async def hold(services: Services, run: RunContext) -> RunReport:
    """Runs until the test sends ``NOTIFY ferrero_test_release`` (a long transfer)."""
    released: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def release(*_: object) -> None:
        if not released.done():
            released.set_result(None)

    run.progress.add_total(2)
    run.progress.advance()
    run.progress.moved(5 * 1024 * 1024)
    run.progress.current = "master_01.mp4"
    async with services.db.connection() as conn:
        await conn.add_listener(RELEASE_CHANNEL, release)
        log.info("test_job_holding")
        try:
            await released
        finally:
            await conn.remove_listener(RELEASE_CHANNEL, release)
    run.progress.advance()
    report = RunReport()
    report.count("delivered", 2)
    return report
