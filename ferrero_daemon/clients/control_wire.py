"""The control socket's wire: every request and reply as a TypedDict, and the error kinds.

One JSON object per line each way. A request names its ``cmd``; a reply carries
``"ok": true`` and the fields below, or ``"ok": false`` with ``error`` (one line for a
person) and ``kind`` (for the exit code). ``runtime/control.py`` and
``runtime/handlers.py`` answer with these shapes; ``clients/control.py`` asks with
them. Every time is ISO 8601 in the daemon's configured zone (``timezone``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NotRequired, TypedDict

from ferrero_daemon.errors import (
    BusyError,
    ConfigError,
    ControlDenied,
    ControlError,
    DaemonUnavailable,
    FerreroError,
    UsageError,
)

# -- requests -------------------------------------------------------------------------


class StatusRequest(TypedDict):
    cmd: Literal["status"]


class TriggerRequest(TypedDict):
    cmd: Literal["trigger"]
    job: str
    dry_run: bool
    by: str


class WaitRequest(TypedDict):
    cmd: Literal["wait"]
    run_id: str
    timeout: float


class PauseRequest(TypedDict):
    cmd: Literal["pause"]
    job: str
    by: str


class ResumeRequest(TypedDict):
    cmd: Literal["resume"]
    job: str
    by: str


class ReloadRequest(TypedDict):
    cmd: Literal["reload"]
    wait: bool


Request = (
    StatusRequest | TriggerRequest | WaitRequest | PauseRequest | ResumeRequest | ReloadRequest
)

# The fields each command takes, with their JSON types (the server checks them).
FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "status": {},
    "trigger": {"job": str, "dry_run": bool, "by": str},
    "wait": {"run_id": str, "timeout": (int, float)},
    "pause": {"job": str, "by": str},
    "resume": {"job": str, "by": str},
    "reload": {"wait": bool},
}

# -- replies --------------------------------------------------------------------------


class Progress(TypedDict):
    done: int
    total: int
    bytes: int
    current: str


class RunningRun(TypedDict):
    job: str
    run_id: str
    trigger: str
    dry_run: bool
    started_at: str
    elapsed_s: float
    stuck: bool
    progress: Progress


class LastRun(TypedDict):
    run_id: str
    trigger: str
    outcome: str
    started_at: str
    finished_at: str
    duration_s: float
    error: str | None


class LastError(TypedDict):
    """The newest run of a job that ended with an error, whatever came after it."""

    run_id: str
    outcome: str
    at: str
    error: str


class JobStatus(TypedDict):
    job: str
    schedule: str
    enabled: bool
    paused: bool
    next_run: str | None
    last_run: LastRun | None
    last_error: LastError | None
    running: RunningRun | None


class OutboxBacklog(TypedDict):
    """Mails and webhook events not delivered yet."""

    pending: int
    emails: int
    webhooks: int
    failing: int
    given_up: int
    oldest_at: str | None
    oldest_age_s: float | None
    last_error: str | None


class SetAsideFolder(TypedDict):
    """Open set-aside files of one watched Box folder (in its ``_needs_attention``)."""

    folder: str
    box_folder_id: str
    path: str
    count: int
    oldest_at: str
    files: list[str]


class StatusReply(TypedDict):
    version: str
    pid: int
    started_at: str
    uptime_s: float
    role: str
    state: str
    instance: str
    holder: str
    active_holder: str | None
    timezone: str
    config: str | None
    reload_error: str | None
    database_error: str | None
    status_line: str
    jobs: list[JobStatus]
    outbox: OutboxBacklog | None
    set_aside: list[SetAsideFolder] | None


class TriggerReply(TypedDict):
    run: RunningRun


class RunResult(TypedDict):
    run_id: str
    job: str
    trigger: str
    dry_run: bool
    outcome: str
    duration_s: float
    counts: dict[str, int]
    problems: list[str]
    error: str | None


class WaitReply(TypedDict):
    done: bool
    result: NotRequired[RunResult]
    running: NotRequired[RunningRun]


class PauseReply(TypedDict):
    job: str
    paused: bool


class ResumeReply(TypedDict):
    job: str
    paused: bool
    next_run: str | None
    timezone: str


class ReloadReply(TypedDict):
    reload: Literal["started", "done"]
    added: NotRequired[list[str]]
    changed: NotRequired[list[str]]
    removed: NotRequired[list[str]]


Reply = StatusReply | TriggerReply | WaitReply | PauseReply | ResumeReply | ReloadReply

# -- errors ---------------------------------------------------------------------------

ErrorKind = Literal["usage", "busy", "unavailable", "config", "denied", "failed", "internal"]


class ErrorReply(TypedDict):
    ok: Literal[False]
    error: str
    kind: ErrorKind


_KINDS: tuple[tuple[type[FerreroError], ErrorKind], ...] = (
    (UsageError, "usage"),
    (BusyError, "busy"),
    (DaemonUnavailable, "unavailable"),
    (ControlDenied, "denied"),
    (ConfigError, "config"),
)
_ERRORS: dict[str, type[FerreroError]] = {
    "usage": UsageError,
    "busy": BusyError,
    "unavailable": DaemonUnavailable,
    "denied": ControlDenied,
    "config": ConfigError,
}


def kind_of(exc: FerreroError) -> ErrorKind:
    """The daemon's side: which kind of refusal an error is."""
    return next((kind for cls, kind in _KINDS if isinstance(exc, cls)), "failed")


def error_for(reply: Mapping[str, object]) -> FerreroError:
    """The client's side: the error a refusal becomes (and so the CLI's exit code)."""
    message = str(reply.get("error") or "the daemon refused the request")
    return _ERRORS.get(str(reply.get("kind")), ControlError)(message)


def error_reply(message: str, kind: ErrorKind = "failed") -> ErrorReply:
    return {"ok": False, "error": message, "kind": kind}


def parse_request(data: object) -> Request:
    """A request checked field by field; ``UsageError`` names what is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("cmd"), str):
        raise UsageError('the request must be a JSON object with a "cmd"')
    fields = FIELDS.get(data["cmd"])
    if fields is None:
        raise UsageError(f"unknown command {data['cmd']!r}; known: {', '.join(sorted(FIELDS))}")
    for name, kind in fields.items():
        value = data.get(name)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise UsageError(f"{data['cmd']}: field {name!r} is missing or of the wrong type")
    request: Request = {"cmd": data["cmd"], **{k: data[k] for k in fields}}  # type: ignore[assignment]
    return request
