"""A5→A6: rejected derivatives go back to the agency with the reviewers' comments.

For each campaign at A5, only the derivatives whose approval field says
``NOT APPROVED`` are streamed DAM → Box into ``REJECTED/`` under the campaign's
sub-folder of the A1→A2 folder (the one the delivery workflow created), named with
their tracking ID. The full comment goes into ``<name>.comments.txt`` beside the
file, and as much as fits into the file's Box description. Then the campaign moves
A5→A6 (webhook), and one mail lists every rejection with its comment. A campaign at
A5 with nothing rejected is reported and left alone.

Exactly once: a derivative is marked ``rejected_sent`` only after both files are in
Box; Box uploads are idempotent by content hash (a 409 with the same SHA-1 counts as
done); the campaign moves only when every rejection is sent (``status_change.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from ferrero_daemon import logs
from ferrero_daemon.clients.types import ByteStream, Email
from ferrero_daemon.domain import agency_names, rejections
from ferrero_daemon.domain.campaigns import a5_a6_move, read_campaign
from ferrero_daemon.domain.mails import RejectionSent, RejectionsMail
from ferrero_daemon.domain.values import BoxItem, DamAsset, DamFolder, field_text
from ferrero_daemon.errors import ConflictError, PermanentError
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.store.announcements import SummaryEvent
from ferrero_daemon.store.campaigns import CampaignStore
from ferrero_daemon.store.derivatives import Derivative, DerivativeStore
from ferrero_daemon.store.events import EventStore
from ferrero_daemon.store.rows import from_row
from ferrero_daemon.workflows import dam_lookup
from ferrero_daemon.workflows.failures import attempt
from ferrero_daemon.workflows.status_change import StatusChange
from ferrero_daemon.workflows.streams import counted, once
from ferrero_daemon.workflows.summary import Summary
from ferrero_daemon.workflows.workflow import Workflow, run_event

log = logs.get_logger(__name__)

ANNOUNCED = ("rejection_sent",)


@dataclass(frozen=True)
class Rejection:
    asset: DamAsset
    derivative: Derivative
    name: str  # the Box file name, carrying the tracking ID
    comment: str


Source = Callable[[], AbstractAsyncContextManager[tuple[int, ByteStream]]]


@asynccontextmanager
async def _from_bytes(data: bytes) -> AsyncIterator[tuple[int, ByteStream]]:
    yield len(data), once(data)


async def run(services: Services, run: RunContext) -> RunReport:
    """Send every rejected derivative of every A5 campaign back to its agency."""
    return await Rejections.job(services, run)


class Rejections(Workflow):
    def __init__(self, services: Services, run: RunContext, report: RunReport) -> None:
        super().__init__(services, run, report)
        self.store = DerivativeStore(services.db)
        self.status = StatusChange(services, run, a5_a6_move(self.settings.dam), report)

    async def run(self) -> None:
        fields = self.settings.dam.fields
        if not self.run_ctx.dry_run:
            await self.status.recover()
        codes = self.settings.dam.statuses
        campaigns = await self.s.dam.find_folders({fields.campaign_status: codes.a5})
        self.run_ctx.progress.add_total(len(campaigns))
        for campaign in campaigns:
            self.run_ctx.progress.current = campaign.name
            what = "sending its rejections back to the agency"
            await attempt(self.report, self._label(campaign), what, self._campaign(campaign))
            self.run_ctx.progress.advance()
        if not self.run_ctx.dry_run:
            await Summary(
                self.s.db, self.s.notifier, self.run_ctx.job, ANNOUNCED, self._email
            ).send()

    def _label(self, campaign: DamFolder) -> str:
        number = field_text(campaign.metadata.get(self.settings.dam.fields.campaign_number))
        return f"campaign {number or campaign.id} ({campaign.name})"

    async def _campaign(self, campaign: DamFolder) -> None:
        folder_id = await dam_lookup.derivatives_folder(self.s.dam, self.settings.dam, campaign.id)
        dam = self.settings.dam
        rejected = [
            a
            for a in await dam_lookup.derivatives(self.s.dam, dam, folder_id)
            if rejections.is_rejected(a.metadata.get(dam.fields.approval), dam.values.rejected)
        ]
        if not rejected:
            log.warning("campaign_without_rejections", campaign=campaign.id)
            self.report.fail(
                self._label(campaign),
                f"status {dam.statuses.a5} but no derivative is {dam.values.rejected}; left at "
                f"{dam.statuses.a5} (set the approvals or the status in the DAM)",
            )
            return
        box_folder = await CampaignStore(self.s.db).box_folder(campaign.id)
        if box_folder is None:
            raise PermanentError(
                "no Box folder is recorded for this campaign (was it delivered by a1_a2?); "
                "rejections cannot be sent back"
            )
        sent = 0
        for asset in rejected:
            sent += await self._guarded(campaign, asset, box_folder)
        if sent == len(rejected):
            await self._move(campaign)

    async def _guarded(self, campaign: DamFolder, asset: DamAsset, box_folder: str) -> int:
        what = "sending the rejection back to Box"
        sent = await attempt(
            self.report, asset.name, what, self._reject(campaign, asset, box_folder)
        )
        return sent or 0

    async def _reject(self, campaign: DamFolder, asset: DamAsset, box_folder: str) -> int:
        rejection = await self._rejection(asset)
        if rejection.derivative.state == "rejected_sent":
            return 1  # sent by an earlier run; not again until a new version is delivered
        if self.run_ctx.dry_run:
            log.info(
                "would_send_rejection",
                file=rejection.name,
                dam_asset_id=asset.id,
                campaign=campaign.id,
            )
            self.report.count("would_send")
            return 1
        target = await self.s.box.ensure_folder(box_folder, self.settings.box.rejected_folder)
        item = await self._upload(
            target.id, rejection.name, lambda: self._from_dam(rejection.asset)
        )
        await self.s.box.set_description(item.id, rejections.description(rejection.comment))
        body = rejections.comments_file_body(rejection.name, campaign.name, rejection.comment)
        await self._upload(
            target.id, rejections.comments_file_name(rejection.name), lambda: _from_bytes(body)
        )
        await self._record(campaign, rejection, item)
        return 1

    async def _rejection(self, asset: DamAsset) -> Rejection:
        fields = self.settings.dam.fields
        derivative = await self.store.by_dam_asset(asset.id)
        if derivative is None:
            raise PermanentError(
                f"DAM asset {asset.id} is not a derivative this daemon uploaded (no tracking record)"
            )
        comment = rejections.comment_text(
            asset.metadata.get(fields.comments), fields.comments_tabular
        )
        name = agency_names.with_tracking_id(derivative.original_filename, derivative.tracking_id)
        return Rejection(asset, derivative, name, comment)

    @asynccontextmanager
    async def _from_dam(self, asset: DamAsset) -> AsyncIterator[tuple[int, ByteStream]]:
        async with self.s.dam.download(asset.id) as download:
            size = download.size if download.size is not None else asset.size
            if size is None:
                raise PermanentError(f"the DAM did not say how large asset {asset.id} is")
            yield size, counted(download.chunks, self.run_ctx.progress)

    async def _upload(self, folder_id: str, name: str, source: Source) -> BoxItem:
        try:
            async with source() as (size, chunks):
                return await self.s.box.upload(folder_id, name, size, chunks)
        except ConflictError:
            pass
        # A file of that name with other content: an earlier round's rejection, replaced
        # by a new version so the agency keeps one file per derivative.
        existing = next(
            (
                i
                for i in await self.s.box.list_folder(folder_id)
                if i.type == "file" and i.name == name
            ),
            None,
        )
        if existing is None:
            raise ConflictError(
                f"Box refused {name!r} in folder {folder_id} and no such file is there"
            )
        async with source() as (size, chunks):
            return await self.s.box.upload_version(existing.id, name, size, chunks)

    async def _record(self, campaign: DamFolder, rejection: Rejection, item: BoxItem) -> None:
        d = rejection.derivative
        approval = field_text(rejection.asset.metadata.get(self.settings.dam.fields.approval))
        async with self.s.db.transaction() as tx:
            await DerivativeStore(tx).rejection_sent(d.id, approval, rejection.comment)
            await EventStore(tx).record(
                run_event(
                    self.run_ctx,
                    "rejection_sent",
                    campaign_id=campaign.id,
                    tracking_id=d.tracking_id,
                    dam_asset_id=rejection.asset.id,
                    box_file_id=item.id,
                    bytes=item.size,
                    detail={
                        "file": rejection.name,
                        "campaign": campaign.name,
                        "country": d.country,
                        "language": d.language,
                        "comment": rejection.comment or rejections.NO_COMMENT,
                    },
                )
            )
        self.report.count("rejections_sent")
        log.info(
            "rejection_sent", file=rejection.name, tracking_id=d.tracking_id, box_file_id=item.id
        )

    async def _move(self, folder: DamFolder) -> None:
        campaign = read_campaign(folder, self.settings.dam.fields)
        if not self.run_ctx.dry_run:
            await CampaignStore(self.s.db).seen(campaign)
        await self.status.advance(campaign.id, self._label(folder))

    def _email(self, events: list[SummaryEvent]) -> Email:
        items = [_rejection(e) for e in events]
        context = RejectionsMail(rejections=items, folder=self.settings.box.rejected_folder)
        subject = f"A5→A6: {len(items)} rejected version(s) sent back to the agency"
        return Email(to="success", subject=subject, context=context)


def _rejection(e: SummaryEvent) -> RejectionSent:
    """One line of the mail, from the event ``_record`` wrote."""
    return from_row(RejectionSent, e.detail, tracking_id=e.tracking_id or "")
