"""B1→B2: a global campaign's masters to the separate B1→B2 Box folder.

Campaigns at B1 of type ``Global comm`` → masters into the campaign's sub-folder of
``box.folders.b1_b2`` as ``MASTERS_<stem>_<TRACKING ID>.<ext>`` → DAM status B1→B2 →
one mail, no webhook. A B1 campaign of another type is left alone, with a warning (and
one mail to the error recipients per change of that list). See ``workflows/delivery.py``.
"""

from __future__ import annotations

from ferrero_daemon.domain.campaigns import b1_b2 as transition
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.workflows.delivery import deliver


async def run(services: Services, run: RunContext) -> RunReport:
    """Deliver the masters of every global campaign at B1 and move it to B2."""
    return await deliver(services, run, transition(services.config.settings.dam))
