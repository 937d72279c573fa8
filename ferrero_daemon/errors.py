"""The one error tree of ferrero-daemon.

Every exception we raise on purpose is a ``FerreroError``. Driver and library
errors (httpx, asyncpg, aiosmtplib, the Box and LlamaCloud SDKs) are wrapped
at the client boundary with ``raise SomeError(...) from exc`` (for HTTP, in one
place: ``clients/http.py``), so a workflow only ever decides between two things:
try again later, or set the item aside and tell someone.

    FerreroError
    ├── ConfigError              the configuration or a secret is unusable; fix it and reload
    │   └── SecretFileError      a secret file is missing, empty, or readable by others
    ├── SchemaError              the database schema is older or newer than this code
    ├── TransientError           worth retrying: connect errors, timeouts, 408, 425, 5xx
    │   └── RateLimitedError     429 (or a 503 with Retry-After): wait ``retry_after`` seconds
    ├── PermanentError           retrying will not help: set the item aside and report it
    │   ├── AuthError            credentials refused (401/403 after one token refresh)
    │   ├── CertificateError     the remote's TLS certificate is not trusted (unknown CA, name)
    │   ├── NotFoundError        the remote says the thing does not exist (404, 410)
    │   ├── ConflictError        a conflicting state: a lock, a name in use (409, 412, 423)
    │   ├── IntegrityError       bytes arrived but their hash does not match
    │   └── InvalidInputError    an agency file, scorecard, metadata value or request we cannot use
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

The docstring of each class is its default message; its ``hint`` says what to do,
and a raiser that knows better (which secret, which config key) passes its own
``hint=``. ``retry_after`` is the wait a remote asked for (``Retry-After``), or None;
``remote`` names the outside system that answered (or did not) and ``answer`` what it
answered, without the request (``"OTMM answered 502: Bad Gateway"``), when the error
says (``clients/http.py`` sets both on every error of the HTTP boundary), else None.
Messages name the thing and what to do about it, and never contain a secret value:
``logs.py`` scrubs known secrets from every line as a second line of defence, not
the first.
"""

from __future__ import annotations


class FerreroError(Exception):
    """ferrero-daemon failed."""

    hint: str = "see the daemon's log: journalctl -u ferrero-daemon"
    retry_after: float | None = None
    remote: str | None = None
    answer: str | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message or (self.__class__.__doc__ or "").strip())
        if hint:
            self.hint = hint
        if retry_after is not None:
            self.retry_after = retry_after

    @property
    def message(self) -> str:
        return str(self)

    @property
    def own_hint(self) -> bool:
        """True when the raiser gave a hint of its own (more precise than the class's)."""
        return self.hint != type(self).hint


class ConfigError(FerreroError):
    """The configuration is invalid; run `ferrero-daemon config` to see every problem."""

    hint = "fix config.toml or the secret, then run `ferrero-daemon config` to validate it"

    def __init__(
        self,
        message: str | None = None,
        problems: list[str] | None = None,
        *,
        hint: str | None = None,
    ) -> None:
        self.problems = problems or []
        if message is None and self.problems:
            message = "invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message, hint=hint)


class SecretFileError(ConfigError):
    """A secret file is unusable."""

    hint = "the secret file must exist, hold the value, and be readable by the daemon only (0600)"


class SchemaError(FerreroError):
    """The database schema is not current; run `ferrero-daemon migrate`."""

    hint = "run `ferrero-daemon migrate`"


class TransientError(FerreroError):
    """A remote system is temporarily unavailable; the operation can be retried."""

    hint = (
        "temporary, and retried: if it lasts, the service is unreachable or overloaded; "
        "check the URL, DNS, firewall and that the service is up"
    )


class RateLimitedError(TransientError):
    """A remote system asked us to slow down."""

    hint = "the service asked us to slow down; it is retried after the wait it asked for"

    def __init__(
        self,
        message: str | None = None,
        retry_after: float | None = None,
        *,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint, retry_after=retry_after)


class PermanentError(FerreroError):
    """The operation cannot succeed as it is; the item is set aside and reported."""

    hint = "retrying as it is will not help: fix the cause in OTMM, Box or the input"


class AuthError(PermanentError):
    """The remote system refused our credentials; check the secret and the account."""

    hint = (
        "the credentials were refused: check the secret and the account, "
        "then `ferrero-daemon check`"
    )


class CertificateError(PermanentError):
    """The remote system's TLS certificate is not trusted."""

    hint = (
        "the server's certificate is not signed by a trusted CA (or not for this host name): "
        "set ca_bundle for this system in config.toml to the CA that signed it"
    )


class NotFoundError(PermanentError):
    """The remote system does not know the requested item."""

    hint = "check that the item or the configured id exists and that our account can see it"


class ConflictError(PermanentError):
    """The remote system refused the change because of a conflicting state."""

    hint = "resolve the conflict (a lock, a name in use) in OTMM or Box"


class IntegrityError(PermanentError):
    """Transferred bytes do not match their expected hash."""

    hint = "the bytes did not check out on arrival; they are sent again"


class InvalidInputError(PermanentError):
    """An input (file name, scorecard, metadata value) cannot be used as it is."""

    hint = "correct the input (file name, scorecard, metadata value) and submit it again"


class BackupError(FerreroError):
    """A backup, its verification or a restore failed; the live database is untouched."""

    hint = "the live database is untouched; `ferrero-daemon backup check` shows the backups' state"


class DryRunRefused(FerreroError):
    """A dry run tried to change something; dry runs only read."""

    hint = "a dry run tried to change something: a bug, please report it"


class UsageError(FerreroError):
    """The command was called wrongly; see `ferrero-daemon COMMAND --help`."""

    hint = "see `ferrero-daemon COMMAND --help`"


class BusyError(FerreroError):
    """Busy now; try again later."""

    hint = "try again in a moment"


class BackupLockedError(BackupError, BusyError):
    """Another backup, check or restore is running; try again when it is done."""

    hint = "try again when the other backup, check or restore is done"


class JobBusyError(BusyError):
    """A run of this job is already in progress; wait for it to finish."""

    hint = "wait for the running job to finish (`ferrero-daemon status`)"


class MissingExtra(FerreroError):
    """The command needs an optional extra that this install does not have."""

    hint = "install the extra the message names (production installs need none)"


class ControlError(FerreroError):
    """The daemon's control socket did not answer; is `ferrero-daemon run` active?"""

    hint = "is the daemon running? `systemctl status ferrero-daemon`"


class DaemonUnavailable(ControlError):
    """The daemon is not running; start it with `systemctl start ferrero-daemon`."""


class ControlDenied(ControlError):
    """Permission denied on the control socket; run as root or as a member of its group."""

    hint = "run as root, or as a member of the control group ([control] group, ferrero-ops)"


def describe(exc: BaseException) -> str:
    """``"<Type>: <message> (<hint>)"`` for an alert or a failure record.

    An exception from outside our tree is a bug: it names its type, and no hint.
    """
    text = f"{type(exc).__name__}: {exc}"
    return f"{text} ({exc.hint})" if isinstance(exc, FerreroError) else text
