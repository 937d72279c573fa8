"""Backup files belong to the service user, whoever ran the command that wrote them.

An operator who runs ``sudo ferrero-daemon backup manual`` would otherwise leave a
root-owned 0600 dump that the daemon (``User=ferrero-daemon``) cannot read: it would
call it invalid and prune it. So a command run as root hands everything it wrote under
``backups.root`` to ``runtime.service_user``. The decisions are pure functions; only
``hand_over`` touches the disk.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ferrero_daemon import logs
from ferrero_daemon.errors import ConfigError

log = logs.get_logger(__name__)

ROOT_UID = 0


@dataclass(frozen=True)
class Owner:
    name: str
    uid: int
    gid: int
    groups: frozenset[int] = frozenset()

    @property
    def group(self) -> str:
        try:
            return grp.getgrgid(self.gid).gr_name
        except KeyError:
            return str(self.gid)


def lookup_owner(name: str, getpwnam: Callable[[str], pwd.struct_passwd] = pwd.getpwnam) -> Owner:
    """The service user, or ``ConfigError`` saying how to create it."""
    try:
        entry = getpwnam(name)
    except KeyError:
        raise ConfigError(
            f"runtime.service_user {name!r} does not exist on this host: create it "
            "(systemd-sysusers deploy/ferrero-daemon.sysusers) or set runtime.service_user "
            "to the unit's User="
        ) from None
    groups = frozenset(os.getgrouplist(name, entry.pw_gid))
    return Owner(name, entry.pw_uid, entry.pw_gid, groups)


def chown_target(euid: int, service_user: Owner) -> Owner | None:
    """Whom to hand new files to: the service user when root runs us, else nobody.

    A non-root caller cannot chown, and needs not: it is the service user itself (the
    backup root is 0700, so nobody else can write there).
    """
    if euid != ROOT_UID or service_user.uid == ROOT_UID:
        return None
    return service_user


def foreign(paths: Iterable[tuple[Path, int, int]], owner: Owner) -> list[Path]:
    """The paths (with their uid and gid) that do not belong to ``owner``."""
    return [p for p, uid, gid in paths if (uid, gid) != (owner.uid, owner.gid)]


def _walk(root: Path) -> list[tuple[Path, int, int]]:
    found: list[tuple[Path, int, int]] = []
    if not root.exists():
        return found
    for path in (root, *root.rglob("*")):
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        found.append((path, info.st_uid, info.st_gid))
    return found


def not_owned_by(root: Path, owner: Owner) -> list[Path]:
    return foreign(_walk(root), owner)


def hand_over(root: Path, owner: Owner | None) -> list[Path]:
    """chown what is under ``root`` and not yet the owner's; return what changed."""
    if owner is None:
        return []
    changed = not_owned_by(root, owner)
    for path in changed:
        try:
            os.lchown(path, owner.uid, owner.gid)
        except FileNotFoundError:
            continue
    if changed:
        log.info("backup_files_handed_over", user=owner.name, paths=len(changed))
    return changed


def writable_by(mode: int, uid: int, gid: int, owner: Owner) -> bool:
    """Whether ``owner`` may create files in a directory with this mode and ownership."""
    if owner.uid == ROOT_UID:
        return True
    needed = stat.S_IWUSR | stat.S_IXUSR
    if uid == owner.uid:
        return mode & needed == needed
    if gid == owner.gid or gid in owner.groups:
        return mode & (stat.S_IWGRP | stat.S_IXGRP) == stat.S_IWGRP | stat.S_IXGRP
    return mode & (stat.S_IWOTH | stat.S_IXOTH) == stat.S_IWOTH | stat.S_IXOTH
