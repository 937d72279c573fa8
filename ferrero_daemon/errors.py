"""The one error tree of ferrero-daemon.

Every exception we raise on purpose is a ``FerreroError``. Driver and library
errors (httpx, asyncpg, aiosmtplib, the Box and LlamaCloud SDKs) are wrapped
at the client boundary with ``raise SomeError(...) from exc``, so a workflow
only ever decides between two things: try again later, or set the item aside
and tell someone.

    FerreroError
    ├── ConfigError              the configuration or a secret is unusable; fix it and reload
    │   └── SecretFileError      a secret file is missing, empty, or readable by others
    ├── SchemaError              the database schema is older or newer than this code
    ├── TransientError           worth retrying: connect errors, timeouts, 5xx, 429
    │   └── RateLimitedError     429 (or a Retry-After) from a remote; carries ``retry_after``
    ├── PermanentError           retrying will not help: set the item aside and report it
    │   ├── AuthError            credentials refused (401/403 after one refresh)
    │   ├── NotFoundError        the remote says the thing does not exist
    │   ├── ConflictError        the remote refused because of a conflicting state (lock, name)
    │   ├── IntegrityError       bytes arrived but their hash does not match
    │   └── InvalidInputError    an agency file, scorecard or metadata value we cannot use
    ├── BackupError              a backup, its verification or a restore failed (live DB untouched)
    │   └── BackupLockedError    another backup, check or restore holds the lock (also a BusyError)
    ├── DryRunRefused            a dry run tried to change something (a bug in the workflow)
    ├── UsageError               a command was called wrongly: an unknown job, a missing argument
    ├── BusyError                busy now, try again later
    │   └── JobBusyError         a run of this job is already in progress
    └── ControlError             the control socket is unreachable or answered an error
        ├── DaemonUnavailable    no daemon listens there, or this one cannot do it (the standby)
        └── ControlDenied        the caller may not use the control socket

``exits.py`` maps this tree onto the exit codes of the command line.

The docstring of each class is its default message. Messages name the thing and
what to do about it, and never contain a secret value: ``logs.py`` scrubs known
secrets from every line as a second line of defence, not the first.
"""

from __future__ import annotations


class FerreroError(Exception):
    """ferrero-daemon failed."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__class__.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(FerreroError):
    """The configuration is invalid; run `ferrero-daemon config` to see every problem."""

    def __init__(self, message: str | None = None, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        if message is None and self.problems:
            message = "invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


class SecretFileError(ConfigError):
    """A secret file is unusable."""


class SchemaError(FerreroError):
    """The database schema is not current; run `ferrero-daemon migrate`."""


class TransientError(FerreroError):
    """A remote system is temporarily unavailable; the operation can be retried."""


class RateLimitedError(TransientError):
    """A remote system asked us to slow down."""

    def __init__(self, message: str | None = None, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class PermanentError(FerreroError):
    """The operation cannot succeed as it is; the item is set aside and reported."""


class AuthError(PermanentError):
    """The remote system refused our credentials; check the secret and the account."""


class NotFoundError(PermanentError):
    """The remote system does not know the requested item."""


class ConflictError(PermanentError):
    """The remote system refused the change because of a conflicting state."""


class IntegrityError(PermanentError):
    """Transferred bytes do not match their expected hash."""


class InvalidInputError(PermanentError):
    """An input (file name, scorecard, metadata value) cannot be used as it is."""


class BackupError(FerreroError):
    """A backup, its verification or a restore failed; the live database is untouched."""


class DryRunRefused(FerreroError):
    """A dry run tried to change something; dry runs only read."""


class UsageError(FerreroError):
    """The command was called wrongly; see `ferrero-daemon COMMAND --help`."""


class BusyError(FerreroError):
    """Busy now; try again later."""


class BackupLockedError(BackupError, BusyError):
    """Another backup, check or restore is running; try again when it is done."""


class JobBusyError(BusyError):
    """A run of this job is already in progress; wait for it to finish."""


class ControlError(FerreroError):
    """The daemon's control socket did not answer; is `ferrero-daemon run` active?"""


class DaemonUnavailable(ControlError):
    """The daemon is not running; start it with `systemctl start ferrero-daemon`."""


class ControlDenied(ControlError):
    """Permission denied on the control socket; run as root or as a member of its group."""


def is_retryable(exc: BaseException) -> bool:
    """True when retrying the same call may succeed (tenacity's predicate)."""
    return isinstance(exc, TransientError)
