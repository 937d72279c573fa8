"""What each mail says: one dataclass per template pair in ``ferrero_daemon/templates/``.

A mail's context is built as one of these, so a missing field is a type error (mypy),
and a ``TypeError`` or ``KeyError`` where the mail is built, in the run that queues it,
not an outbox row retried every hour. ``Email`` (``clients/types.py``) carries one.

Every field holds a JSON value (text, number, boolean, None, a list, another of these
dataclasses), so what is queued is exactly what is rendered: the outbox stores
``values()`` and reads a row back into its class with ``read_context``, which refuses,
naming the template and the field, a row that no longer fits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, get_args, get_origin, get_type_hints

from ferrero_daemon.errors import InvalidInputError

Json = Any  # a JSON value, as the report document holds it (its shape is report/'s)
T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class MailContext:
    """Base of every template's context; ``TEMPLATE`` names the template pair."""

    TEMPLATE: ClassVar[str] = ""

    def values(self) -> dict[str, Any]:
        """The variables the templates see."""
        return dataclasses.asdict(self)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> MailContext:
        """The inverse of ``values``: a context read back from the outbox."""
        context: MailContext = decode(cls, values)
        return context


# -- masters_delivered: A1→A2, B1→B2 -------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CampaignInfo:
    id: str
    number: str
    name: str
    type: str
    brand: str
    market: str
    label: str


@dataclass(frozen=True, kw_only=True)
class DeliveredFile:
    name: str
    original_filename: str
    tracking_id: str
    size_bytes: int | None
    size: str


@dataclass(frozen=True, kw_only=True)
class MastersDeliveredMail(MailContext):
    TEMPLATE = "masters_delivered"
    workflow: str
    transition: str
    old_status: str
    new_status: str
    campaign: CampaignInfo
    files: list[DeliveredFile]
    count: int
    total_size: str
    box_folder_id: str
    box_folder_url: str
    environment: str
    at: str


# -- a2_a3_uploads -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Upload:
    file: str
    tracking_id: str
    campaign_number: str
    country: str
    language: str
    job_number: str
    version: int | None
    new_version: bool
    creativex_score: str
    creativex_status: str
    scored: bool


@dataclass(frozen=True, kw_only=True)
class UploadsMail(MailContext):
    TEMPLATE = "a2_a3_uploads"
    uploads: list[Upload]
    unscored: list[str]
    default_score: str
    default_status: str
    unchanged: list[Upload] = field(default_factory=list)  # identical re-uploads, not added


# -- a5_a6_rejections ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RejectionSent:
    file: str
    tracking_id: str
    campaign: str
    country: str
    language: str
    comment: str


@dataclass(frozen=True, kw_only=True)
class RejectionsMail(MailContext):
    TEMPLATE = "a5_a6_rejections"
    rejections: list[RejectionSent]
    folder: str


# -- creativex_scores ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ScoreStored:
    pdf: str
    creative: str
    cqs_pct: float
    tier: str | None
    guidelines_met: int | None
    guidelines_total: int | None
    channel: str | None
    warnings: list[str]


@dataclass(frozen=True, kw_only=True)
class ScoreWritten:
    file: str
    creativex_score: str


@dataclass(frozen=True, kw_only=True)
class ScoresMail(MailContext):
    TEMPLATE = "creativex_scores"
    scores: list[ScoreStored]
    written: list[ScoreWritten]


# -- needs_attention, set_aside_failed: a file set aside in Box ----------------------


@dataclass(frozen=True, kw_only=True)
class SetAsideMail(MailContext):
    TEMPLATE = "needs_attention"
    workflow: str
    file_name: str
    box_file_id: str
    reason: str
    folder: str


@dataclass(frozen=True, kw_only=True)
class SetAsideFailedMail(SetAsideMail):
    TEMPLATE = "set_aside_failed"
    error: str


@dataclass(frozen=True, kw_only=True)
class AttentionEntry:
    file: str
    box_file_id: str
    reason: str
    error: str = ""  # why it could not be set aside (``not_moved``)


