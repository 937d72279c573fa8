"""One exit-code table: each code one meaning, the same in --help and the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ferrero_daemon import cli, exits
from ferrero_daemon.clients.control_wire import error_for, kind_of
from ferrero_daemon.errors import (
    AuthError,
    BackupError,
    BackupLockedError,
    ConfigError,
    ControlDenied,
    ControlError,
    DaemonUnavailable,
    FerreroError,
    JobBusyError,
    RateLimitedError,
    SchemaError,
    TransientError,
    UsageError,
)
from ferrero_daemon.exits import ExitCode

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_code_has_one_meaning_and_sysexits_where_they_fit() -> None:
    codes = [int(c) for c in ExitCode]
    assert len(codes) == len(set(codes)) == len(exits.MEANINGS)
    assert (ExitCode.USAGE, ExitCode.UNAVAILABLE, ExitCode.TEMPFAIL, ExitCode.CONFIG) == (
        64,
        69,
        75,
        78,
    )
    assert ExitCode.PARTIAL not in (ExitCode.FAILED, 2, ExitCode.USAGE)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("x"), 64),
        (DaemonUnavailable("x"), 69),
        (TransientError("x"), 69),
        (JobBusyError("x"), 75),
        (BackupLockedError("x"), 75),
        (RateLimitedError("x"), 75),
        (ControlDenied("x"), 77),
        (ConfigError("x"), 78),
        (SchemaError("x"), 78),
        (AuthError("x"), 78),
        (BackupError("x"), 1),
        (ControlError("x"), 1),
        (FerreroError("x"), 1),
    ],
)
def test_errors_map_onto_the_table(error: FerreroError, code: int) -> None:
    assert exits.for_error(error) == code


@pytest.mark.parametrize(
    "error",
    [
        UsageError("u"),
        JobBusyError("b"),
        DaemonUnavailable("d"),
        ControlDenied("p"),
        ConfigError("c"),
    ],
)
def test_a_refusal_crosses_the_socket_with_its_exit_code(error: FerreroError) -> None:
    reply = {"ok": False, "error": str(error), "kind": kind_of(error)}
    again = error_for(reply)
    assert str(again) == str(error)
    assert exits.for_error(again) == exits.for_error(error)


def test_a_usage_error_exits_64_not_argparses_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["trigger"], ["status", "--bogus"], ["no-such-command"], []):
        with pytest.raises(SystemExit) as exited:
            cli.main(argv)
        assert exited.value.code == 64, argv
    assert "usage: ferrero-daemon" in capsys.readouterr().err


def test_help_and_readme_show_the_same_table(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    help_text = capsys.readouterr().out
    section = README.read_text(encoding="utf-8").split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    readme = {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \| (.*) \|$", section, re.M)}
    assert {code: text.replace("`", "") for code, text in readme.items()} == {
        int(code): meaning for code, meaning in exits.MEANINGS.items()
    }
    flat = " ".join(help_text.split())
    for code, meaning in exits.MEANINGS.items():
        assert f"{int(code)} {meaning}" in flat
