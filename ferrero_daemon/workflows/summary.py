"""One summary mail per run, listing what the run (and any crashed run before it) did.

The mail is built from ``asset_events``, not from memory, so what a crashed run did
is announced by the next one, exactly once (``store/announcements.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ferrero_daemon import logs
from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Email, Notifier
from ferrero_daemon.store.announcements import AnnouncementStore, EventRange, SummaryEvent

log = logs.get_logger(__name__)

BuildEmail = Callable[[list[SummaryEvent]], Email]


@dataclass(frozen=True)
class Summary:
    db: Database
    notifier: Notifier
    workflow: str
    events: Sequence[str]
    build: BuildEmail
    channel: str = "summary"  # its own cursor over the events (``AnnouncementStore``)

    async def send(self) -> int:
        """Queue the summary of everything not yet announced; return how many items it lists."""
        store = AnnouncementStore(self.db, self.workflow, self.channel)
        pending = await store.pending()
        if pending is not None:
            await self._queue(store, pending)
        span = await store.open_range(self.events)
        if span is None:
            return 0
        return await self._queue(store, span)

    async def _queue(self, store: AnnouncementStore, span: EventRange) -> int:
        items = await store.events(span, self.events)
        if items:
            key = f"{self.workflow}:{self.channel}:{span.key}"
            queued = await self.notifier.email(key, self.build(items))
            log.info("summary_queued", workflow=self.workflow, items=len(items), new=queued)
        await store.close()
        return len(items)
