"""Masters from the DAM to an agency's Box folder, exactly once (A1→A2 and B1→B2).

A run plans from reads (DAM, Box, the tracking database), then acts; a dry run stops
after planning and logs each ``would_…`` action. Acting, per campaign:

1. the campaign and each new master (its tracking ID and Box name, minted once) are
   written to the database before anything moves;
2. each master is streamed into the campaign's Box sub-folder, up to
   ``jobs.<job>.parallelism`` at once; an attempt is recorded before it starts and the
   delivery after the SHA-1 matched; one failed master does not stop the others;
3. when every master is delivered, the campaign's DAM status moves on and the change is
   announced (``status_change.py``). Otherwise it keeps its status and the next run
   retries only what is missing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import structlog

from ferrero_daemon import logs
from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain import tracking_id
from ferrero_daemon.domain.box_names import master_file_name
from ferrero_daemon.domain.campaigns import (
    Campaign,
    Transition,
    master_metadata,
    read_campaign,
    same_code,
    verdict,
)
from ferrero_daemon.domain.values import DamAsset
from ferrero_daemon.errors import FerreroError, InvalidInputError
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.outbox import alerts
from ferrero_daemon.services import Services
from ferrero_daemon.store.campaigns import CampaignRow, CampaignStore
from ferrero_daemon.store.events import AssetEvent, EventOutcome, EventStore
from ferrero_daemon.store.masters import MasterRow, MasterStore, NewMaster
from ferrero_daemon.workflows.delivery_notice import build_mail
from ferrero_daemon.workflows.delivery_plan import CampaignPlan, MasterPlan, plan_campaign
from ferrero_daemon.workflows.delivery_preview import preview
from ferrero_daemon.workflows.failures import attempt, failure_reason
from ferrero_daemon.workflows.status_change import StatusChange
from ferrero_daemon.workflows.transfer import transfer

log = logs.get_logger(__name__)
MINT_ATTEMPTS = 3


async def deliver(services: Services, run: RunContext, transition: Transition) -> RunReport:
    """Run one delivery job (``a1_a2`` or ``b1_b2``) and report what it did."""
    return await Delivery(services, run, transition).go()


@dataclass
class Delivery:
    services: Services
    run: RunContext
    transition: Transition
    report: RunReport = field(default_factory=RunReport)

    def __post_init__(self) -> None:
        job = getattr(self.services.config.settings.jobs, self.transition.workflow)
        self._limit = asyncio.Semaphore(job.parallelism)
        move = self.transition.move
        self._status = StatusChange(self.services, self.run, move, self.report, self._mail)
        self._masters = MasterStore(self.services.db, self.transition.workflow)
        self._campaigns = CampaignStore(self.services.db)
        self._root = getattr(self.services.config.settings.box.folders, self.transition.workflow)

    async def go(self) -> RunReport:
        if not self.run.dry_run:
            await self._status.recover()
        plans = [p for c in await self._find() if (p := await self.plan(c)) is not None]
        if self.run.dry_run:
            await preview(self.services, self.transition, plans, self.report)
            return self.report
        async with asyncio.TaskGroup() as group:
            for plan in plans:
                group.create_task(self._execute(plan))
        return self.report

    # -- reading -------------------------------------------------------------------

    async def _find(self) -> list[Campaign]:
        t = self.transition
        fields = self.services.config.settings.dam.fields
        folders = await self.services.dam.find_folders({fields.campaign_status: t.source})
        found: list[Campaign] = []
        ignored: list[Campaign] = []
        for folder in folders:
            try:
                campaign = read_campaign(folder, fields)
            except InvalidInputError as exc:
                self.report.fail(f"campaign folder {folder.id}", f"{exc}; fix it in OTMM")
                continue
            kind = verdict(campaign, t)
            if kind == "deliver":
                found.append(campaign)
            elif kind == "wrong_type":
                ignored.append(campaign)
        await self._left_alone(ignored)
        log.info("campaigns_found", status=t.source, count=len(found), ignored=len(ignored))
        return found

    async def _left_alone(self, campaigns: list[Campaign]) -> None:
        t = self.transition
        problems = [
            f"campaign {c.label} (DAM folder {c.id}) is at {t.source} but of type "
            f"{c.type or '(none)'!r}; {t.workflow} delivers only {t.campaign_type!r} "
            "campaigns, so it is left alone: correct its type or status in OTMM"
            for c in campaigns
        ]
        for c in campaigns:
            log.warning("campaign_left_alone", campaign=c.id, type=c.type, status=c.status)
            self.report.count("skipped")
        if self.run.dry_run:
            return
        title = f"{t.workflow}: {t.source} campaigns that are not {t.campaign_type!r}"
        store = alerts.Alerts(self.services.db, self.services.notifier)
        origin = alerts.Origin.of_run(
            self.services.config, self.run.job, self.run.run_id, self.run.now()
        )
        await store.update(f"{t.workflow}.left_alone", title, problems, origin)

    async def plan(self, campaign: Campaign) -> CampaignPlan | None:
        """Read what the DAM, Box and the database say of one campaign and decide what to
        deliver (reads only; also what ``check --deep --campaign`` shows). A campaign that
        cannot be read is a failure of ``self.report`` and has no plan."""
        what = f"reading campaign {campaign.id}"
        read = await attempt(self.report, campaign.label, what, self._read(campaign))
        if read is None:
            return None
        assets, where, rows, stored = read
        folder_id = stored.box_folder_id if stored else None
        dam = self.services.config.settings.dam
        plan = plan_campaign(
            campaign, self.transition, assets, rows, dam=dam, folder_id=folder_id, where=where
        )
        for problem in plan.problems:
            self.report.fail(problem.item, problem.reason)
        return plan

    async def _read(
        self, campaign: Campaign
    ) -> tuple[list[DamAsset], str, list[MasterRow], CampaignRow | None]:
        assets, where = await self.assets(campaign)
        rows = await self._masters.for_campaign(campaign.id)
        return assets, where, rows, await self._campaigns.get(campaign.id)

    async def assets(self, campaign: Campaign) -> tuple[list[DamAsset], str]:
        """The assets masters are chosen from, and where they were read (for messages)."""
        dam = self.services.dam
        children = await dam.folder_children(campaign.id)
        sub = self.services.config.settings.dam.masters_subfolder
        if not sub:
            return list(children.assets), f"DAM folder {campaign.id}"
        for folder in children.folders:
            if same_code(folder.name, sub):
                inner = await dam.folder_children(folder.id)
                return list(inner.assets), f"its sub-folder {sub!r} ({folder.id})"
        return [], f"its sub-folder {sub!r} (missing in DAM folder {campaign.id})"

    async def _mail(self, campaign: CampaignRow) -> Email:
        masters = await self._masters.for_campaign(campaign.id)
        delivered = [m for m in masters if m.delivered]
        env = self.services.config.settings.environment.value
        return build_mail(self.transition, campaign, delivered, env, self.run.now())

    # -- acting --------------------------------------------------------------------

    async def _execute(self, plan: CampaignPlan) -> None:
        campaign = plan.campaign
        structlog.contextvars.bind_contextvars(campaign=campaign.id)
        await attempt(self.report, campaign.label, f"campaign {campaign.id}", self._act(plan))

    async def _act(self, plan: CampaignPlan) -> None:
        await self._campaigns.seen(plan.campaign)
        if plan.masters:
            await self._deliver_campaign(plan)

    async def _deliver_campaign(self, plan: CampaignPlan) -> None:
        rows = await self._persist(plan)
        todo = [(m, rows[m.asset.id]) for m in plan.to_deliver if m.asset.id in rows]
        self.run.progress.add_total(len(todo))
        if todo:
            folder_id = await self._box_folder(plan)
            # A task group, not gather: when the run is going down, every transfer of the
            # campaign stops with it instead of running on unobserved.
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(self._deliver(plan, m, r, folder_id)) for m, r in todo]
            missing = sum(1 for task in tasks if not task.result())
            if missing:
                log.info("campaign_waiting", campaign=plan.campaign.id, missing=missing)
                return
        if plan.problems or len(todo) < len(plan.to_deliver):
            return
        await self._status.advance(plan.campaign.id, plan.campaign.label)

    async def _persist(self, plan: CampaignPlan) -> dict[str, MasterRow]:
        """Write each new master, with its tracking ID and Box name, before any effect."""
        if plan.new:
            async with self.services.db.transaction() as tx:
                store = MasterStore(tx, self.transition.workflow)
                for master in plan.new:
                    await self._mint(tx_events=EventStore(tx), store=store, plan=plan, m=master)
        rows = {r.dam_asset_id: r for r in await self._masters.for_campaign(plan.campaign.id)}
        for master in plan.to_deliver:
            if master.asset.id not in rows:
                self.report.fail(
                    f"{plan.campaign.label} / {master.asset.name}",
                    f"no unique tracking ID after {MINT_ATTEMPTS} tries; the next run tries again",
                )
        return rows

    async def _mint(
        self, tx_events: EventStore, store: MasterStore, plan: CampaignPlan, m: MasterPlan
    ) -> None:
        c, t = plan.campaign, self.transition
        dam = self.services.config.settings.dam
        for _ in range(MINT_ATTEMPTS):
            tid = tracking_id.mint()
            name = master_file_name(m.asset.name, tid, t.file_prefix)
            meta = master_metadata(m.asset, c, dam)
            new = NewMaster(tid, m.asset.id, c.id, c.number, m.asset.name, name, m.asset.size, meta)
            if await store.plan(new):
                await tx_events.record(
                    self._event(plan, "tracking_id_minted", "ok", tid, m.asset.id)
                )
                log.info("tracking_id_minted", tracking_id=tid, dam_asset_id=m.asset.id, box=name)
                return

    async def _box_folder(self, plan: CampaignPlan) -> str:
        if plan.folder_id:
            return plan.folder_id
        item = await self.services.box.ensure_folder(self._root, plan.folder_name)
        await self._campaigns.set_box_folder(plan.campaign.id, item.id)
        log.info("box_folder_ready", campaign=plan.campaign.id, box_folder_id=item.id)
        return item.id

    async def _deliver(
        self, plan: CampaignPlan, m: MasterPlan, row: MasterRow, folder: str
    ) -> bool:
        async with self._limit:
            structlog.contextvars.bind_contextvars(tracking_id=row.tracking_id)
            try:
                return await self._deliver_one(plan, m, row, folder)
            finally:
                self.run.progress.advance()

    async def _deliver_one(
        self, plan: CampaignPlan, m: MasterPlan, row: MasterRow, folder: str
    ) -> bool:
        size = m.asset.size or 0
        metadata = master_metadata(m.asset, plan.campaign, self.services.config.settings.dam)
        attempt = await self._masters.start(row.tracking_id, folder, size, metadata)
        if attempt is None:
            return True  # delivered meanwhile
        detail = {"attempt": attempt, "box_filename": row.box_filename, "box_folder_id": folder}
        await EventStore(self.services.db).record(
            self._event(
                plan,
                "master_transfer_started",
                "intent",
                row.tracking_id,
                m.asset.id,
                detail=detail,
            )
        )
        self.run.progress.current = row.box_filename
        dam, box = self.services.dam, self.services.box
        try:
            done = await transfer(
                dam,
                box,
                m.asset.id,
                folder_id=folder,
                name=row.box_filename,
                expected_size=size,
                on_chunk=self.run.progress.moved,
            )
        except Exception as exc:  # one master's failure must not stop the others
            await self._failed(plan, m, row, exc)
            return False
        async with self.services.db.transaction() as tx:
            await MasterStore(tx, self.transition.workflow).delivered(
                row.tracking_id, done.item.id, done.size, done.sha1
            )
            await EventStore(tx).record(
                self._event(
                    plan,
                    "master_delivered",
                    "ok",
                    row.tracking_id,
                    m.asset.id,
                    box_file_id=done.item.id,
                    bytes=done.size,
                    detail={"sha1": done.sha1, "box_filename": row.box_filename},
                )
            )
        self.report.count("masters_delivered")
        self.report.count("bytes", done.size)
        log.info("master_delivered", box_file_id=done.item.id, bytes=done.size, sha1=done.sha1)
        return True

    async def _failed(
        self, plan: CampaignPlan, m: MasterPlan, row: MasterRow, exc: Exception
    ) -> None:
        what = f"{m.asset.name!r} → Box {row.box_filename!r}"
        reason = failure_reason(exc, what)
        if not isinstance(exc, FerreroError):
            log.error("master_failed_unexpectedly", exc_info=exc)
        log.warning("master_failed", reason=reason)
        await self._masters.failed(row.tracking_id, reason)
        await EventStore(self.services.db).record(
            self._event(
                plan,
                "master_failed",
                "failed",
                row.tracking_id,
                m.asset.id,
                detail={"reason": reason},
            )
        )
        self.report.fail(f"{plan.campaign.label} / {m.asset.name} ({row.tracking_id})", reason)

    def _event(
        self,
        plan: CampaignPlan,
        event: str,
        outcome: EventOutcome,
        tid: str,
        asset_id: str,
        **extra: Any,
    ) -> AssetEvent:
        return AssetEvent(
            workflow=self.transition.workflow,
            event=event,
            outcome=outcome,
            run_id=self.run.run_id,
            campaign_id=plan.campaign.id,
            tracking_id=tid,
            dam_asset_id=asset_id,
            **extra,
        )
