"""CreativeX: scorecard PDFs from Box become ``creativex_scores`` rows.

Each PDF of the Box CreativeX folder is read, hashed (a PDF already stored is only
deleted), extracted and validated by the ``ScoreExtractor``, stored under the
localised asset's key (``scores.asset_key``, the one function A2→A3 looks up with),
and deleted from Box. A scorecard that cannot be read, and any file that is not a
PDF, is set aside with the reason. A score that arrives after its derivative went
into the DAM is written onto that derivative, so no score is lost to timing.

Exactly once: the row is the commit point (its unique key makes a repeat an
upsert); the PDF is deleted after it; derivatives that lack their newest score are
found by a query, so a crash between storing and writing back is made good next run.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ferrero_daemon import logs
from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain import agency_names, content_types, scores, tracking_id
from ferrero_daemon.domain.derivatives import best_score, is_pdf, score_fields, score_text
from ferrero_daemon.domain.mails import ScoresMail, ScoreStored, ScoreWritten
from ferrero_daemon.domain.values import BoxItem, Scorecard
from ferrero_daemon.errors import InvalidInputError, PermanentError, TransientError
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.store.announcements import SummaryEvent
from ferrero_daemon.store.attention import AttentionStore
from ferrero_daemon.store.derivatives import Derivative, DerivativeStore
from ferrero_daemon.store.events import EventStore
from ferrero_daemon.store.failures import FailureStore
from ferrero_daemon.store.rows import from_row
from ferrero_daemon.store.scores import NewScore, ScoreStore
from ferrero_daemon.workflows.failures import attempt
from ferrero_daemon.workflows.set_aside import SetAside
from ferrero_daemon.workflows.summary import Summary
from ferrero_daemon.workflows.workflow import Workflow, run_event

log = logs.get_logger(__name__)

ANNOUNCED = ("score_stored", "score_written_to_dam")
# A scorecard is a few pages; anything this large is not one, and is not held in memory.
MAX_PDF_BYTES = 64 * 1024 * 1024


async def run(services: Services, run: RunContext) -> RunReport:
    """Store the score of every scorecard PDF in the Box CreativeX folder."""
    return await Scoring.job(services, run)


def linked_tracking_id(key: str, card: Scorecard) -> str | None:
    """The tracking ID the creative's name carries, else a valid one printed as its label."""
    parsed = agency_names.try_parse(key)
    if parsed is not None:
        return parsed.tracking_id
    label = card.data.get("external_label")
    if isinstance(label, str) and tracking_id.is_valid(label):
        return tracking_id.normalize(label)
    return None


@dataclass(frozen=True)
class Examined:
    pdf: bytes
    problem: str | None  # why it is no PDF LlamaCloud can read
    sha256: str


def _examine(parts: list[bytes]) -> Examined:
    """The PDF whole, checked and hashed: CPU-bound, for a worker thread."""
    pdf = b"".join(parts)
    return Examined(pdf, content_types.pdf_problem(pdf), hashlib.sha256(pdf).hexdigest())


