"""The backups on disk: what exists, how old, how big, and whether it counts.

A backup counts (is *valid*) when its manifest parses, every file it names exists
with the recorded size, and its verification passed. A data file without a
manifest is an interrupted backup; it never counts and is pruned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ferrero_daemon.backups import manifest
from ferrero_daemon.backups.layout import Kind, Layout, id_time, remove_path
from ferrero_daemon.backups.manifest import Manifest
from ferrero_daemon.errors import BackupError

_LOGICAL = re.compile(r"^(?P<db>.+)_(?P<id>\d{8}T\d{6}Z)\.(?P<ext>dump|json)$")
_PHYSICAL = re.compile(r"^base_(?P<id>\d{8}T\d{6}Z)$")
META = "meta.json"


@dataclass(frozen=True)
class Entry:
    kind: Kind
    id: str
    data: Path  # the dump file, or the base backup's directory
    manifest_path: Path
    manifest: Manifest | None
    problem: str | None

    @property
    def valid(self) -> bool:
        return self.problem is None and self.manifest is not None

    @property
    def created_at(self) -> datetime:
        return id_time(self.id)

    @property
    def size(self) -> int:
        if self.manifest is not None:
            return self.manifest.size
        if self.data.is_dir():
            return sum(p.stat().st_size for p in self.data.iterdir() if p.is_file())
        return self.data.stat().st_size if self.data.exists() else 0

    @property
    def directory(self) -> Path:
        return self.data if self.kind is Kind.WEEKLY else self.data.parent

    @property
    def tested_at(self) -> datetime | None:
        trial = self.manifest.verification.test_restore if self.manifest else None
        return datetime.fromisoformat(trial.at) if trial and trial.ok else None

    def state(self) -> str:
        if self.manifest is None:
            return self.problem or "incomplete"
        if self.problem:
            return f"INVALID: {self.problem}"
        return "verified, test-restored" if self.tested_at else "verified"

    def delete(self) -> None:
        """The manifest first, so a half-deleted backup never looks complete."""
        self.manifest_path.unlink(missing_ok=True)
        remove_path(self.data)


def entries(layout: Layout, kinds: Iterable[Kind] = tuple(Kind)) -> list[Entry]:
    """Every backup of the given kinds, newest first."""
    found: list[Entry] = []
    for kind in kinds:
        directory = layout.kind_dir(kind)
        if directory.is_dir():
            found.extend(_scan(kind, directory))
    return sorted(found, key=lambda e: (e.id, e.kind.value), reverse=True)


def _scan(kind: Kind, directory: Path) -> list[Entry]:
    if kind is Kind.WEEKLY:
        ids = {m["id"]: p for p in directory.iterdir() if (m := _PHYSICAL.match(p.name))}
        return [_entry(kind, i, path, path / META) for i, path in ids.items()]
    stems: dict[str, Path] = {}
    for path in directory.iterdir():
        match = _LOGICAL.match(path.name)
        if match:
            stems[match["id"]] = directory / f"{match['db']}_{match['id']}"
    return [
        _entry(kind, i, stem.with_suffix(".dump"), stem.with_suffix(".json"))
        for i, stem in stems.items()
    ]


def _entry(kind: Kind, backup_id: str, data: Path, manifest_path: Path) -> Entry:
    if not manifest_path.is_file():
        return Entry(kind, backup_id, data, manifest_path, None, "incomplete (no manifest)")
    try:
        loaded = manifest.read(manifest_path)
    except (ValueError, KeyError, TypeError, OSError) as exc:
        return Entry(kind, backup_id, data, manifest_path, None, f"unreadable manifest: {exc}")
    return Entry(kind, backup_id, data, manifest_path, loaded, _problem(loaded, data, kind))


def _problem(loaded: Manifest, data: Path, kind: Kind) -> str | None:
    if not loaded.verification.ok:
        return f"verification failed: {loaded.verification.detail or 'see the log'}"
    directory = data if kind is Kind.WEEKLY else data.parent
    for expected in loaded.files:
        path = directory / expected.name
        if not path.is_file():
            return f"{expected.name} is missing"
        if path.stat().st_size != expected.size:
            return f"{expected.name} changed size ({path.stat().st_size} != {expected.size})"
    return None


def newest_valid(found: Iterable[Entry], kind: Kind) -> Entry | None:
    return next((e for e in found if e.kind is kind and e.valid), None)


def find(layout: Layout, backup_id: str) -> Entry:
    """A logical backup by its ID (or an unambiguous prefix of it)."""
    matches = [
        e for e in entries(layout, [k for k in Kind if k.logical]) if e.id.startswith(backup_id)
    ]
    if not matches:
        raise BackupError(
            f"no logical backup {backup_id!r} under {layout.root}; "
            "see `ferrero-daemon restore --list`"
        )
    if len(matches) > 1:
        names = ", ".join(f"{e.kind}/{e.id}" for e in matches)
        raise BackupError(f"backup ID {backup_id!r} is ambiguous ({names}); give the full ID")
    return matches[0]
