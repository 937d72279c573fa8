"""The exit codes of ``ferrero-daemon``: one table, one meaning per code.

sysexits(3) where one fits (64 usage, 69 unavailable, 75 temporary, 77 permission,
78 configuration), 1 for "it ran and failed", 3 for "it ran and some items failed".
``for_error`` maps our error tree onto the table; the README and ``--help`` print
``TABLE``. A code is never reused for a second meaning: scripts may rely on it.
"""

from __future__ import annotations

import textwrap
from enum import IntEnum

from ferrero_daemon.errors import (
    AuthError,
    BusyError,
    ConfigError,
    ControlDenied,
    DaemonUnavailable,
    FerreroError,
    MissingExtra,
    RateLimitedError,
    SchemaError,
    TransientError,
    UsageError,
)


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    PARTIAL = 3
    USAGE = 64  # EX_USAGE
    UNAVAILABLE = 69  # EX_UNAVAILABLE
    TEMPFAIL = 75  # EX_TEMPFAIL
    NOPERM = 77  # EX_NOPERM
    CONFIG = 78  # EX_CONFIG
    INTERRUPTED = 130  # 128 + SIGINT


MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success (trigger --wait: the run succeeded; check: every check passed)",
    ExitCode.FAILED: "it ran and failed: a check, a job run, a backup, a restore, unhealthy backups",
    ExitCode.PARTIAL: "trigger --wait: the run finished, but some of its items failed (partial)",
    ExitCode.USAGE: "usage: a wrong argument, an unknown job or command (argparse's own errors included)",
    ExitCode.UNAVAILABLE: "unavailable: the daemon is not running (or is the standby), a system (database, DAM, Box, SMTP) is unreachable, or the command's extra is not installed (sandbox, emulate)",
    ExitCode.TEMPFAIL: "busy, try again later: the job is running, another backup holds the lock, another daemon owns the control socket, the daemon is stopping or did not answer",
    ExitCode.NOPERM: "permission denied: not root, the daemon's user or a member of the control group",
    ExitCode.CONFIG: "configuration: config.toml invalid, a secret missing, the schema not current (run migrate), credentials refused",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}

# Most specific first: the first class that matches decides.
_BY_ERROR: tuple[tuple[type[FerreroError], ExitCode], ...] = (
    (UsageError, ExitCode.USAGE),
    (ControlDenied, ExitCode.NOPERM),
    (DaemonUnavailable, ExitCode.UNAVAILABLE),
    (BusyError, ExitCode.TEMPFAIL),
    (RateLimitedError, ExitCode.TEMPFAIL),
    (ConfigError, ExitCode.CONFIG),
    (SchemaError, ExitCode.CONFIG),
    (AuthError, ExitCode.CONFIG),
    (TransientError, ExitCode.UNAVAILABLE),
    (MissingExtra, ExitCode.UNAVAILABLE),
)


def for_error(exc: FerreroError) -> ExitCode:
    """The exit code for an error that ends a command."""
    for kind, code in _BY_ERROR:
        if isinstance(exc, kind):
            return code
    return ExitCode.FAILED


def table(indent: str = "  ", width: int = 90) -> str:
    """The table as plain text, for ``--help``'s epilog."""
    return "\n".join(
        textwrap.fill(
            text,
            width,
            initial_indent=f"{indent}{int(code):>3}  ",
            subsequent_indent=indent + " " * 5,
        )
        for code, text in MEANINGS.items()
    )
