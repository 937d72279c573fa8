"""OTMM's metadata model and lookup domains, parsed. No I/O.

``GET /v6/metadatamodels/{id}`` → ``metadata_model_resource.metadata_model`` (the root
is [C S16]; the path and the field definitions' members are [I]): a tree of field
groups, fields and tabular fields, as in an object's metadata (`ref/otmm-api.md` §5).
A field is a pick-list when its definition names a domain; the members naming it
differ between samples, so every spelling seen is read (``domain_id``, ``domainId``,
``domain.id``, ``lookup_domain_id``, a ``domained``/``is_domained`` flag), and values
carried inline (``domain_values`` / ``domainValues``) are taken as they are.

``GET /v6/lookupdomains/{id}`` → ``lookup_domain_resource.lookup_domain.domainValues[]``
with ``field_value.value`` (the code) and ``display_value`` [C S1].
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["scalar", "domain", "tabular"]
_DOMAIN_ID_KEYS = ("domain_id", "domainId", "lookup_domain_id", "lookupDomainId")
_DOMAIN_FLAGS = ("domained", "is_domained", "isDomained", "domain_value")
_INLINE_VALUES = ("domain_values", "domainValues")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a metadata model: its id, shape, and pick-list when it has one."""

    id: str
    name: str
    kind: Kind
    model_id: str
    domain_id: str | None = None
    values: tuple[str, ...] | None = None  # the codes, when the model carries them inline


def _domain_id(element: Mapping[str, Any]) -> str | None:
    for key in _DOMAIN_ID_KEYS:
        if element.get(key):
            return str(element[key])
    nested = element.get("domain")
    if isinstance(nested, Mapping) and nested.get("id"):
        return str(nested["id"])
    return None


def domain_codes(entries: Any) -> tuple[str, ...]:
    """The codes of a list of domain values (``field_value.value``, else the display)."""
    codes: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            codes.append(entry)
            continue
        if not isinstance(entry, Mapping) or entry.get("expired_value") is True:
            continue
        value = (entry.get("field_value") or {}).get("value")
        value = entry.get("value", entry.get("display_value")) if value is None else value
        if value is not None:
            codes.append(str(value))
    return tuple(codes)


def _scalar(element: Mapping[str, Any], model_id: str) -> FieldSpec:
    domain_id = _domain_id(element)
    inline = next((element[k] for k in _INLINE_VALUES if k in element), None)
    flagged = any(element.get(k) is True for k in _DOMAIN_FLAGS)
    kind: Kind = "domain" if domain_id or inline is not None or flagged else "scalar"
    values = domain_codes(inline) if inline is not None else None
    return FieldSpec(
        str(element["id"]), str(element.get("name", "")), kind, model_id, domain_id, values
    )


def _walk(elements: Any, model_id: str) -> Iterator[FieldSpec]:
    for element in elements if isinstance(elements, list) else []:
        if not isinstance(element, Mapping) or not element.get("id"):
            continue
        kind = str(element.get("type", ""))
        children = element.get("metadata_element_list")
        if "TableField" in kind:
            name = str(element.get("name", ""))
            yield FieldSpec(str(element["id"]), name, "tabular", model_id)
            for column in _walk(children, model_id):  # a column is read as a tabular field
                yield FieldSpec(column.id, column.name, "tabular", model_id, column.domain_id)
        elif children is not None:
            yield from _walk(children, model_id)
        else:
            yield _scalar(element, model_id)


def parse_model(body: Any, model_id: str) -> list[FieldSpec]:
    """Every field of a ``metadata_model_resource`` (tabular columns included)."""
    root = body.get("metadata_model_resource", body) if isinstance(body, Mapping) else {}
    model = root.get("metadata_model", root) if isinstance(root, Mapping) else {}
    if not isinstance(model, Mapping):
        return []
    return list(_walk(model.get("metadata_element_list"), str(model.get("id") or model_id)))


def parse_domain(body: Any) -> tuple[str, ...] | None:
    """The codes of a ``lookup_domain_resource``; None when the body is not one."""
    if not isinstance(body, Mapping):
        return None
    domain = (body.get("lookup_domain_resource") or {}).get("lookup_domain")
    if not isinstance(domain, Mapping):
        return None
    return domain_codes(domain.get("domainValues", domain.get("domain_values")))
