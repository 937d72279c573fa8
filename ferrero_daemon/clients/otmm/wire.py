"""OTMM JSON ↔ our value types, and OTMM answers → our error tree. No I/O.

Read (`ref/otmm-api.md` §5): metadata is a tree of groups and fields, walked whole;
a domain field yields its code (``field_value``), a tabular field its rows, keyed by
the column id (and by the table id when the table has one column); an empty field
``None``. Write (§8.2): a flat list, a string as ``{"type": "string"}`` (also for
domain fields: [I] OTMM resolves the code; the UI's ``DomainValue`` form is accepted
by the emulator too), a list as a ``MetadataTableField`` with ``values``, ``None``
as an element without a value (clears the field, [I]). With ``[dam.wire]
domain_value_form = "domain_value"`` the configured pick-list fields go as ``DomainValue``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ferrero_daemon.clients.http import Remote
from ferrero_daemon.config import DamConfig, DamWire
from ferrero_daemon.domain.values import DamAsset, DamFolder, FieldValue, Metadata
from ferrero_daemon.errors import AuthError, FerreroError, TransientError

FIELD = "com.artesia.metadata.MetadataField"
TABLE = "com.artesia.metadata.MetadataTableField"
DOMAIN_VALUE = "com.artesia.metadata.DomainValue"
SCALAR_CONDITION = "com.artesia.search.SearchScalarCondition"
CONTAINS = "ARTESIA.OPERATOR.CHAR.CONTAINS"


# -- metadata ----------------------------------------------------------------
def _field_value(element: Mapping[str, Any]) -> FieldValue:
    inner = (element.get("value") or {}).get("value")
    if not isinstance(inner, Mapping):
        return None
    if "field_value" in inner:
        found = (inner.get("field_value") or {}).get("value")
    else:
        found = inner.get("value")
    return None if found is None else str(found)


def _rows(element: Mapping[str, Any]) -> list[str]:
    rows = []
    for row in element.get("values") or []:
        inner = row.get("value") if isinstance(row, Mapping) else None
        if isinstance(inner, Mapping):
            found = inner.get("value", (inner.get("field_value") or {}).get("value"))
            found = inner.get("display_value") if found is None else found
            if found is not None:
                rows.append(str(found))
    return rows


def parse_metadata(tree: Mapping[str, Any] | None) -> dict[str, FieldValue]:
    """Field id → value, for every field anywhere in an OTMM metadata tree."""
    values: dict[str, FieldValue] = {}

    def walk(elements: Any) -> None:
        for element in elements or []:
            if not isinstance(element, Mapping):
                continue
            element_id = str(element.get("id", ""))
            children = element.get("metadata_element_list")
            if "values" in element:
                values[element_id] = _rows(element)
            elif children is not None:
                walk(children)
                columns = [c for c in children if isinstance(c, Mapping) and "values" in c]
                if element.get("type") == TABLE and len(columns) == 1:
                    values[element_id] = _rows(columns[0])
            elif element_id:
                values[element_id] = _field_value(element)

    walk((tree or {}).get("metadata_element_list"))
    return values


def _scalar(value: str, domain: bool) -> dict[str, Any]:
    if domain:  # the UI's form (ref §8.2): the code, OTMM shows its display value
        return {"type": DOMAIN_VALUE, "field_value": {"type": "string", "value": value}}
    return {"type": "string", "value": value}


def edited_elements(values: Metadata, domain_ids: Collection[str] = ()) -> list[dict[str, Any]]:
    """The flat element list of an import or PATCH; ``domain_ids`` are written as
    ``DomainValue`` (``[dam.wire] domain_value_form``), every other scalar as a string."""
    elements: list[dict[str, Any]] = []
    for field_id, value in values.items():
        if isinstance(value, list):
            rows = [{"value": {"type": "string", "value": row}} for row in value]
            elements.append({"id": field_id, "type": TABLE, "values": rows})
        elif value is None:
            elements.append({"id": field_id, "type": FIELD})
        else:
            inner = _scalar(value, field_id in domain_ids)
            elements.append({"id": field_id, "type": FIELD, "value": {"value": inner}})
    return elements


def contains_conditions(conditions: Mapping[str, str]) -> str:
    """A ``search_condition_list`` ANDing a CONTAINS per field (post-filter the hits)."""
    items = [
        {
            "type": SCALAR_CONDITION,
            "metadata_field_id": field_id,
            "relational_operator_id": CONTAINS,
            "value": value,
            **({"relational_operator": "and"} if index else {}),
        }
        for index, (field_id, value) in enumerate(conditions.items())
    ]
    return json.dumps({"search_condition_list": {"search_condition": items}})


def search_form(conditions: Mapping[str, str], after: int, limit: int) -> dict[str, str]:
    """The form of one ``POST /search/text`` page, folders with their metadata (ref §3)."""
    return {
        "keyword_query": "*",
        "search_condition_list": contains_conditions(conditions),
        "after": str(after),
        "limit": str(limit),
        "search_config_id": "3",
        "load_type": "metadata",
        "level_of_detail": "full",
    }


@dataclass(frozen=True)
class SearchPage:
    """One page of a search: counts as OTMM reports them, and the folders on it."""

    total: int
    hits: int
    ids: tuple[str, ...]
    folders: tuple[DamFolder, ...]
    model_ids: frozenset[str] = frozenset()


def search_page(body: Any) -> SearchPage:
    resource = dig(body, "search_result_resource")
    result = dig(resource, "search_result")
    items = [i for i in resource.get("asset_list") or [] if isinstance(i, Mapping)]
    folders = [i for i in items if is_folder(i)]
    ids = [str(i) for i in result.get("asset_id_list") or []] or [
        str(i.get("asset_id")) for i in items
    ]
    return SearchPage(
        total=int(result.get("total_hit_count") or 0),
        hits=int(result.get("hit_count") or 0),
        ids=tuple(ids),
        folders=tuple(folder_from(f) for f in folders),
        model_ids=frozenset(
            str(f["metadata_model_id"]) for f in folders if f.get("metadata_model_id")
        ),
    )


def matches_exactly(metadata: Mapping[str, FieldValue], conditions: Mapping[str, str]) -> bool:
    return all(metadata.get(field_id) == value for field_id, value in conditions.items())


def field_ids(dam: DamConfig, wire: DamWire) -> set[str]:
    """The field ids of ``[dam.wire] domain_fields`` (keys of ``[dam.fields]``)."""
    return {str(getattr(dam.fields, key)) for key in wire.domain_fields}


# -- jobs --------------------------------------------------------------------
FAILED_JOB_STATES = frozenset({"FAILED", "ERROR", "CANCELLED", "ABORTED"})
CHECKIN_LOCK_HINT = (
    'if this OTMM checks in only a locked asset, set [dam.wire] checkin_flow = "checkout_lock"'
)


def job_state(job: Mapping[str, Any], field: str) -> str:
    """A job's state from ``[dam.wire] job_state_field`` ([I] the shape is not public);
    with the default field, ``status`` is read too, as before it was a setting."""
    names = [field, "status"] if field == "job_state" else [field]
    for name in names:
        if job.get(name):
            return str(job[name]).upper()
    return ""


# -- objects -----------------------------------------------------------------
def is_folder(data: Mapping[str, Any]) -> bool:
    return data.get("data_type") == "CONTAINER" or "container_type_id" in data


def folder_from(data: Mapping[str, Any]) -> DamFolder:
    return DamFolder(
        id=str(data["asset_id"]),
        name=str(data.get("name", "")),
        metadata=parse_metadata(data.get("metadata")),
    )


def _size(data: Mapping[str, Any]) -> int | None:
    if data.get("content_state") == "NO_CONTENT":
        return None
    size = data.get("content_size", (data.get("master_content_info") or {}).get("content_size"))
    return int(size) if isinstance(size, int | str) and str(size).lstrip("-").isdigit() else None


def asset_from(data: Mapping[str, Any], folder_id: str | None = None) -> DamAsset:
    mime = data.get("mime_type") or (data.get("master_content_info") or {}).get("mime_type")
    return DamAsset(
        id=str(data["asset_id"]),
        name=str(data.get("name", "")),
        folder_id=folder_id or data.get("parent_folder_id"),
        size=_size(data),
        mime_type=str(mime) if mime else None,
        version=int(data.get("version") or 1),
        metadata=parse_metadata(data.get("metadata")),
    )


def dig(data: Any, *keys: str) -> Any:
    """``data[k1][k2]…``, or a ``TransientError`` naming the missing member."""
    node = data
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            raise TransientError(f"OTMM answered without {'.'.join(keys)}; unexpected response")
        node = node[key]
    return node


# -- errors ------------------------------------------------------------------
def server_message(response: httpx.Response) -> str:
    """OTMM's own words for an error (``exception_body.message``, OAuth's description)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "no details"
    if isinstance(body, Mapping) and isinstance(body.get("exception_body"), Mapping):
        return str(body["exception_body"].get("message") or "no details")
    if isinstance(body, Mapping) and "error" in body:
        return str(body.get("error_description") or body["error"])
    return response.reason_phrase or "no details"


OTMM = Remote(
    "OTMM",
    "[dam] ca_bundle",
    hints={
        AuthError: "the credentials were refused: check [dam] client_id and the "
        "dam_client_secret secret (with auth_mode = mtls: the .pfx and its password), "
        "and that the account may do this",
    },
    detail=server_message,
)


def error_for(response: httpx.Response, what: str) -> FerreroError:
    """The exception of our tree for a failed OTMM answer (``response`` already read)."""
    return OTMM.error(response, what)
