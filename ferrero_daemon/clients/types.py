"""What the workflows see of the outside systems: value types and client protocols.

A workflow speaks only these types. The DAM and Box clients (``dam.py``, ``box.py``)
implement the protocols over HTTP; ``dryrun.py`` wraps them so that a dry run reads
everything and changes nothing. Nothing here knows about campaigns.

Metadata values are domain-neutral: a scalar field is ``str`` (for a domain/pick-list
field, its code, e.g. ``"A1"``, not its display text), a tabular field is ``list[str]``
(one entry per row of its single column), and an empty field is ``None``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

FieldValue = str | list[str] | None
Metadata = Mapping[str, FieldValue]
ByteStream = AsyncIterator[bytes]
Recipients = Literal["errors", "success", "reports"]


@dataclass(frozen=True)
class DamFolder:
    id: str
    name: str
    metadata: Metadata = field(default_factory=dict)


@dataclass(frozen=True)
class DamAsset:
    id: str
    name: str
    folder_id: str | None
    size: int | None  # None: the asset has no content
    mime_type: str | None = None
    version: int = 1
    metadata: Metadata = field(default_factory=dict)


@dataclass(frozen=True)
class DamChildren:
    assets: Sequence[DamAsset]
    folders: Sequence[DamFolder]


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


@dataclass(frozen=True)
class BoxItem:
    id: str
    name: str
    type: Literal["file", "folder"]
    size: int | None = None
    sha1: str | None = None
    description: str | None = None
    parent_id: str | None = None


class DamClient(Protocol):
    """The OTMM DAM, in domain-neutral operations."""

    async def find_folders(self, conditions: Mapping[str, str]) -> list[DamFolder]:
        """Folders whose fields equal every given value exactly (all pages)."""
        ...

    async def folder_children(self, folder_id: str) -> DamChildren: ...

    async def get_folder(self, folder_id: str) -> DamFolder: ...

    async def get_asset(self, asset_id: str) -> DamAsset: ...

    def download(self, asset_id: str) -> AbstractAsyncContextManager[Download]:
        """Stream an asset's content, resuming with ``Range`` after a dropped connection."""
        ...

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

    async def check_in_version(
        self, asset_id: str, name: str, size: int, chunks: ByteStream
    ) -> DamAsset:
        """Add a new version of an existing asset; return the new version."""
        ...

    async def update_asset_metadata(self, asset_id: str, values: Metadata) -> None:
        """Lock, patch, unlock (the unlock happens even when the patch fails)."""
        ...

    async def update_folder_metadata(self, folder_id: str, values: Metadata) -> None: ...


class BoxClient(Protocol):
    """Box, in the operations the workflows need."""

    async def list_folder(self, folder_id: str) -> list[BoxItem]:
        """Every item of a folder (all pages)."""
        ...

    async def ensure_folder(self, parent_id: str, name: str) -> BoxItem:
        """The sub-folder of that name, created if missing (409 → the existing one)."""
        ...

    def download(self, file_id: str) -> AbstractAsyncContextManager[Download]:
        """Stream a file; the SHA-1 Box reports is verified at the end."""
        ...

    async def upload(self, folder_id: str, name: str, size: int, chunks: ByteStream) -> BoxItem:
        """Upload a new file. A 409 whose existing file has the same SHA-1 counts as done
        (its item is returned); a different SHA-1 raises ``ConflictError``."""
        ...

    async def upload_version(
        self, file_id: str, name: str, size: int, chunks: ByteStream
    ) -> BoxItem:
        """Upload new content for an existing file."""
        ...

    async def move(self, file_id: str, folder_id: str, new_name: str | None = None) -> BoxItem: ...

    async def delete(self, file_id: str) -> None:
        """Delete a file; one that is already gone counts as deleted."""
        ...

    async def set_description(self, file_id: str, text: str) -> BoxItem: ...


@dataclass(frozen=True)
class Email:
    """A message to queue: rendered from ``templates/<template>.txt`` and ``.html``."""

    to: Recipients
    subject: str
    template: str
    context: Mapping[str, Any]


class Notifier(Protocol):
    """Queues announcements in the outbox; delivery and retries happen elsewhere.

    ``key`` de-duplicates: the same key is queued once, ever, so a repeated run
    (after a crash, say) never sends a second mail or webhook for the same fact.
    """

    async def email(self, key: str, message: Email) -> bool:
        """Queue a mail; False when that key was queued before."""
        ...

    async def webhook(self, key: str, event: Mapping[str, Any]) -> bool:
        """Queue a webhook event; False when that key was queued before."""
        ...


@dataclass(frozen=True)
class Scorecard:
    """A validated CreativeX extraction (``ref/llamacloud.md`` §4.2)."""

    creative_name: str | None
    cqs_pct: float
    guidelines_met: int | None
    guidelines_total: int | None
    channel: str | None
    data: Mapping[str, Any]  # the whole extraction plus run/job ids, stored as extracted_json
    warnings: Sequence[str] = ()


class ScoreExtractor(Protocol):
    async def extract(self, pdf: bytes, filename: str) -> Scorecard:
        """Extract and validate; ``InvalidInputError`` when the run fails or the output is
        unusable, ``TransientError`` when LlamaCloud is unreachable."""
        ...
