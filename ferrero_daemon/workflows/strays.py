"""Files a watched Box folder holds where the daemon does not take them: reported once.

The daemon takes files from the watched folder itself. A file in a sub-folder (an agency
that sorted its uploads by country) or dropped straight into ``_needs_attention``
(someone who thought that is where files go) used to stay there without a word. Each
is now named once in the run's attention mail, with where it is and what to do, and
left alone: moving it into the watched folder has it taken. One level deep: a
sub-folder's own sub-folders are not searched.

Exactly once: ``box_notices`` gets its row and ``asset_events`` its ``file_noticed``
event in one transaction; the attention mail is built from events (``set_aside.py``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ferrero_daemon import logs
from ferrero_daemon.domain.values import BoxItem
from ferrero_daemon.errors import PermanentError, TransientError
from ferrero_daemon.jobs import RunContext
from ferrero_daemon.services import Services
from ferrero_daemon.store.events import AssetEvent, EventStore
from ferrero_daemon.store.notices import NoticeStore

log = logs.get_logger(__name__)
NOTICED = "file_noticed"


@dataclass(frozen=True)
class Strays:
    services: Services
    run: RunContext
    attention_folder: str  # the name of the _needs_attention sub-folder

    async def notice(self, folders: Collection[BoxItem], set_aside: Collection[str]) -> None:
        """Report the files in ``folders`` (sub-folders of the watched one) once each;
        ``set_aside``: the ids of files this workflow put into ``_needs_attention``."""
        for folder in folders:
            try:
                listing = await self.services.box.list_folder(folder.id)
            except (TransientError, PermanentError) as exc:
                log.warning("subfolder_unlisted", folder=folder.name, error=str(exc))
                continue
            for item in listing:
                if item.type == "file" and item.id not in set_aside:
                    await self._once(item, self._reason(folder, item))

    def _reason(self, folder: BoxItem, item: BoxItem) -> str:
        if folder.name.casefold() == self.attention_folder.casefold():
            return (
                f"{item.name}: put straight into {folder.name}, where the daemon sets aside "
                "files it cannot take and takes nothing from; move it to the folder above "
                "to have it taken"
            )
        return (
            f"{item.name}: in the sub-folder {folder.name!r}, where the daemon does not "
            "look; move it up into the watched folder to have it taken"
        )

    async def _once(self, item: BoxItem, reason: str) -> None:
        if self.run.dry_run:
            log.info("would_notice_file", file=item.name, box_file_id=item.id)
            return
        async with self.services.db.transaction() as tx:
            if not await NoticeStore(tx).first(self.run.job, item.id, item.name):
                return
            await EventStore(tx).record(
                AssetEvent(
                    workflow=self.run.job,
                    event=NOTICED,
                    run_id=self.run.run_id,
                    box_file_id=item.id,
                    detail={"file": item.name, "reason": reason},
                )
            )
        log.warning(NOTICED, file=item.name, box_file_id=item.id, reason=reason)