class Scoring(Workflow):
    def __init__(self, services: Services, run: RunContext, report: RunReport) -> None:
        super().__init__(services, run, report)
        self.folder_id = services.config.settings.box.folders.creativex
        self.set_aside = SetAside(services, run, report, self.folder_id, "reading its scores")
        self.scores = ScoreStore(services.db)

    async def run(self) -> None:
        if not self.run_ctx.dry_run:
            await self.set_aside.finish_pending()
        await self.set_aside.sweep(self._guarded)
        await self.set_aside.announce()
        await self._write_late_scores()
        if not self.run_ctx.dry_run:
            await Summary(
                self.s.db, self.s.notifier, self.run_ctx.job, ANNOUNCED, self._email
            ).send()

    async def _guarded(self, item: BoxItem) -> None:
        try:
            await self._take(item)
        except (TransientError, PermanentError) as exc:
            await self.set_aside.failed(item, exc)

    async def _take(self, item: BoxItem) -> None:
        if not is_pdf(item.name):
            await self.set_aside(
                item, "not a PDF; only CreativeX scorecard PDFs belong in this folder"
            )
            return
        if item.size is not None and item.size > MAX_PDF_BYTES:
            await self.set_aside(item, f"{item.size} bytes is too large for a scorecard PDF")
            return
        # Up to MAX_PDF_BYTES of joining, searching and hashing: hundreds of ms on the
        # event loop would stall every other job and the watchdog, so in a thread.
        examined = await asyncio.to_thread(_examine, await self._read(item))
        pdf, digest = examined.pdf, examined.sha256
        if examined.problem is not None:
            await self.set_aside(item, examined.problem)
            return
        if await self.scores.pdf_known(digest):
            log.info("scorecard_already_stored", file=item.name, sha256=digest)
            await self._delete(item, "scorecard_duplicate_deleted")
            return
        if self.run_ctx.dry_run:
            log.info("would_extract", file=item.name, bytes=len(pdf))
            self.report.count("would_extract")
            return
        try:
            card = await self.s.scorer.extract(pdf, item.name)
        except InvalidInputError as exc:
            await self.set_aside(item, f"the scorecard could not be read: {exc}")
            return
        await self._store(item, digest, card)
        await self._delete(item, "scorecard_deleted")

    async def _read(self, item: BoxItem) -> list[bytes]:
        parts: list[bytes] = []
        total = 0
        async with self.s.box.download(item.id) as download:
            async for chunk in download.chunks:
                total += len(chunk)
                if total > MAX_PDF_BYTES:
                    raise InvalidInputError(f"larger than {MAX_PDF_BYTES} bytes; not a scorecard")
                parts.append(chunk)
        self.run_ctx.progress.moved(total)
        return parts

    async def _store(self, item: BoxItem, digest: str, card: Scorecard) -> None:
        key = (
            scores.asset_key(card.creative_name)
            if card.creative_name
            else scores.asset_key_from_scorecard(item.name)
        )
        tid = linked_tracking_id(key, card)
        extracted = {**card.data, "pdf_name": item.name, "warnings": list(card.warnings)}
        new = NewScore(
            asset_filename=key,
            tracking_id=tid,
            channel=card.channel,
            cqs_pct=card.cqs_pct,
            guidelines_met=card.guidelines_met,
            guidelines_total=card.guidelines_total,
            pdf_sha256=digest,
            extracted=extracted,
            extracted_at=self.s.clock(),
        )
        async with self.s.db.transaction() as tx:
            score_id = await ScoreStore(tx).store(new)
            await EventStore(tx).record(
                run_event(
                    self.run_ctx,
                    "score_stored",
                    tracking_id=tid,
                    box_file_id=item.id,
                    detail={
                        "score_id": score_id,
                        "pdf": item.name,
                        "creative": card.creative_name or key,
                        "asset_filename": key,
                        "cqs_pct": card.cqs_pct,
                        "guidelines_met": card.guidelines_met,
                        "guidelines_total": card.guidelines_total,
                        "channel": card.channel,
                        "tier": card.data.get("quality_tier"),
                        "warnings": list(card.warnings),
                    },
                )
            )
        self.report.count("stored")
        log.info(
            "score_stored",
            file=item.name,
            asset_filename=key,
            tracking_id=tid,
            cqs_pct=card.cqs_pct,
        )

    async def _delete(self, item: BoxItem, event: str) -> None:
        if self.run_ctx.dry_run:
            log.info("would_delete_box_file", file=item.name, box_file_id=item.id)
            return
        await self.s.box.delete(item.id)
        async with self.s.db.transaction() as tx:
            await AttentionStore(tx).resolve(item.id)
            await FailureStore(tx).clear(item.id)
            await EventStore(tx).record(
                run_event(self.run_ctx, event, box_file_id=item.id, detail={"file": item.name})
            )

    async def _write_late_scores(self) -> None:
        for derivative in await DerivativeStore(self.s.db).with_newer_score():
            what = "writing its CreativeX score to the DAM"
            await attempt(
                self.report, derivative.original_filename, what, self._write_score(derivative)
            )

    async def _write_score(self, d: Derivative) -> None:
        key = scores.asset_key(d.original_filename)
        candidates = await self.scores.candidates(key, d.tracking_id)
        score = best_score(candidates, key, d.tracking_id, d.country, d.language)
        if score is None or score.id == d.creativex_score_id or d.dam_asset_id is None:
            return
        settings = self.s.config.settings
        said = {"file": d.original_filename, "dam_asset_id": d.dam_asset_id, "score_id": score.id}
        if self.run_ctx.dry_run:
            log.info("would_write_score", **said)
            return
        await self.s.dam.update_asset_metadata(
            d.dam_asset_id, score_fields(settings.dam, settings.creativex, score)
        )
        async with self.s.db.transaction() as tx:
            await DerivativeStore(tx).score_written(d.id, score.cqs_pct, score.id)
            await EventStore(tx).record(
                run_event(
                    self.run_ctx,
                    "score_written_to_dam",
                    campaign_id=d.campaign_id,
                    tracking_id=d.tracking_id,
                    dam_asset_id=d.dam_asset_id,
                    detail={
                        "file": d.original_filename,
                        "score_id": score.id,
                        "creativex_score": score_text(score, settings.creativex),
                    },
                )
            )
        self.report.count("scores_written_to_dam")
        log.info("score_written_to_dam", **said)

    def _email(self, events: list[SummaryEvent]) -> Email:
        stored = [_stored(e.detail) for e in events if e.event == "score_stored"]
        written = [
            from_row(ScoreWritten, e.detail) for e in events if e.event == "score_written_to_dam"
        ]
        subject = f"CreativeX: {len(stored)} scorecard(s) stored"
        if written:
            subject += f", {len(written)} score(s) written to the DAM"
        context = ScoresMail(scores=stored, written=written)
        return Email(to="success", subject=subject, context=context)


def _stored(d: Mapping[str, Any]) -> ScoreStored:
    """One scorecard of the mail, from the event ``_store`` wrote."""
    return from_row(ScoreStored, d)
