"""Who owns what a backup command writes: pure decisions, no chown."""

from __future__ import annotations

import pwd
from pathlib import Path

import pytest

from ferrero_daemon.backups.context import cli_owner
from ferrero_daemon.backups.ownership import Owner, chown_target, foreign, lookup_owner, writable_by
from ferrero_daemon.errors import ConfigError

SERVICE = Owner("ferrero-daemon", 990, 990, frozenset({990, 991}))
ROOT = Owner("root", 0, 0)


def test_root_hands_files_to_the_service_user_and_nobody_else_chowns() -> None:
    assert chown_target(0, SERVICE) == SERVICE
    assert chown_target(990, SERVICE) is None  # the service user itself
    assert chown_target(1000, SERVICE) is None  # an operator: cannot chown, needs not
    assert chown_target(0, ROOT) is None  # a service that runs as root


def test_only_files_of_someone_else_are_handed_over() -> None:
    paths = [(Path("a"), 990, 990), (Path("b"), 0, 0), (Path("c"), 990, 0)]
    assert foreign(paths, SERVICE) == [Path("b"), Path("c")]


@pytest.mark.parametrize(
    ("mode", "uid", "gid", "ok"),
    [
        (0o700, 990, 990, True),
        (0o500, 990, 990, False),  # the owner without write
        (0o700, 0, 0, False),  # root's private directory
        (0o770, 0, 991, True),  # a group the service user is in
        (0o750, 0, 991, False),
        (0o1777, 0, 0, True),  # like /tmp
    ],
)
def test_writable_by_the_service_user(mode: int, uid: int, gid: int, ok: bool) -> None:
    assert writable_by(mode, uid, gid, SERVICE) is ok


def test_a_missing_service_user_is_a_config_error_only_for_root() -> None:
    missing = "no-such-user-ferrero"
    with pytest.raises(ConfigError, match=r"runtime\.service_user 'no-such-user-ferrero'"):
        lookup_owner(missing)
    assert cli_owner(missing, euid=1000) is None
    with pytest.raises(ConfigError):
        cli_owner(missing, euid=0)
    nobody = pwd.getpwnam("nobody")
    assert cli_owner("nobody", euid=0) == lookup_owner("nobody")
    assert lookup_owner("nobody").uid == nobody.pw_uid
