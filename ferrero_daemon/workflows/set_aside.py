"""Files that cannot be taken go to a ``_needs_attention`` sub-folder, reported once.

The file is never deleted and never retried in a loop: it leaves the watched folder,
its Box description says why, ``attention_items`` records it, and the error
recipients get it in the run's one attention mail (``announce``: every file set aside,
not set aside, or left in a sub-folder in that run, ``strays.py``). Moving it back into
the watched folder retries it.

No file stops the others. A file a remote keeps failing for is retried at each run
and set aside after ``[box] set_aside_after_failed_runs`` failed runs (``failed``), but
only failures about *that file* count: a permanent answer about it (a 4xx, a 404, bytes
that do not check out) at once; a temporary one (a timeout, a refused connection, a
5xx) only in a run where another file went through, so the remote was up. Refused
credentials, an untrusted certificate and 429s never count. A run in which no file goes
through counts nothing: the remote is down, reported once (``remote_down``), and a run
whose first ``DOWN_AFTER`` files all fail so stops there. Files that failed before are
tried last (least recently failed first), so failing files never hold the others up.
A set-aside whose Box steps fail (a name Box refuses, a *file* named like the
sub-folder) stays pending: it is mailed once, tried again at each run, and the sweep
leaves the file alone meanwhile.

Exactly once: the row is written first (intent), the Box changes are idempotent, and
the row is marked reported in the transaction that records its ``file_set_aside`` (or
``set_aside_failed``) event. The attention mail is built from those events after a
cursor (``Summary``, channel ``attention``), so a file is in exactly one mail however
the runs crash. ``finish_pending`` completes what an earlier run left half done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from ferrero_daemon import logs
from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain import agency_names, file_reasons
from ferrero_daemon.domain.mails import AttentionDigestMail, AttentionEntry
from ferrero_daemon.domain.rejections import BOX_DESCRIPTION_LIMIT
from ferrero_daemon.domain.values import BoxItem
from ferrero_daemon.errors import (
    AuthError,
    CertificateError,
    ConflictError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    TransientError,
)
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.store.announcements import SummaryEvent
from ferrero_daemon.store.attention import AttentionItem, AttentionStore
from ferrero_daemon.store.events import AssetEvent, EventStore
from ferrero_daemon.store.failures import FailureStore, FileFailure
from ferrero_daemon.workflows.failures import RemoteError, failure_reason
from ferrero_daemon.workflows.strays import NOTICED, Strays
from ferrero_daemon.workflows.summary import Summary
from ferrero_daemon.workflows.workflow import run_event

log = logs.get_logger(__name__)
SET_ASIDE = "file_set_aside"
NOT_SET_ASIDE = "set_aside_failed"
ANNOUNCED = (SET_ASIDE, NOT_SET_ASIDE, NOTICED)

# A run whose first files all fail this way, none going through, stops: the remote is
# down, and trying the rest would only wait out their timeouts and retries.
DOWN_AFTER = 3


def channel_wide(exc: RemoteError) -> bool:
    """Refused credentials, an untrusted certificate, a 429: the daemon's trouble with the
    remote, whatever the file; they never count against one."""
    return isinstance(exc, AuthError | CertificateError | RateLimitedError)


def about_the_file(exc: RemoteError) -> bool:
    """A permanent answer about this file: it counts at once, whatever the other files do."""
    return isinstance(exc, PermanentError) and not channel_wide(exc)


@dataclass
class Tally:
    """The run so far: how many files went through, and the failures that counted
    nothing yet (temporary or channel-wide: judged once the run knows whether the
    remotes were up)."""

    through: int = 0
    waiting: list[tuple[BoxItem, RemoteError]] = field(default_factory=list)
    handled: set[str] = field(default_factory=set)  # failed or set aside in this run

    @property
    def down(self) -> bool:
        return not self.through and len(self.waiting) >= DOWN_AFTER


@dataclass(frozen=True)
class SetAside:
    services: Services
    run: RunContext
    report: RunReport
    folder_id: str  # the watched folder; _needs_attention is created inside it
    task: str  # what the workflow does with a file, for the report: "taking it into the DAM"
    tally: Tally = field(default_factory=Tally, init=False)

    @property
    def _workflow(self) -> str:
        return self.run.job

    @property
    def _folder_name(self) -> str:
        return self.services.config.settings.box.needs_attention_folder

    async def __call__(self, item: BoxItem, reason: str) -> None:
        """Set ``item`` aside; ``reason`` says what to fix, without the file's name
        (``file_reasons``: the name is kept beside it and shown once)."""
        reason = file_reasons.bare(item.name, reason)
        if self.run.dry_run:
            self.report.count("set_aside")
            log.info("would_set_aside", file=item.name, box_file_id=item.id, reason=reason)
            return
        self.tally.handled.add(item.id)
        entry = AttentionItem(item.id, self._workflow, item.name, reason, item.sha1)
        async with self.services.db.transaction() as tx:
            await AttentionStore(tx).set_aside(entry)
            await FailureStore(tx).clear(item.id)
        await self._complete(entry)

    async def failed(self, item: BoxItem, exc: RemoteError) -> None:
        """A remote failed for ``item``: retried next run, set aside after too many runs
        that failed for it (a temporary error is judged at the end of the sweep)."""
        self.tally.handled.add(item.id)
        if about_the_file(exc):
            await self._judged(item, exc)
        else:
            self.tally.waiting.append((item, exc))

    async def _judged(self, item: BoxItem, exc: RemoteError) -> None:
        runs = await self._count(item, exc)
        if runs >= self.services.config.settings.box.set_aside_after_failed_runs:
            await self(item, f"failed in {runs} runs; the last error: {exc}")
            return
        if isinstance(exc, PermanentError):
            self.report.count("failed")
        self.report.fail(item.name, failure_reason(exc, self.task))

    async def finish_pending(self) -> None:
        """Complete set-asides an earlier run recorded but could not finish."""
        for entry in await AttentionStore(self.services.db).unreported(self._workflow):
            await self._complete(entry)

    async def sweep(self, take: Callable[[BoxItem], Awaitable[None]]) -> None:
        """Hand each file of the watched folder to ``take``, once, in listing order
        (files that failed in earlier runs last), until the remote is down.

        A file an operator moved back out of ``_needs_attention`` is marked returned
        first, so it is tried from scratch; one whose set-aside is pending is left alone.
        Files in sub-folders, and in ``_needs_attention`` without having been set aside
        there, are reported once (``strays.py``). Progress follows the files.
        """
        listing = await self.services.box.list_folder(self.folder_id)
        files = await self._ordered([item for item in listing if item.type == "file"])
        progress = self.run.progress
        progress.add_total(len(files))
        items = await AttentionStore(self.services.db).open_items(self._workflow)
        open_items = {entry.box_file_id: entry for entry in items}
        for item in files:
            progress.current = item.name
            await self._sweep_one(item, open_items.get(item.id), take)
            progress.advance()
            if self.tally.down:
                break
        await self._settle()
        folders = [item for item in listing if item.type == "folder"]
        known = await AttentionStore(self.services.db).open_items(self._workflow)
        strays = Strays(self.services, self.run, self._folder_name)
        await strays.notice(folders, {entry.box_file_id for entry in known})

    async def returned(self, item: BoxItem) -> None:
        """An operator moved a set-aside file back: it is retried from scratch."""
        if not self.run.dry_run and await AttentionStore(self.services.db).resolve(item.id):
            log.info("set_aside_file_returned", file=item.name, box_file_id=item.id)

    async def _sweep_one(
        self, item: BoxItem, entry: AttentionItem | None, take: Callable[[BoxItem], Awaitable[None]]
    ) -> None:
        if entry is not None:
            if _pending(entry, item):
                return  # finish_pending tries its set-aside at each run
            await self.returned(item)
        if item.name.casefold() == self._folder_name.casefold():
            await self(
                item,
                f"a file may not be named like the {self._folder_name} "
                "sub-folder, where files that cannot be taken are set aside; rename or "
                "delete it",
            )
            return
        await take(item)
        if item.id not in self.tally.handled:
            self.tally.through += 1

    async def _ordered(self, files: list[BoxItem]) -> list[BoxItem]:
        """Listing order, but files that failed before go last, least recently failed
        first: a few failing files at the head of the folder never hold up the rest."""
        failed = await FailureStore(self.services.db).failed_order(self._workflow)
        rank = {box_file_id: n for n, box_file_id in enumerate(failed)}
        return sorted(files, key=lambda item: rank.get(item.id, -1))

    async def _settle(self) -> None:
        """Judge the failures that waited: against their files if another file went
        through in this run, else not at all (the remote is down: one line)."""
        waiting = self.tally.waiting
        if self.tally.through:
            for item, exc in waiting:
                await self._judged(item, exc)
        elif waiting:
            await self._remote_down(waiting)

    async def _remote_down(self, waiting: list[tuple[BoxItem, RemoteError]]) -> None:
        remotes = ", ".join(sorted({exc.remote or "a remote system" for _, exc in waiting}))
        log.error(
            "remote_down",
            remotes=remotes,
            files_failed=len(waiting),
            errors=sorted({str(exc) for _, exc in waiting}),
        )
        if not self.run.dry_run:
            store = FailureStore(self.services.db)
            for item, exc in waiting:
                await store.waited(self._failure(item, exc))
        self.report.fail(
            remotes,
            "no file went through this run: every file tried failed "
            f"({_answers(exc for _, exc in waiting)}); nothing is counted against the "
            "files, each is retried on the next run",
        )

    async def _count(self, item: BoxItem, exc: RemoteError) -> int:
        """This run's failure of ``item``; the failed runs so far (0: not counted)."""
        if self.run.dry_run or channel_wide(exc):
            return 0
        runs = await FailureStore(self.services.db).record(self._failure(item, exc))
        log.warning(
            "file_failed", file=item.name, box_file_id=item.id, failed_runs=runs, error=str(exc)
        )
        return runs

    def _failure(self, item: BoxItem, exc: RemoteError) -> FileFailure:
        return FileFailure(item.id, self._workflow, item.name, item.sha1, str(exc), self.run.run_id)

    async def _complete(self, entry: AttentionItem) -> None:
        """Finish the set-aside; a failure is reported once and stops nothing else."""
        try:
            await self._finish(entry)
        except NotFoundError:
            # Someone removed the file meanwhile: there is nothing left to set aside.
            await AttentionStore(self.services.db).resolve(entry.box_file_id)
            log.info("set_aside_file_gone", file=entry.file_name, box_file_id=entry.box_file_id)
        except (TransientError, PermanentError) as exc:
            await self._stuck(entry, exc)

    async def _finish(self, entry: AttentionItem) -> None:
        box = self.services.box
        target = await box.ensure_folder(self.folder_id, self._folder_name)
        description = file_reasons.line(entry.file_name, entry.reason)
        await box.set_description(entry.box_file_id, description[:BOX_DESCRIPTION_LIMIT])
        await self._move(entry, target.id)
        async with self.services.db.transaction() as tx:
            await AttentionStore(tx).reported(entry.box_file_id)
            await EventStore(tx).record(self._event(SET_ASIDE, entry))
        self.report.count("set_aside")
        log.warning(
            "file_set_aside",
            file=entry.file_name,
            box_file_id=entry.box_file_id,
            reason=entry.reason,
        )

    async def _move(self, entry: AttentionItem, folder_id: str) -> None:
        try:
            await self.services.box.move(entry.box_file_id, folder_id)
        except ConflictError:
            # A file of that name is already set aside (the agency sent it twice).
            renamed = agency_names.set_aside_name(entry.file_name, entry.box_file_id)
            await self.services.box.move(entry.box_file_id, folder_id, new_name=renamed)

    async def _stuck(self, entry: AttentionItem, exc: RemoteError) -> None:
        store = AttentionStore(self.services.db)
        tried = await store.finish_failed(entry.box_file_id, str(exc))
        self.report.count("set_aside_failed")
        fields = {"file": entry.file_name, "box_file_id": entry.box_file_id, "error": str(exc)}
        if not tried.unreported:
            log.warning("set_aside_still_failing", attempts=tried.attempts, **fields)
            return
        log.error("set_aside_failed", reason=entry.reason, **fields)
        async with self.services.db.transaction() as tx:
            await AttentionStore(tx).failure_reported(entry.box_file_id)
            await EventStore(tx).record(self._event(NOT_SET_ASIDE, entry, str(exc)))

    def _event(self, event: str, entry: AttentionItem, error: str = "") -> AssetEvent:
        detail = {"file": entry.file_name, "reason": entry.reason, "error": error}
        return run_event(self.run, event, box_file_id=entry.box_file_id, detail=detail)

    async def announce(self) -> None:
        """Queue the one mail of everything this run (and any crashed run before it)
        could not take; nothing when there is nothing new."""
        if self.run.dry_run:
            return
        summary = Summary(
            self.services.db,
            self.services.notifier,
            self._workflow,
            ANNOUNCED,
            self._digest,
            channel="attention",
        )
        await summary.send()

    def _digest(self, events: list[SummaryEvent]) -> Email:
        def entries(kind: str) -> list[AttentionEntry]:
            return [
                AttentionEntry(
                    file=file_reasons.shown_name(e.detail["file"]),
                    box_file_id=e.box_file_id or "",
                    reason=file_reasons.bare(e.detail["file"], e.detail["reason"]),
                    error=e.detail.get("error") or "",
                )
                for e in events
                if e.event == kind
            ]

        mail = AttentionDigestMail(
            workflow=self._workflow,
            folder=self._folder_name,
            set_aside=entries(SET_ASIDE),
            not_moved=entries(NOT_SET_ASIDE),
            noticed=entries(NOTICED),
        )
        subject = f"Needs attention in Box ({self._workflow}): {mail.count} file(s)"
        return Email("errors", subject, mail)


def _pending(entry: AttentionItem, item: BoxItem) -> bool:
    """Its set-aside failed, and nobody changed the file since (a rename, new content)."""
    return entry.reported_at is None and (entry.file_name, entry.sha1) == (item.name, item.sha1)


def _answers(errors: Iterable[RemoteError]) -> str:
    """What the remotes answered, without the file each call was about: the same from run
    to run of an outage (the alert is mailed again only when its text changes)."""
    return "; ".join(sorted({exc.answer or str(exc) for exc in errors}))
