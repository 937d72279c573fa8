"""A1→A2: a local campaign's masters to the agency's A1→A2 Box folder.

Campaigns at A1 (type ``Local comm``) → each master streamed DAM → Box into the
campaign's sub-folder of ``box.folders.a1_a2``, named ``<stem>_<TRACKING ID>.<ext>`` →
``master_assets`` rows → DAM status A1→A2 → one mail to the success recipients and one
webhook event. The shared path is ``workflows/delivery.py``.
"""

from __future__ import annotations

from ferrero_daemon.domain.campaigns import a1_a2 as transition
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.workflows.delivery import deliver


async def run(services: Services, run: RunContext) -> RunReport:
    """Deliver the masters of every local campaign at A1 and move it to A2."""
    return await deliver(services, run, transition(services.config.settings.dam))
