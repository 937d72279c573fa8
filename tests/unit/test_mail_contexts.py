"""One dataclass per mail template: every template has one, every one renders through its
template, and what the outbox stores reads back into the same value."""

from __future__ import annotations

import dataclasses
import types
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest

from ferrero_daemon.domain.mails import (
    CONTEXTS,
    AlertMail,
    MailContext,
    ReportMail,
    UploadsMail,
    read_context,
)
from ferrero_daemon.errors import InvalidInputError
from ferrero_daemon.templates import TEMPLATES_DIR, render

PLAIN = {str: "Nutella_DE_de_123_OMG999_K7M2QX9AB.mp4", int: 3, float: 83.5, bool: True}


def sample(hint: Any) -> Any:
    """A value of every field, so a template that reads a field the class lacks fails."""
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = get_type_hints(hint)
        return hint(**{f.name: sample(hints[f.name]) for f in dataclasses.fields(hint)})
    if get_origin(hint) is list:
        return [sample(get_args(hint)[0])] * 2
    if get_origin(hint) in (Union, types.UnionType):
        return sample(next(a for a in get_args(hint) if a is not type(None)))
    return PLAIN[hint]


TYPED = [c for c in CONTEXTS.values() if not issubclass(c, ReportMail)]


def test_every_template_pair_has_its_dataclass_and_every_dataclass_its_templates() -> None:
    pairs = {p.stem for p in TEMPLATES_DIR.glob("*.txt")}
    assert pairs == {p.stem for p in TEMPLATES_DIR.glob("*.html")}
    assert pairs == set(CONTEXTS)


@pytest.mark.parametrize("kind", TYPED, ids=[c.TEMPLATE for c in TYPED])
def test_each_context_renders_through_its_template(kind: type[MailContext]) -> None:
    rendered = render(kind.TEMPLATE, sample(kind).values())
    assert rendered.text.strip() and "<" in rendered.html


@pytest.mark.parametrize("kind", TYPED, ids=[c.TEMPLATE for c in TYPED])
def test_what_the_outbox_stores_reads_back_into_the_same_value(kind: type[MailContext]) -> None:
    value = sample(kind)
    assert read_context(kind.TEMPLATE, value.values()) == value


def test_a_stored_mail_missing_a_field_is_refused_naming_the_template_and_the_field() -> None:
    values = sample(UploadsMail).values()
    del values["uploads"][1]["country"]
    with pytest.raises(InvalidInputError, match=r"'a2_a3_uploads' .*Upload has no 'country'"):
        read_context("a2_a3_uploads", values)
    with pytest.raises(InvalidInputError, match="no mail template 'nope'"):
        read_context("nope", {})


def test_a_mail_built_without_a_field_fails_where_it_is_built() -> None:
    with pytest.raises(TypeError, match="default_status"):
        UploadsMail(uploads=[], unscored=[], default_score="N/A")  # type: ignore[call-arg]


def test_an_alert_queued_before_alerts_named_their_origin_still_renders() -> None:
    old = {"scope": "a1_a2", "title": "job a1_a2", "problems": ["x"], "decision": "raise"}
    mail = read_context("alert", old)
    assert isinstance(mail, AlertMail) and mail.host is None
    assert "Host:" not in render("alert", mail.values()).text
