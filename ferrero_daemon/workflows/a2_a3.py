"""A2→A3: the agencies' localised versions come back from Box into the DAM.

Each file of the Box A2→A3 folder is read by its name, linked to its master through
the tracking ID, and streamed into the master's campaign in the DAM as a derivative
carrying the master's fields, the name's market, and its CreativeX score (or the
documented defaults, flagged in the mail). A re-delivery of the same tracking ID,
country and language becomes a new version of that derivative. The Box file is
deleted only once the DAM import is recorded. A file that cannot be taken is set
aside (``set_aside.py``). Whether and when a campaign moves A2→A3 (with its webhook
event) is ``[jobs.a2_a3] move_to_a3``: never (the default), with its first localised
version, or once every master has one; the move is ``status_change.py``'s.

Exactly once: ``derivative_assets`` records the intent (state ``importing``) before the
transfer; a resumed transfer first looks for the asset in the DAM; the result is
recorded before the Box file is deleted. An identical re-upload is recorded (its event,
and the row naming its Box file) before its Box file is deleted too. A run that finds a
file the row names, with the content it recorded, only deletes it. The summary mail is
built from events.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from ferrero_daemon import logs
from ferrero_daemon.clients.types import ByteStream, Email
from ferrero_daemon.domain import agency_names, content_types, scores
from ferrero_daemon.domain.agency_names import AgencyName, BadName
from ferrero_daemon.domain.campaigns import a2_a3_move
from ferrero_daemon.domain.derivatives import (
    StoredScore,
    best_score,
    derivative_metadata,
    missing_master_fields,
    score_fields,
    score_status,
    score_text,
)
from ferrero_daemon.domain.mails import Upload, UploadsMail
from ferrero_daemon.domain.values import BoxItem, DamAsset, FieldValue, Metadata
from ferrero_daemon.errors import InvalidInputError, PermanentError, TransientError
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.store.announcements import SummaryEvent
from ferrero_daemon.store.attention import AttentionStore
from ferrero_daemon.store.campaigns import CampaignStore
from ferrero_daemon.store.derivatives import (
    Arrival,
    Derivative,
    DerivativeStore,
    Imported,
    Master,
    market_key,
)
from ferrero_daemon.store.events import AssetEvent, EventOutcome, EventStore
from ferrero_daemon.store.failures import FailureStore
from ferrero_daemon.store.rows import from_row
from ferrero_daemon.store.scores import ScoreStore
from ferrero_daemon.workflows import dam_lookup
from ferrero_daemon.workflows.set_aside import SetAside
from ferrero_daemon.workflows.status_change import StatusChange
from ferrero_daemon.workflows.streams import counted, peek
from ferrero_daemon.workflows.summary import Summary
from ferrero_daemon.workflows.workflow import Workflow, run_event

log = logs.get_logger(__name__)

UNCHANGED = "derivative_unchanged"
IMPORTED = ("derivative_imported", "derivative_versioned", UNCHANGED)


class CannotTake(InvalidInputError):
    """A file that is set aside rather than failed: the reason says what to fix (without
    the file's name, which goes beside it: ``domain/file_reasons.py``)."""


@dataclass(frozen=True)
class Plan:
    item: BoxItem
    name: AgencyName
    master: Master
    folder_id: str
    existing: Derivative | None
    score: StoredScore | None

    @property
    def is_version(self) -> bool:
        return self.existing is not None and self.existing.dam_asset_id is not None

    @property
    def is_recorded(self) -> bool:
        """This very file (id and content) is recorded as imported or as an identical
        re-upload by a run that stopped before deleting it: only the delete is left."""
        old = self.existing
        return (
            old is not None
            and old.state == "imported"
            and old.box_file_id == self.item.id
            and old.sha1 == self.item.sha1
        )

    @property
    def is_identical(self) -> bool:
        """The same bytes (SHA-1) as the DAM's current version, taken from another Box file."""
        old = self.existing
        return (
            old is not None
            and old.dam_asset_id is not None
            and old.state != "importing"
            and self.item.sha1 is not None
            and old.sha1 == self.item.sha1
        )


async def run(services: Services, run: RunContext) -> RunReport:
    """Take every file of the Box A2→A3 folder into the DAM."""
    return await AgencyUploads.job(services, run)


class AgencyUploads(Workflow):
    def __init__(self, services: Services, run: RunContext, report: RunReport) -> None:
        super().__init__(services, run, report)
        self.folder_id = self.settings.box.folders.a2_a3
        self.set_aside = SetAside(services, run, report, self.folder_id, "taking it into the DAM")
        self.store = DerivativeStore(services.db)
        self.status = StatusChange(services, run, a2_a3_move(self.settings.dam), report)

    async def run(self) -> None:
        if not self.run_ctx.dry_run:
            await self.set_aside.finish_pending()
            await self.status.recover()
        await self.set_aside.sweep(self._guarded)
        await self.set_aside.announce()
        await self._advance_campaigns()
        if not self.run_ctx.dry_run:
            await Summary(
                self.s.db, self.s.notifier, self.run_ctx.job, IMPORTED, self._email
            ).send()

    async def _guarded(self, item: BoxItem) -> None:
        try:
            await self._take(item)
        except CannotTake as exc:
            await self.set_aside(item, str(exc))
        except (TransientError, PermanentError) as exc:
            await self.set_aside.failed(item, exc)

    async def _take(self, item: BoxItem) -> None:
        plan = await self._plan(item)
        if plan.is_recorded:
            if self.run_ctx.dry_run:
                log.info("would_delete_box_file", file=item.name, box_file_id=item.id)
            else:
                await self._delete(plan)
            return
        if plan.is_identical:
            await self._unchanged(plan)
            return
        if self.run_ctx.dry_run:
            await self._check_head(plan)
            verb = "would_check_in_version" if plan.is_version else "would_import"
            log.info(verb, file=item.name, tracking_id=plan.name.tracking_id, folder=plan.folder_id)
            self.report.count("would_version" if plan.is_version else "would_import")
            return
        await self._import(plan)

    async def _plan(self, item: BoxItem) -> Plan:
        name = _read_name(item)
        master = await self.store.master(name.tracking_id)
        if master is None:
            raise CannotTake(
                f"unknown tracking ID {name.tracking_id}: no master was delivered "
                "with it; check the ID against the master's file name"
            )
        if (mismatch := agency_names.campaign_mismatch(name, master.campaign_number)) is not None:
            raise CannotTake(mismatch)
        folder_id = await dam_lookup.derivatives_folder(
            self.s.dam, self.settings.dam, master.campaign_id
        )
        existing = await self.store.get(name.tracking_id, name.country, name.language)
        key = scores.asset_key(item.name)
        candidates = await ScoreStore(self.s.db).candidates(key, name.tracking_id)
        score = best_score(candidates, key, name.tracking_id, name.country, name.language)
        return Plan(item, name, master, folder_id, existing, score)

    async def _unchanged(self, plan: Plan) -> None:
        """An identical re-upload: no new version (it would send an approved asset back to
        review for nothing); the Box copy goes, the mail says so. Identical to a version the
        reviewers rejected, it is set aside: the agency meant to send a corrected file."""
        old, item = plan.existing, plan.item
        assert old is not None and old.dam_asset_id is not None
        if old.state == "rejected_sent":
            raise CannotTake(
                f"identical to version {old.dam_version} in the DAM, which the "
                "reviewers rejected; upload the corrected file"
            )
        if self.run_ctx.dry_run:
            log.info("would_delete_identical_file", file=item.name, dam_asset_id=old.dam_asset_id)
            self.report.count("would_skip_unchanged")
            return
        current = DamAsset(
            old.dam_asset_id, item.name, plan.folder_id, item.size, None, old.dam_version
        )
        # Recorded before the delete, as an import is: a run that stops in between
        # finds the row naming this file (``is_recorded``) and only deletes it.
        async with self.s.db.transaction() as tx:
            await DerivativeStore(tx).arrived_unchanged(old.id, item.id)
            await EventStore(tx).record(self._event(plan, UNCHANGED, "ok", current))
        self.report.count("unchanged")
        log.info(UNCHANGED, file=item.name, dam_asset_id=old.dam_asset_id, version=old.dam_version)
        await self._delete(plan)

    async def _check_head(self, plan: Plan) -> None:
        """A dry run's content check: the same first bytes a real run checks, then the
        download is closed (a download is a read; the rest of the file is never fetched)."""
        async with self.s.box.download(plan.item.id) as download:
            await _checked(plan, download.chunks)

    async def _import(self, plan: Plan) -> None:
        resumed = plan.existing is not None and plan.existing.state == "importing"
        async with self.s.box.download(plan.item.id) as download:
            chunks = await _checked(plan, download.chunks)
            row = await self._begin(plan)
            asset = await self._find_done(plan, row) if resumed else None
            if asset is None:
                asset = await self._transfer(plan, row, download.size, chunks)
        if plan.is_version:
            await self.s.dam.update_asset_metadata(asset.id, self._version_fields(plan))
        await self._record(plan, row, asset)
        await self._delete(plan)

    async def _begin(self, plan: Plan) -> Derivative:
        item, name = plan.item, plan.name
        arrival = Arrival(
            tracking_id=name.tracking_id,
            country=name.country,
            language=name.language,
            job_number=name.job,
            name=item.name,
            box_file_id=item.id,
            size=item.size or 0,
            sha1=item.sha1,
            campaign_id=plan.master.campaign_id,
            dam_folder_id=plan.folder_id,
        )
        async with self.s.db.transaction() as tx:
            store = DerivativeStore(tx)
            if plan.existing is None:
                row = await store.begin_import(arrival)
            else:
                row = await store.begin_version(plan.existing.id, arrival)
            await EventStore(tx).record(self._event(plan, "derivative_import_started", "intent"))
        return row

    async def _find_done(self, plan: Plan, row: Derivative) -> DamAsset | None:
        """After a crash: did the DAM take the file before we could record it?"""
        asset = await dam_lookup.find_derivative(
            self.s.dam,
            self.settings.dam,
            plan.folder_id,
            tid=row.tracking_id,
            country=row.country,
            language=row.language,
        )
        if asset is None or (row.dam_asset_id is not None and asset.version <= row.dam_version):
            return None
        log.info("derivative_found_after_restart", file=plan.item.name, dam_asset_id=asset.id)
        return asset

    async def _transfer(
        self, plan: Plan, row: Derivative, box_size: int | None, content: ByteStream
    ) -> DamAsset:
        item = plan.item
        size = item.size if item.size is not None else box_size
        if size is None:
            raise PermanentError("Box did not say how large the file is")
        chunks = counted(content, self.run_ctx.progress)
        if row.dam_asset_id is not None:
            return await self.s.dam.check_in_version(row.dam_asset_id, item.name, size, chunks)
        metadata = await self._metadata(plan)
        return await self.s.dam.import_asset(
            plan.folder_id,
            item.name,
            size,
            chunks,
            metadata,
            mime_type=mimetypes.guess_type(item.name)[0],
        )

    async def _metadata(self, plan: Plan) -> dict[str, FieldValue]:
        dam = self.settings.dam
        master: Metadata = plan.master.metadata
        if missing_master_fields(dam, master):
            # Delivery stored fewer fields than the mapping now asks for: read the master.
            fresh = await self.s.dam.get_asset(plan.master.dam_asset_id)
            master = {**fresh.metadata, **master}
        return derivative_metadata(dam, self.settings.creativex, master, plan.name, plan.score)

    def _version_fields(self, plan: Plan) -> dict[str, FieldValue]:
        # A new version goes back to review: its old approval no longer applies.
        fields = score_fields(self.settings.dam, self.settings.creativex, plan.score)
        fields[self.settings.dam.fields.approval] = None
        fields[self.settings.dam.fields.job_number] = plan.name.job
        return fields

    async def _record(self, plan: Plan, row: Derivative, asset: DamAsset) -> None:
        score = plan.score
        result = Imported(
            asset.id, asset.version, score.cqs_pct if score else None, score.id if score else None
        )
        event = "derivative_versioned" if plan.is_version else "derivative_imported"
        async with self.s.db.transaction() as tx:
            await DerivativeStore(tx).imported(row.id, result)
            await EventStore(tx).record(self._event(plan, event, "ok", asset))
        self.report.count("versioned" if plan.is_version else "imported")
        log.info(event, file=plan.item.name, tracking_id=row.tracking_id, dam_asset_id=asset.id)
        if score is None:
            log.warning(
                "derivative_without_score", file=plan.item.name, tracking_id=row.tracking_id
            )

    async def _delete(self, plan: Plan) -> None:
        await self.s.box.delete(plan.item.id)  # one already gone counts as deleted
        async with self.s.db.transaction() as tx:
            await AttentionStore(tx).resolve(plan.item.id)
            await FailureStore(tx).clear(plan.item.id)
            await EventStore(tx).record(self._event(plan, "agency_file_deleted", "ok"))

    def _event(
        self, plan: Plan, event: str, outcome: EventOutcome, asset: DamAsset | None = None
    ) -> AssetEvent:
        cx = self.settings.creativex
        name = plan.name
        country, language = market_key(name.country, name.language)
        return run_event(
            self.run_ctx,
            event,
            outcome=outcome,
            campaign_id=plan.master.campaign_id,
            tracking_id=name.tracking_id,
            dam_asset_id=asset.id if asset else None,
            box_file_id=plan.item.id,
            bytes=plan.item.size,
            detail={
                "file": plan.item.name,
                "country": country,
                "language": language,
                "job_number": name.job,
                "campaign_number": plan.master.campaign_number,
                "version": asset.version if asset else None,
                "creativex_score": score_text(plan.score, cx),
                "creativex_status": score_status(plan.score, cx),
                "scored": plan.score is not None,
            },
        )

    async def _advance_campaigns(self) -> None:
        when = self.settings.jobs.a2_a3.move_to_a3
        if when == "off":
            return
        campaigns = CampaignStore(self.s.db)
        a2 = self.settings.dam.statuses.a2
        for campaign in await campaigns.due_a3(a2, every_master=when == "every_master"):
            await self.status.advance(campaign.id, campaign.label)

    def _email(self, events: list[SummaryEvent]) -> Email:
        uploads = [_upload(e) for e in events if e.event != UNCHANGED]
        unchanged = [_upload(e) for e in events if e.event == UNCHANGED]
        context = UploadsMail(
            uploads=uploads,
            unscored=[u.file for u in uploads if not u.scored],
            default_score=self.settings.creativex.default_score,
            default_status=self.settings.creativex.default_status,
            unchanged=unchanged,
        )
        subject = f"A2→A3: {len(uploads)} localised version(s) uploaded to the DAM"
        if unchanged:
            subject += f", {len(unchanged)} identical re-upload(s) not added again"
        return Email(to="success", subject=subject, context=context)


def _upload(e: SummaryEvent) -> Upload:
    """One line of the mail, from the event ``_record`` wrote (``AgencyUploads._event``)."""
    new_version = e.event == "derivative_versioned"
    return from_row(Upload, e.detail, tracking_id=e.tracking_id or "", new_version=new_version)


async def _checked(plan: Plan, chunks: ByteStream) -> ByteStream:
    """The stream, once its first bytes say it is what the extension says (read once)."""
    head, chunks = await peek(chunks, content_types.HEAD_BYTES)
    if (problem := content_types.problem(plan.name.extension, head)) is not None:
        raise CannotTake(problem)
    return chunks


def _read_name(item: BoxItem) -> AgencyName:
    """The agency's name, read; ``CannotTake`` for system files, bad names, empty files."""
    if (system := agency_names.system_file(item.name)) is not None:
        raise CannotTake(f"{system}, not a localised version; nothing to import, delete it")
    try:
        name = agency_names.parse(item.name)
    except BadName as exc:
        raise CannotTake(exc.reason) from exc
    if item.size == 0:
        raise CannotTake("the file is empty (0 bytes); ask the agency to upload it again")
    return name
