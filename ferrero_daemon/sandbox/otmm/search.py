"""``search_condition_list`` of OTMM's ``/search/text``: parsed into a predicate.

The wire form is a flat list; each condition after the first carries the
``relational_operator`` (``and``/``or``) joining it to what precedes, and may open
(``left_paren``) or close (``right_paren``) groups. We evaluate it with the usual
precedence (``and`` before ``or``), groups first.

CONTAINS models OTMM's full-text index (`ref/otmm-api.md` §3, marked [I]): values are
split into alphanumeric tokens, case-insensitively, and a condition matches when each
of its tokens is a prefix of some token of the value. So ``A1`` matches ``A1`` and
also ``A10``, and ``123`` matches ``1234``: a client wanting equality must post-filter,
as it must against the real server. ``…CHAR.IS`` is exact equality.

A tabular condition matches when one row satisfies all its column conditions.
A malformed list raises ``SearchSyntaxError`` (the server answers 500 with an
``exception_body``, as OTMM does for a bad search).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Lookup = Callable[[str], Sequence[str]]  # field id -> its values (rows for a tabular field)
Predicate = Callable[[Lookup], bool]

SCALAR = "com.artesia.search.SearchScalarCondition"
TABULAR = "com.artesia.search.SearchTabularCondition"
_TOKEN = re.compile(r"[0-9a-z]+")


class SearchSyntaxError(ValueError):
    pass


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def contains(value: str, query: str) -> bool:
    wanted = tokens(query)
    have = tokens(value)
    return bool(wanted) and all(any(t.startswith(w) for t in have) for w in wanted)


def _number_is(value: str, query: str) -> bool:
    try:
        return float(value) == float(query)
    except ValueError:
        return False


OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "ARTESIA.OPERATOR.CHAR.CONTAINS": contains,
    "ARTESIA.OPERATOR.CHAR.IS": lambda value, query: value == query,
    "ARTESIA.OPERATOR.CHAR.IS NOT": lambda value, query: value != query,
    "ARTESIA.OPERATOR.CHAR.STARTS WITH": lambda value, query: value.startswith(query),
    "ARTESIA.OPERATOR.NUMBER.IS": _number_is,
}


def _field_condition(item: dict[str, Any]) -> Predicate:
    field_id = item.get("metadata_field_id")
    operator = OPERATORS.get(str(item.get("relational_operator_id")))
    if not isinstance(field_id, str) or operator is None:
        raise SearchSyntaxError(
            f"invalid condition: field {field_id!r}, operator {item.get('relational_operator_id')!r}"
        )
    query = str(item.get("value", ""))
    return lambda lookup: any(operator(v, query) for v in lookup(field_id))


def _tabular_condition(item: dict[str, Any]) -> Predicate:
    columns = item.get("tabular_field_list")
    if not isinstance(columns, list) or not columns:
        raise SearchSyntaxError("a tabular condition needs a non-empty tabular_field_list")
    inner = _parse_list(columns, _field_condition)

    def matches(lookup: Lookup) -> bool:
        ids = [c.get("metadata_field_id", "") for c in columns]
        rows = max((len(lookup(i)) for i in ids), default=0)
        return any(inner(_row_lookup(lookup, row)) for row in range(rows))

    return matches


def _row_lookup(lookup: Lookup, row: int) -> Lookup:
    def one_row(field_id: str) -> Sequence[str]:
        values = lookup(field_id)
        return [values[row]] if row < len(values) else []

    return one_row


def _condition(item: dict[str, Any]) -> Predicate:
    kind = item.get("type", SCALAR)
    if kind == TABULAR:
        return _tabular_condition(item)
    if kind in (SCALAR, "com.artesia.search.SearchTabularFieldCondition"):
        return _field_condition(item)
    raise SearchSyntaxError(f"unknown condition type {kind!r}")


@dataclass
class _Parser:
    """Recursive descent over tokens: predicates, 'and', 'or', '(' and ')'."""

    items: list[Predicate | str]
    pos: int = 0

    def peek(self) -> Predicate | str | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def take(self) -> Predicate | str:
        item = self.peek()
        if item is None:
            raise SearchSyntaxError("search_condition_list ends early (missing a condition)")
        self.pos += 1
        return item

    def expression(self) -> Predicate:
        left = self.term()
        while self.peek() == "or":
            self.take()
            left = _either(left, self.term())
        return left

    def term(self) -> Predicate:
        left = self.factor()
        while self.peek() == "and":
            self.take()
            left = _both(left, self.factor())
        return left

    def factor(self) -> Predicate:
        item = self.take()
        if item == "(":
            inner = self.expression()
            if self.take() != ")":
                raise SearchSyntaxError("unbalanced parentheses in search_condition_list")
            return inner
        if isinstance(item, str):
            raise SearchSyntaxError(f"unexpected {item!r} in search_condition_list")
        return item


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda lookup: a(lookup) or b(lookup)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda lookup: a(lookup) and b(lookup)


def _parens(item: dict[str, Any], key: str, char: str) -> list[str]:
    text = str(item.get(key) or "")
    if text.strip(char + " "):
        raise SearchSyntaxError(f"{key} must contain only {char!r}, got {text!r}")
    return [char] * text.count(char)


def _parse_list(conditions: list[Any], make: Callable[[dict[str, Any]], Predicate]) -> Predicate:
    stream: list[Predicate | str] = []
    for index, item in enumerate(conditions):
        if not isinstance(item, dict):
            raise SearchSyntaxError("each search condition must be a JSON object")
        if index:
            joiner = str(item.get("relational_operator") or "and").lower()
            if joiner not in ("and", "or"):
                raise SearchSyntaxError(f"relational_operator must be and/or, got {joiner!r}")
            stream.append(joiner)
        stream.extend(_parens(item, "left_paren", "("))
        stream.append(make(item))
        stream.extend(_parens(item, "right_paren", ")"))
    parser = _Parser(stream)
    predicate = parser.expression()
    if parser.peek() is not None:
        raise SearchSyntaxError("unbalanced parentheses in search_condition_list")
    return predicate


def parse_condition_list(text: str | None) -> Predicate:
    """The predicate of a ``search_condition_list`` JSON string (none: match all)."""
    if not text:
        return lambda _lookup: True
    try:
        data = json.loads(text)
        conditions = data["search_condition_list"]["search_condition"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SearchSyntaxError(f"search_condition_list is not valid: {exc}") from None
    if isinstance(conditions, dict):  # a one-element list, as some JSON writers send it
        conditions = [conditions]
    if not isinstance(conditions, list):
        raise SearchSyntaxError("search_condition must be a list")
    if not conditions:
        return lambda _lookup: True
    return _parse_list(conditions, _condition)


def keyword_predicate(query: str | None) -> Predicate:
    """``keyword_query``: ``*`` or empty matches all; else tokens as CONTAINS on any value."""
    if not query or query.strip() == "*":
        return lambda _lookup: True
    return lambda lookup: any(contains(v, query) for v in lookup("*"))
