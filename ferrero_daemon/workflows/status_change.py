"""A campaign's DAM status change and its announcement, exactly once, across crashes.

One protocol for the four moves: A1→A2 and B1→B2 (``delivery.py``), A2→A3
(``a2_a3.py``, when ``[jobs.a2_a3] move_to_a3`` asks for it) and A5→A6 (``a5_a6.py``).

1. intent: ``campaign_status.pending_status`` = the new status (committed);
2. effect: the DAM status is set, only if it still holds the old status;
3. result: in one transaction, the status is recorded, the intent cleared, the
   ``campaign_status_changed`` event written and the announcement queued: the
   workflow's mail, if it has one, and the webhook event (``CampaignStatusChanged``)
   unless the move has none (B1→B2). ``Notifier.within(tx)`` queues in that transaction.

A run first finishes what an earlier one left (``recover``): the new status in the DAM
means step 2 happened, so it does step 3; the old status means the workflow's normal path
comes back to the campaign. Any other status, wherever it is found, means someone else
moved the campaign: the intent is dropped, the DAM's status kept, and the run report says
so in one wording (``domain.campaigns.moved_meanwhile``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ferrero_daemon import logs
from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain.campaigns import StatusMove, moved_meanwhile, read_campaign, same_code
from ferrero_daemon.domain.status_event import CampaignStatusChanged
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.store.campaigns import CampaignRow, CampaignStore
from ferrero_daemon.store.events import AssetEvent, EventStore
from ferrero_daemon.workflows.failures import attempt

log = logs.get_logger(__name__)

MailFor = Callable[[CampaignRow], Awaitable[Email]]
"""The mail a workflow sends with its move (the delivery's "masters delivered")."""


@dataclass(frozen=True)
class StatusChange:
    services: Services
    run: RunContext
    move: StatusMove
    report: RunReport
    mail: MailFor | None = None

    async def advance(self, campaign_id: str, label: str) -> None:
        """Move a campaign that is ready to the new status, and announce it."""
        if self.run.dry_run:
            preview(self.move, campaign_id, self.report, mail=self.mail is not None)
            return
        what = f"moving it {self.move.label}"
        await attempt(self.report, label, what, self._advance(campaign_id, label))

    async def recover(self) -> None:
        """Finish the changes a previous run started and did not record."""
        m = self.move
        for row in await CampaignStore(self.services.db).pending(m.source, m.target):
            what = f"finishing its move {m.label}"
            await attempt(self.report, row.label, what, self._recover(row))

    async def _advance(self, campaign_id: str, label: str) -> None:
        m = self.move
        await CampaignStore(self.services.db).mark_pending(campaign_id, m.target)
        await EventStore(self.services.db).record(self._event(campaign_id, started=True))
        status = await self._dam_status(campaign_id)
        if same_code(status, m.source):
            field = self.services.config.settings.dam.fields.campaign_status
            await self.services.dam.update_folder_metadata(campaign_id, {field: m.target})
            log.info("campaign_status_set", campaign=campaign_id, old=m.source, new=m.target)
        elif not same_code(status, m.target):
            await self._moved_meanwhile(campaign_id, label, status)
            return
        await self._record(campaign_id)

    async def _recover(self, row: CampaignRow) -> None:
        status = await self._dam_status(row.id)
        if same_code(status, self.move.target):
            log.info("campaign_status_change_recovered", campaign=row.id)
            await self._record(row.id)
        elif not same_code(status, self.move.source):
            await self._moved_meanwhile(row.id, row.label, status)

    async def _record(self, campaign_id: str) -> None:
        m, db = self.move, self.services.db
        row = await CampaignStore(db).get(campaign_id)
        assert row is not None  # the intent was written on it
        mail = await self.mail(row) if self.mail is not None else None
        event = await self._webhook_event(row) if m.webhook else None
        async with db.transaction() as tx:
            campaigns = CampaignStore(tx)
            if not await campaigns.complete(campaign_id, m.target):
                return  # recorded, and announced, by an earlier run
            rounds = await campaigns.changes_before(campaign_id, m.source, m.target)
            await EventStore(tx).record(self._event(campaign_id, round_=rounds + 1))
            key = f"{m.workflow}:{campaign_id}:{m.source}->{m.target}:{rounds + 1}"
            notifier = self.services.notifier.within(tx)
            if mail is not None:
                await notifier.email(f"{key}:email", mail)
            if event is not None:
                await notifier.webhook(f"{key}:webhook", event)
        self.report.count("campaigns_moved")
        log.info("campaign_status_changed", campaign=campaign_id, old=m.source, new=m.target)

    async def _webhook_event(self, row: CampaignRow) -> CampaignStatusChanged:
        figures = await CampaignStore(self.services.db).figures(row.id)
        return CampaignStatusChanged(
            workflow=self.move.workflow,
            campaign_id=row.id,
            campaign_number=row.number,
            campaign_name=row.name,
            campaign_type=row.type,
            brand=row.brand,
            market=row.market,
            old_status=self.move.source,
            new_status=self.move.target,
            counts=figures,
            box_folder_id=row.box_folder_id,
            timestamp=self.run.now().isoformat(),
            environment=self.services.config.settings.environment.value,
        )

    async def _dam_status(self, campaign_id: str) -> str:
        folder = await self.services.dam.get_folder(campaign_id)
        return read_campaign(folder, self.services.config.settings.dam.fields).status

    async def _moved_meanwhile(self, campaign_id: str, label: str, status: str) -> None:
        await CampaignStore(self.services.db).moved_elsewhere(campaign_id, status)
        log.warning("campaign_status_moved_meanwhile", campaign=campaign_id, status=status)
        self.report.fail(label, moved_meanwhile(self.move, label, campaign_id, status))

    def _event(self, campaign_id: str, *, started: bool = False, round_: int = 0) -> AssetEvent:
        m = self.move
        detail: dict[str, object] = {"old": m.source, "new": m.target}
        if not started:
            detail["round"] = round_
        return AssetEvent(
            workflow=m.workflow,
            event="campaign_status_change_started" if started else "campaign_status_changed",
            outcome="intent" if started else "ok",
            run_id=self.run.run_id,
            campaign_id=campaign_id,
            detail=detail,
        )


def preview(move: StatusMove, campaign_id: str, report: RunReport, *, mail: bool) -> None:
    """A dry run's account of a move: what would be set and announced."""
    log.info("would_set_status", campaign=campaign_id, old=move.source, new=move.target)
    if mail:
        log.info("would_email", campaign=campaign_id, to="success")
    if move.webhook:
        log.info("would_webhook", campaign=campaign_id, webhook_event="campaign_status_changed")
    report.count("would_move_campaign")
