"""What the workflows see of the outside systems: value types and client protocols.

A workflow speaks only these types. The DAM and Box clients (``otmm/``, ``box/``)
implement the protocols over HTTP; ``dryrun.py`` wraps them so that a dry run reads
everything and changes nothing. Nothing here knows about campaigns.

Every protocol method is marked once, ``@reads`` or ``@writes``. That one mark is what a
dry run refuses (``dryrun.py``) and where the crash tests kill the process
(``tests/crash.py``): a new write method cannot slip past either, and a unit test fails
on a method marked neither way.

The values they carry (folders, assets, Box items, metadata, scorecards) are in
``domain/values.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from ferrero_daemon.clients.db import Database
from ferrero_daemon.domain.mails import MailContext
from ferrero_daemon.domain.status_event import CampaignStatusChanged
from ferrero_daemon.domain.values import (
    BoxItem,
    DamAsset,
    DamChildren,
    DamFolder,
    Metadata,
    Scorecard,
)

ByteStream = AsyncIterator[bytes]
Recipients = Literal["errors", "success", "reports"]
Effect = Literal["read", "write"]
_Method = TypeVar("_Method", bound=Callable[..., Any])
_EFFECT = "__ferrero_effect__"


def reads(method: _Method) -> _Method:
    """Marks a protocol method that changes nothing outside the process."""
    setattr(method, _EFFECT, "read")
    return method


def writes(method: _Method) -> _Method:
    """Marks a protocol method that changes something outside the process: a dry run
    refuses it, and the crash tests kill the process right after it."""
    setattr(method, _EFFECT, "write")
    return method


def effect(protocol: type, name: str) -> Effect | None:
    """How ``protocol`` marks its method ``name`` (None: not marked)."""
    found: Effect | None = getattr(getattr(protocol, name, None), _EFFECT, None)
    return found


def protocol_methods(protocol: type) -> list[str]:
    """The methods ``protocol`` declares (its own, not ``Protocol``'s)."""
    return [
        name
        for name, member in vars(protocol).items()
        if not name.startswith("_") and inspect.isfunction(member)
    ]


def methods(protocol: type, kind: Effect) -> frozenset[str]:
    """The methods of ``protocol`` marked ``kind``."""
    return frozenset(n for n in protocol_methods(protocol) if effect(protocol, n) == kind)


@dataclass
class Download:
    """An open download: ``chunks`` yields the bytes once, in order.

    ``size`` is the full length when the remote says it; ``sha1`` is the hash the
    remote promises (Box), checked by the client when the last chunk has been read:
    a mismatch raises ``IntegrityError`` from the iterator.
    """

    size: int | None
    chunks: ByteStream
    sha1: str | None = None
    name: str | None = None


class DamClient(Protocol):
    """The OTMM DAM, in domain-neutral operations."""

    @reads
    async def find_folders(self, conditions: Mapping[str, str]) -> list[DamFolder]:
        """Folders whose fields equal every given value exactly (all pages)."""
        ...

    @reads
    async def folder_children(self, folder_id: str) -> DamChildren: ...

    @reads
    async def get_folder(self, folder_id: str) -> DamFolder: ...

    @reads
    async def get_asset(self, asset_id: str) -> DamAsset: ...

    @reads
    def download(self, asset_id: str) -> AbstractAsyncContextManager[Download]:
        """Stream an asset's content, resuming with ``Range`` after a dropped connection."""
        ...

    @writes
    async def import_asset(
        self,
        folder_id: str,
        name: str,
        size: int,
        chunks: ByteStream,
        metadata: Metadata,
        *,
        mime_type: str | None = None,
    ) -> DamAsset:
        """Import a new asset into a folder and wait for its job; return the new asset."""
        ...

    @writes
    async def check_in_version(
        self, asset_id: str, name: str, size: int, chunks: ByteStream
    ) -> DamAsset:
        """Add a new version of an existing asset; return the new version."""
        ...

    @writes
    async def update_asset_metadata(self, asset_id: str, values: Metadata) -> None:
        """Lock, patch, unlock (the unlock happens even when the patch fails)."""
        ...

    @writes
    async def update_folder_metadata(self, folder_id: str, values: Metadata) -> None: ...


class BoxClient(Protocol):
    """Box, in the operations the workflows need."""

    @reads
    async def list_folder(self, folder_id: str) -> list[BoxItem]:
        """Every item of a folder (all pages)."""
        ...

    @reads
    async def item_count(self, folder_id: str) -> int:
        """How many items a folder holds, in one small request however many that is."""
        ...

    @writes
    async def ensure_folder(self, parent_id: str, name: str) -> BoxItem:
        """The sub-folder of that name, created if missing (409 → the existing one)."""
        ...

    @reads
    def download(self, file_id: str) -> AbstractAsyncContextManager[Download]:
        """Stream a file; the SHA-1 Box reports is verified at the end."""
        ...

    @writes
    async def upload(self, folder_id: str, name: str, size: int, chunks: ByteStream) -> BoxItem:
        """Upload a new file. A 409 whose existing file has the same SHA-1 counts as done
        (its item is returned); a different SHA-1 raises ``ConflictError``. The item's
        ``sha1`` is that of the bytes read from ``chunks``, checked against Box's."""
        ...

    @writes
    async def upload_version(
        self, file_id: str, name: str, size: int, chunks: ByteStream
    ) -> BoxItem:
        """Upload new content for an existing file."""
        ...

    @writes
    async def move(self, file_id: str, folder_id: str, new_name: str | None = None) -> BoxItem: ...

    @writes
    async def delete(self, file_id: str) -> None:
        """Delete a file; one that is already gone counts as deleted."""
        ...

    @writes
    async def set_description(self, file_id: str, text: str) -> BoxItem: ...


@dataclass(frozen=True)
class Email:
    """A message to queue: ``context`` (one dataclass per template, ``domain/mails.py``)
    rendered through ``templates/<template>.txt`` and ``.html``."""

    to: Recipients
    subject: str
    context: MailContext

    @property
    def template(self) -> str:
        return self.context.TEMPLATE


class Notifier(Protocol):
    """Queues announcements in the outbox; delivery and retries happen elsewhere.

    ``key`` de-duplicates: the same key is queued once, ever, so a repeated run
    (after a crash, say) never sends a second mail or webhook for the same fact.
    """

    @reads
    def within(self, tx: Database) -> Notifier:
        """The same notifier, queuing inside ``tx``: the announcement commits (or rolls
        back) with the change it announces. A notifier that queues nowhere (a dry run's
        recorder) returns itself."""
        ...

    @writes
    async def email(self, key: str, message: Email) -> bool:
        """Queue a mail; False when that key was queued before."""
        ...

    @writes
    async def webhook(self, key: str, event: CampaignStatusChanged) -> bool:
        """Queue a webhook event; False when that key was queued before."""
        ...


class ScoreExtractor(Protocol):
    @reads
    async def extract(self, pdf: bytes, filename: str) -> Scorecard:
        """Extract and validate; ``InvalidInputError`` when the run fails or the output is
        unusable, ``TransientError`` when LlamaCloud is unreachable."""
        ...
