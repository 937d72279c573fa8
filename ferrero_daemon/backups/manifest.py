"""The JSON manifest of a backup: written last, so its presence marks a complete backup.

It records what a later check needs without the database: the files with their size and
SHA-256, the tool and server versions, the schema version, the exact per-table row
counts taken in the dump's own snapshot, and every verification so far.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ferrero_daemon.backups.layout import Kind, durable_replace

FORMAT = "ferrero-backup/1"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileEntry:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class RestoreTrial:
    ok: bool
    at: str
    duration_s: float
    counts_match: bool
    detail: str = ""


@dataclass(frozen=True)
class Verification:
    sha256_ok: bool
    full_read_ok: bool
    at: str
    detail: str = ""
    test_restore: RestoreTrial | None = None

    @property
    def ok(self) -> bool:
        return self.sha256_ok and self.full_read_ok


@dataclass(frozen=True)
class Manifest:
    kind: Kind
    id: str
    database: str
    started_at: str
    finished_at: str
    duration_s: float
    files: tuple[FileEntry, ...]
    tool: dict[str, Any]
    server: dict[str, Any]
    schema_version: int
    row_counts: dict[str, int]
    verification: Verification
    host: str = field(default_factory=lambda: os.uname().nodename)
    toc_entries: int = 0
    format: str = FORMAT

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def created_at(self) -> datetime:
        return datetime.fromisoformat(self.started_at)

    def with_verification(self, verification: Verification) -> Manifest:
        return replace(self, verification=verification)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def from_json(text: str) -> Manifest:
    data = json.loads(text)
    if data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} manifest")
    verification = dict(data["verification"])
    test = verification.pop("test_restore", None)
    return Manifest(
        **{
            **data,
            "kind": Kind(data["kind"]),
            "files": tuple(FileEntry(**f) for f in data["files"]),
            "verification": Verification(
                **verification, test_restore=RestoreTrial(**test) if test else None
            ),
        }
    )


def write(manifest: Manifest, path: Path) -> None:
    """Write atomically: a reader sees the old manifest or the new one, never half."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(manifest.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    durable_replace(partial, path)


def read(path: Path) -> Manifest:
    return from_json(path.read_text(encoding="utf-8"))


def file_entry(path: Path) -> FileEntry:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return FileEntry(path.name, size, digest.hexdigest())


def check_files(directory: Path, files: tuple[FileEntry, ...]) -> list[str]:
    """Problems with the files a manifest names: missing, resized, or another hash."""
    problems = []
    for expected in files:
        path = directory / expected.name
        if not path.is_file():
            problems.append(f"{expected.name} is missing")
            continue
        actual = file_entry(path)
        if actual.size != expected.size:
            problems.append(f"{expected.name} is {actual.size} bytes, expected {expected.size}")
        elif actual.sha256 != expected.sha256:
            problems.append(f"{expected.name} has another SHA-256 than when it was written")
    return problems