@dataclass(frozen=True, kw_only=True)
class AttentionDigestMail(MailContext):
    """Everything one run of a workflow could not take, once, in one mail (issue 12: 31
    bad files used to be 31 mails). ``SetAsideMail`` and ``SetAsideFailedMail`` stay only
    to send what an older version queued."""

    TEMPLATE = "needs_attention_digest"
    workflow: str
    folder: str
    set_aside: list[AttentionEntry]  # moved into the folder, reason in the description
    not_moved: list[AttentionEntry]  # could not be moved: left in place, tried each run
    noticed: list[AttentionEntry]  # in a sub-folder or dropped into the folder: left alone

    @property
    def count(self) -> int:
        return len(self.set_aside) + len(self.not_moved) + len(self.noticed)


# -- alert ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AlertMail(MailContext):
    """A problem raised, changed or resolved. Alerts queued before they named their
    origin carry no ``host`` (and no job, run or time)."""

    TEMPLATE = "alert"
    scope: str
    title: str
    problems: list[str]
    decision: str  # raise, change or resolve
    host: str | None = None
    job: str = ""
    run_id: str = ""
    at: str = ""
    at_iso: str = ""
    zone: str = ""


# -- test_email ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CheckMail(MailContext):
    """``ferrero-daemon check --send-test-email``."""

    TEMPLATE = "test_email"
    list: str
    server: str
    environment: str


# -- daily_report, weekly_report -----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReportMail(MailContext):
    """A report: its ``--json`` document (typed in ``report/``, documented in the README)
    and the view the mail renders it through; the templates see the document's keys and
    ``view``."""

    document: dict[str, Json]
    view: dict[str, Json]

    def values(self) -> dict[str, Any]:
        return {**self.document, "view": self.view}

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> MailContext:
        if "view" not in values:
            raise InvalidInputError(f"mail template {cls.TEMPLATE!r}: the context has no 'view'")
        document = {k: v for k, v in values.items() if k != "view"}
        return cls(document=document, view=dict(values["view"]))


@dataclass(frozen=True, kw_only=True)
class DailyReportMail(ReportMail):
    TEMPLATE = "daily_report"


@dataclass(frozen=True, kw_only=True)
class WeeklyReportMail(ReportMail):
    TEMPLATE = "weekly_report"


CONTEXTS: dict[str, type[MailContext]] = {
    c.TEMPLATE: c
    for c in (
        MastersDeliveredMail,
        UploadsMail,
        RejectionsMail,
        ScoresMail,
        SetAsideMail,
        SetAsideFailedMail,
        AttentionDigestMail,
        AlertMail,
        CheckMail,
        DailyReportMail,
        WeeklyReportMail,
    )
}


def read_context(template: str, values: Mapping[str, Any]) -> MailContext:
    """A context read back from the outbox; ``InvalidInputError`` when it no longer fits."""
    try:
        kind = CONTEXTS[template]
    except KeyError:
        raise InvalidInputError(
            f"no mail template {template!r}; known: {', '.join(sorted(CONTEXTS))}"
        ) from None
    try:
        return kind.from_values(values)
    except InvalidInputError as exc:
        raise InvalidInputError(
            f"outbox mail {template!r} no longer fits this version: {exc}; it cannot be sent"
        ) from exc


def decode(cls: type[T], values: Mapping[str, Any]) -> T:
    """``cls`` (a dataclass) from its ``asdict`` form: nested dataclasses and lists of
    them are rebuilt, other values taken as they are; extra keys are ignored."""
    if not isinstance(values, Mapping):
        raise InvalidInputError(f"{cls.__name__}: expected an object, got {values!r:.80}")
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in values:
            kwargs[f.name] = _value(hints[f.name], values[f.name])
        elif f.default is dataclasses.MISSING:
            raise InvalidInputError(f"{cls.__name__} has no {f.name!r}")
    return cls(**kwargs)


def _value(hint: Any, value: Any) -> Any:
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return decode(hint, value)
    if get_origin(hint) is list:
        (item,) = get_args(hint)
        return [_value(item, v) for v in value]
    return value
