"""A campaign's DAM status change and its announcement, exactly once, across crashes.

1. intent: ``campaign_status.pending_status`` = the new status (committed);
2. effect: the DAM status is set, only if it still holds the old status;
3. result: the status is recorded, the intent cleared, the event and the
   announcement (mail, webhook) queued, all in one transaction.

A run that finds an intent left over (``recover``) asks the DAM: the new status there
means step 2 happened, so it does step 3; the old status means the normal path will
redo step 2; anything else means someone else moved the campaign, and the intent is
dropped. The announcement's dedupe key makes a repeated step 3 queue nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from ferrero_daemon import logs
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Notifier
from ferrero_daemon.domain.campaigns import Transition, read_campaign, same_code
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.outbox.queue import Outbox
from ferrero_daemon.services import Services
from ferrero_daemon.store.campaigns import CampaignStore
from ferrero_daemon.store.events import AssetEvent, EventStore
from ferrero_daemon.store.masters import MasterStore
from ferrero_daemon.workflows.delivery_notice import Notice, build_notice

log = logs.get_logger(__name__)


@dataclass(frozen=True)
class StatusChange:
    services: Services
    run: RunContext
    transition: Transition
    report: RunReport

    async def advance(self, campaign_id: str, label: str) -> None:
        """Move a fully delivered campaign to the new status and announce it."""
        t = self.transition
        await CampaignStore(self.services.db).mark_pending(campaign_id, t.target)
        await self._event("campaign_status_change_started", campaign_id, "intent")
        status = await self._dam_status(campaign_id)
        if same_code(status, t.source):
            field = self.services.config.settings.dam.fields.campaign_status
            await self.services.dam.update_folder_metadata(campaign_id, {field: t.target})
            log.info("campaign_status_set", campaign=campaign_id, old=t.source, new=t.target)
        elif not same_code(status, t.target):
            await self._moved_meanwhile(campaign_id, label, status)
            return
        await self.record(campaign_id)

    async def recover(self) -> None:
        """Finish the status changes a previous run started and did not record."""
        t = self.transition
        for row in await CampaignStore(self.services.db).pending(t.source, t.target):
            status = await self._dam_status(row.campaign_id)
            if same_code(status, t.target):
                log.info("campaign_status_change_recovered", campaign=row.campaign_id)
                await self.record(row.campaign_id)
            elif not same_code(status, t.source):
                await self._moved_meanwhile(row.campaign_id, row.label, status)

    async def record(self, campaign_id: str) -> None:
        t = self.transition
        db = self.services.db
        row = await CampaignStore(db).get(campaign_id)
        assert row is not None
        masters = await MasterStore(db, t.workflow).for_campaign(campaign_id)
        delivered = [m for m in masters if m.delivered]
        env = self.services.config.settings.environment.value
        notice = build_notice(t, row, delivered, env, self.run.now())
        async with db.transaction() as tx:
            if not await CampaignStore(tx).complete(campaign_id, t.target):
                return  # recorded by an earlier run: announced then
            await EventStore(tx).record(self._status_event(campaign_id, len(delivered)))
            await self._announce(self._notifier_in(tx), notice)
        self.report.count("campaigns_advanced")
        log.info("campaign_advanced", campaign=campaign_id, old=t.source, new=t.target)

    def _notifier_in(self, tx: Database) -> Notifier:
        # The outbox queues in the transaction that records the change, so the change and
        # its announcement commit together. Any other notifier (a dry run's recorder, a
        # test's) is used as it is: the pending intent and the dedupe key still make a
        # repeat after a crash queue nothing twice.
        if isinstance(self.services.notifier, Outbox):
            return Outbox(tx)
        return self.services.notifier

    async def _announce(self, notifier: Notifier, notice: Notice) -> None:
        await notifier.email(f"{notice.key}:email", notice.email)
        if notice.webhook is not None:
            await notifier.webhook(f"{notice.key}:webhook", notice.webhook)

    async def _dam_status(self, campaign_id: str) -> str:
        folder = await self.services.dam.get_folder(campaign_id)
        return read_campaign(folder, self.services.config.settings.dam.fields).status

    async def _moved_meanwhile(self, campaign_id: str, label: str, status: str) -> None:
        t = self.transition
        await CampaignStore(self.services.db).clear_pending(campaign_id)
        log.warning("campaign_status_moved_meanwhile", campaign=campaign_id, status=status)
        self.report.fail(
            label,
            f"campaign {label} (DAM folder {campaign_id}) is now at {status or 'no status'}, "
            f"not {t.source}: someone changed it during the delivery, so the daemon left it "
            f"alone; set it back to {t.source} to have it delivered",
        )

    async def _event(self, event: str, campaign_id: str, outcome: str) -> None:
        await EventStore(self.services.db).record(
            AssetEvent(
                workflow=self.transition.workflow,
                event=event,
                outcome="intent" if outcome == "intent" else "ok",
                run_id=self.run.run_id,
                campaign_id=campaign_id,
                detail={"old": self.transition.source, "new": self.transition.target},
            )
        )

    def _status_event(self, campaign_id: str, count: int) -> AssetEvent:
        t = self.transition
        return AssetEvent(
            workflow=t.workflow,
            event="campaign_status_changed",
            run_id=self.run.run_id,
            campaign_id=campaign_id,
            detail={"old": t.source, "new": t.target, "masters": count},
        )
