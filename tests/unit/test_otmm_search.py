"""The emulator's ``search_condition_list`` parser, without a server."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from ferrero_daemon.sandbox.otmm.search import SearchSyntaxError, contains, parse_condition_list

S = "com.artesia.search.SearchScalarCondition"


def c(
    field: str, value: str, op: str = "ARTESIA.OPERATOR.CHAR.CONTAINS", **extra: Any
) -> dict[str, Any]:
    return {
        "type": S,
        "metadata_field_id": field,
        "relational_operator_id": op,
        "value": value,
        **extra,
    }


def evaluate(conditions: list[dict[str, Any]], values: dict[str, Sequence[str]]) -> bool:
    text = json.dumps({"search_condition_list": {"search_condition": conditions}})
    return parse_condition_list(text)(lambda field: values.get(field, []))


@pytest.mark.parametrize(
    ("value", "query", "expected"),
    [
        ("A1", "A1", True),
        ("A10", "A1", True),  # token prefix: why the client must post-filter
        ("A2", "A1", False),
        ("Local comm", "local", True),
        ("Global comm", "Local", False),
        ("Nutella Xmas 2026", "xmas nut", True),
        ("anything", "", False),
    ],
)
def test_contains_is_token_prefix(value: str, query: str, expected: bool) -> None:
    assert contains(value, query) is expected


def test_is_is_exact() -> None:
    assert evaluate([c("F", "A1", "ARTESIA.OPERATOR.CHAR.IS")], {"F": ["A1"]})
    assert not evaluate([c("F", "A1", "ARTESIA.OPERATOR.CHAR.IS")], {"F": ["A10"]})


def test_precedence_and_nested_parentheses() -> None:
    # F=x and ((G=y or G=z) and H=w)
    conditions = [
        c("F", "x"),
        c("G", "y", relational_operator="and", left_paren="(("),
        c("G", "z", relational_operator="or", right_paren=")"),
        c("H", "w", relational_operator="and", right_paren=")"),
    ]
    assert evaluate(conditions, {"F": ["x"], "G": ["z"], "H": ["w"]})
    assert not evaluate(conditions, {"F": ["x"], "G": ["z"]})
    assert not evaluate(conditions, {"G": ["y"], "H": ["w"]})


def test_single_condition_object_is_accepted() -> None:
    text = json.dumps({"search_condition_list": {"search_condition": c("F", "x")}})
    assert parse_condition_list(text)(lambda f: ["x"] if f == "F" else [])


@pytest.mark.parametrize(
    "conditions",
    [
        [c("F", "x", left_paren="(")],
        [c("F", "x", right_paren=")")],
        [c("F", "x"), c("G", "y", relational_operator="xor")],
        [c("F", "x", "ARTESIA.OPERATOR.UNKNOWN")],
        [{"type": "com.artesia.search.Nope"}],
        ["not an object"],
    ],
)
def test_malformed_lists_are_refused(conditions: list[Any]) -> None:
    with pytest.raises(SearchSyntaxError):
        evaluate(conditions, {})


def test_not_json_is_refused() -> None:
    with pytest.raises(SearchSyntaxError):
        parse_condition_list("{not json")
