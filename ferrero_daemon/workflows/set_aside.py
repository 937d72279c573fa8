"""Files that cannot be taken go to a ``_needs_attention`` sub-folder, reported once.

The file is never deleted and never retried in a loop: it leaves the watched folder,
its Box description says why, ``attention_items`` records it, and the error
recipients get one mail. Moving it back into the watched folder retries it.

Exactly once: the row is written first (intent), the Box changes are idempotent, the
mail's dedupe key names the file, its content and the reason, and the row is marked
reported last. ``finish_pending`` completes what a crashed run left half done.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import PurePath

from ferrero_daemon import logs
from ferrero_daemon.clients.types import Email
from ferrero_daemon.domain.rejections import BOX_DESCRIPTION_LIMIT
from ferrero_daemon.domain.values import BoxItem
from ferrero_daemon.errors import ConflictError, NotFoundError
from ferrero_daemon.jobs import RunContext, RunReport
from ferrero_daemon.services import Services
from ferrero_daemon.store.attention import AttentionItem, AttentionStore
from ferrero_daemon.store.events import AssetEvent, EventStore

log = logs.get_logger(__name__)


@dataclass(frozen=True)
class SetAside:
    services: Services
    run: RunContext
    report: RunReport
    folder_id: str  # the watched folder; _needs_attention is created inside it

    @property
    def _workflow(self) -> str:
        return self.run.job

    async def __call__(self, item: BoxItem, reason: str) -> None:
        self.report.count("set_aside")
        if self.run.dry_run:
            log.info("would_set_aside", file=item.name, box_file_id=item.id, reason=reason)
            return
        entry = AttentionItem(item.id, self._workflow, item.name, reason, item.sha1)
        await AttentionStore(self.services.db).set_aside(entry)
        await self._finish(entry)

    async def finish_pending(self) -> None:
        """Complete set-asides a crashed run recorded but did not report."""
        store = AttentionStore(self.services.db)
        for entry in await store.unreported(self._workflow):
            try:
                await self._finish(entry)
            except NotFoundError:
                # Someone removed the file meanwhile: there is nothing left to set aside.
                await store.resolve(entry.box_file_id)

    async def sweep(self, take: Callable[[BoxItem], Awaitable[None]]) -> None:
        """Hand each file of the watched folder to ``take``, once, in listing order.

        A file an operator moved back out of ``_needs_attention`` is marked returned
        first, so it is tried from scratch. Progress follows the files.
        """
        listing = await self.services.box.list_folder(self.folder_id)
        files = [item for item in listing if item.type == "file"]
        progress = self.run.progress
        progress.add_total(len(files))
        open_items = await AttentionStore(self.services.db).open_items(self._workflow)
        returned = {entry.box_file_id for entry in open_items}
        for item in files:
            progress.current = item.name
            if item.id in returned:
                await self.returned(item)
            await take(item)
            progress.advance()

    async def returned(self, item: BoxItem) -> None:
        """An operator moved a set-aside file back: it is retried from scratch."""
        if not self.run.dry_run and await AttentionStore(self.services.db).resolve(item.id):
            log.info("set_aside_file_returned", file=item.name, box_file_id=item.id)

    async def _finish(self, entry: AttentionItem) -> None:
        box = self.services.box
        target = await box.ensure_folder(
            self.folder_id, self.services.config.settings.box.needs_attention_folder
        )
        await box.set_description(entry.box_file_id, entry.reason[:BOX_DESCRIPTION_LIMIT])
        await self._move(entry, target.id)
        await self.services.notifier.email(_mail_key(entry), self._mail(entry))
        async with self.services.db.transaction() as tx:
            await AttentionStore(tx).reported(entry.box_file_id)
            await EventStore(tx).record(
                AssetEvent(
                    workflow=self._workflow,
                    event="file_set_aside",
                    outcome="skipped",
                    run_id=self.run.run_id,
                    box_file_id=entry.box_file_id,
                    detail={"file": entry.file_name, "reason": entry.reason},
                )
            )
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
            path = PurePath(entry.file_name)
            renamed = f"{path.stem} ({entry.box_file_id}){path.suffix}"
            await self.services.box.move(entry.box_file_id, folder_id, new_name=renamed)

    def _mail(self, entry: AttentionItem) -> Email:
        folder = self.services.config.settings.box.needs_attention_folder
        return Email(
            to="errors",
            subject=f"Set aside in Box ({self._workflow}): {entry.file_name}",
            template="needs_attention",
            context={
                "workflow": self._workflow,
                "file_name": entry.file_name,
                "box_file_id": entry.box_file_id,
                "reason": entry.reason,
                "folder": folder,
            },
        )


def _mail_key(entry: AttentionItem) -> str:
    facts = "\n".join((entry.file_name, entry.sha1 or "", entry.reason))
    digest = hashlib.sha256(facts.encode()).hexdigest()[:16]
    return f"attention:{entry.workflow}:{entry.box_file_id}:{digest}"
