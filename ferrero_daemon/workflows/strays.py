"""Files a watched Box folder holds where the daemon does not take them: reported once.

The daemon takes files from the watched folder itself. A file in a sub-folder (an agency
that sorted its uploads by country) or dropped straight into ``_needs_attention``
(someone who thought that is where files go) used to stay there without a word. Each
is now named once in the run's attention mail, with where it is and what to do, and
left alone: moving it into the watched folder has it taken. One level deep: a
sub-folder's own sub-folders are not searched.

Exactly once: ``box_notices`` gets its row and ``asset_events`` its ``file_noticed``
event in one transaction; the attention mail is built from events (``set_aside.py``).
A row lasts while its file stays where it was noticed: each listing of a folder drops
the rows of files no longer in it (taken, moved, deleted, renamed), and those of
sub-folders that are gone, so a file put back is reported again and the table holds
only what is there now.

Bounded work: ``_needs_attention`` fills with every file ever set aside, so it is not
listed at every run. One request asks Box how many items it holds; it is listed when
that number differs from the one at its last listing (a file came or went), and at
least once a day (one file left and another came between two runs).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from ferrero_daemon import logs
from ferrero_daemon.clients.db import Database
from ferrero_daemon.domain.values import BoxItem
from ferrero_daemon.errors import PermanentError, TransientError
from ferrero_daemon.jobs import RunContext
from ferrero_daemon.services import Services
from ferrero_daemon.store.events import EventStore
from ferrero_daemon.store.notices import NoticeStore
from ferrero_daemon.store.state import StateStore
from ferrero_daemon.workflows.workflow import run_event

log = logs.get_logger(__name__)
NOTICED = "file_noticed"
FULL_LISTING_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class Listed:
    """A sub-folder's files, and the item count to remember once they are reported."""

    files: list[BoxItem]
    count: int | None = None


@dataclass(frozen=True)
class Strays:
    services: Services
    run: RunContext
    attention_folder: str  # the name of the _needs_attention sub-folder

    async def notice(self, folders: Collection[BoxItem], set_aside: Collection[str]) -> None:
        """Report the files in ``folders`` (sub-folders of the watched one) once each;
        ``set_aside``: the ids of files this workflow put into ``_needs_attention``."""
        for folder in folders:
            listed = await self._listed(folder)
            if listed is None:
                continue
            strays = [item for item in listed.files if item.id not in set_aside]
            for item in strays:
                await self._once(folder, item)
            if not self.run.dry_run:
                await self._notices(self.services.db).forget_gone(folder.id, strays)
                await self._remember(folder, listed.count)
        if not self.run.dry_run:
            await self._notices(self.services.db).forget_folders([f.id for f in folders])

    def _is_attention(self, folder: BoxItem) -> bool:
        return folder.name.casefold() == self.attention_folder.casefold()

    async def _listed(self, folder: BoxItem) -> Listed | None:
        """The folder's files; None when it could not be listed, or need not be."""
        box = self.services.box
        try:
            count = await box.item_count(folder.id) if self._is_attention(folder) else None
            if count is not None and await self._unchanged(folder, count):
                return None
            listing = await box.list_folder(folder.id)
        except (TransientError, PermanentError) as exc:
            log.warning("subfolder_unlisted", folder=folder.name, error=str(exc))
            return None
        return Listed([item for item in listing if item.type == "file"], count)

    async def _unchanged(self, folder: BoxItem, count: int) -> bool:
        """It holds as many items as at its last listing, less than a day ago."""
        last = await StateStore(self.services.db).get(self.run.job, _key(folder))
        if not isinstance(last, dict) or last.get("items") != count:
            return False
        listed_at = datetime.fromisoformat(str(last.get("at")))
        return self.services.clock() - listed_at < FULL_LISTING_EVERY

    async def _remember(self, folder: BoxItem, count: int | None) -> None:
        """After its files are reported: a run that dies before lists it again."""
        if count is not None:
            value = {"items": count, "at": self.services.clock().isoformat()}
            await StateStore(self.services.db).put(self.run.job, _key(folder), value)

    def _reason(self, folder: BoxItem, item: BoxItem) -> str:
        if self._is_attention(folder):
            return (
                f"put straight into {folder.name}, where the daemon sets aside "
                "files it cannot take and takes nothing from; move it to the folder above "
                "to have it taken"
            )
        return (
            f"in the sub-folder {folder.name!r}, where the daemon does not "
            "look; move it up into the watched folder to have it taken"
        )

    def _notices(self, db: Database) -> NoticeStore:
        return NoticeStore(db, self.run.job)

    async def _once(self, folder: BoxItem, item: BoxItem) -> None:
        reason = self._reason(folder, item)
        if self.run.dry_run:
            log.info("would_notice_file", file=item.name, box_file_id=item.id)
            return
        async with self.services.db.transaction() as tx:
            if not await self._notices(tx).first(folder.id, item):
                return
            await EventStore(tx).record(
                run_event(
                    self.run,
                    NOTICED,
                    box_file_id=item.id,
                    detail={"file": item.name, "reason": reason},
                )
            )
        log.warning(NOTICED, file=item.name, box_file_id=item.id, reason=reason)


def _key(folder: BoxItem) -> str:
    return f"listed:{folder.id}"
