"""OTMM JSON shapes of the emulator: rendering objects, reading metadata elements.

Read side (`ref/otmm-api.md` §5): ``metadata.metadata_element_list`` holds field
groups, each holding fields; a domain field carries ``domain_value: true`` and a
``DomainValue`` (code + display); a tabular field is a ``MetadataTableField`` whose
single column (the field id) lists its rows in ``values``. Write side (§7, §8): a flat
list of fields, each with ``value.value`` (string or ``DomainValue``) or, tabular,
``values``; a field without a value is cleared.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from ferrero_daemon.sandbox.otmm.store import (
    Asset,
    FieldDef,
    Folder,
    Node,
    OtmmError,
    Store,
    Value,
)

FIELD = "com.artesia.metadata.MetadataField"
TABLE = "com.artesia.metadata.MetadataTableField"
DOMAIN = "com.artesia.metadata.DomainValue"
_CONTENT_TYPES = {"image": "BITMAP", "video": "VIDEO", "audio": "AUDIO"}


def iso(node_time: Any) -> str:
    return str(node_time.strftime("%Y-%m-%dT%H:%M:%SZ"))


def content_type(mime: str) -> str:
    if mime == "application/pdf":
        return "ACROBAT"
    return _CONTENT_TYPES.get(mime.partition("/")[0], "OTHER")


def _string(value: str) -> dict[str, Any]:
    return {"type": "string", "value": value}


def field_element(definition: FieldDef, value: Value | None) -> dict[str, Any]:
    if definition.kind == "tabular":
        rows = value if isinstance(value, list) else []
        column = {
            "type": FIELD,
            "id": definition.id,
            "name": definition.name,
            "values": [{"value": {**_string(r), "display_value": r}} for r in rows],
        }
        return {
            "type": TABLE,
            "id": f"{definition.id}.TAB",
            "name": definition.name,
            "metadata_element_list": [column],
        }
    holder: dict[str, Any] = {
        "domain_value": definition.kind == "domain",
        "cascading_domain_value": False,
        "is_locked": False,
    }
    if isinstance(value, str) and definition.kind == "domain":
        display = definition.domain.get(value, value)
        holder["value"] = {"type": DOMAIN, "field_value": _string(value), "display_value": display}
    elif isinstance(value, str):
        holder["value"] = _string(value)
    return {"type": FIELD, "id": definition.id, "name": definition.name, "value": holder}


def metadata_tree(store: Store, node: Node) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for definition in store.fields.values():
        if definition.id in node.metadata or definition.group.startswith(_model_prefix(node)):
            groups[definition.group].append(
                field_element(definition, node.metadata.get(definition.id))
            )
    return {
        "type": "com.artesia.metadata.MetadataModel",
        "id": node.model_id,
        "name": node.model_id,
        "metadata_element_list": [
            {
                "type": "com.artesia.metadata.MetadataFieldGroup",
                "id": group,
                "name": group,
                "metadata_element_list": fields,
            }
            for group, fields in groups.items()
        ],
    }


def _model_prefix(node: Node) -> str:
    # Folders show the campaign group even when empty; assets their own groups.
    return "FERRERO.FG.CAMPAIGN" if isinstance(node, Folder) else "FERRERO.FG.ASSET"


def render(store: Store, node: Node, *, with_metadata: bool) -> dict[str, Any]:
    data = _render_asset(store, node) if isinstance(node, Asset) else _render_folder(store, node)
    if with_metadata:
        data["metadata"] = metadata_tree(store, node)
    return data


def _lock_fields(store: Store, node: Node) -> dict[str, Any]:
    data: dict[str, Any] = {"locked": node.lock_user is not None}
    if node.lock_user:
        user = store.user(node.lock_user)
        data["asset_lock_state_user_id"] = user.user_id
        data["metadata_lock_state_user_name"] = user.login
        data["asset_lock_state_last_update_date"] = iso(node.updated)
    return data


def _render_folder(store: Store, node: Node) -> dict[str, Any]:
    assert isinstance(node, Folder)
    children = store.children(node.id)
    folders = sum(isinstance(c, Folder) for c in children)
    return {
        "asset_id": node.id,
        "name": node.name,
        "data_type": "CONTAINER",
        "container_type_id": node.container_type_id,
        "metadata_model_id": node.model_id,
        "security_policy_list": [{"id": 1}],
        "date_last_updated": iso(node.updated),
        "container_child_counts": {
            "total_child_count": len(children),
            "folder_child_count": folders,
            "asset_child_count": len(children) - folders,
        },
        **_lock_fields(store, node),
    }


def _render_asset(store: Store, asset: Asset) -> dict[str, Any]:
    data: dict[str, Any] = {
        "asset_id": asset.id,
        "original_asset_id": asset.original_id,
        "name": asset.name,
        "data_type": "ASSET",
        "version": asset.version,
        "latest_version": asset.latest,
        "deleted": False,
        "expired": False,
        "asset_state": "NORMAL",
        "checked_out": asset.checked_out_by is not None,
        "content_state": "NORMAL" if asset.content else "NO_CONTENT",
        "content_type": content_type(asset.mime_type) if asset.content else "NONE",
        "mime_type": asset.mime_type,
        "date_imported": iso(asset.created),
        "date_last_updated": iso(asset.updated),
        "import_job_id": asset.import_job_id,
        "metadata_model_id": asset.model_id,
        "security_policy_list": [{"id": 1}],
        "parent_folder_id": asset.parent_id,  # [I] not in the public samples; tolerated
        **_lock_fields(store, asset),
    }
    if asset.content is not None:
        data["content_size"] = asset.content.size
        data["master_content_info"] = {
            "id": f"{asset.id[:32]}c0ffee00",
            "name": asset.name,
            "mime_type": asset.mime_type,
            "content_size": asset.content.size,
            "content_kind": "MASTER",
            "url": f"/otmmapi/v6/assets/{asset.id}/contents",
        }
    return data


def wants_metadata(query: Mapping[str, str]) -> bool:
    load_type = query.get("load_type", "")
    if load_type in ("metadata", "full"):
        return True
    if load_type == "custom":
        try:
            request = json.loads(query.get("data_load_request", "{}"))
        except ValueError:
            return False
        return bool(request.get("data_load_request", {}).get("load_metadata"))
    return False


def element_value(element: Mapping[str, Any]) -> Value | None:
    """The value one written metadata element carries (None: clear the field)."""
    if "values" in element:
        rows = element["values"] or []
        return [str(_scalar(row.get("value"))) for row in rows if _scalar(row.get("value"))]
    inner = (element.get("value") or {}).get("value")
    found = _scalar(inner)
    return None if found is None else str(found)


def _scalar(inner: Any) -> Any:
    if not isinstance(inner, Mapping):
        return None
    if inner.get("type") in (DOMAIN, "com.artesia.metadata.CascadingDomainValue"):
        return (inner.get("field_value") or {}).get("value")
    return inner.get("value", (inner.get("field_value") or {}).get("value"))


def read_elements(elements: Any) -> dict[str, Value | None]:
    if not isinstance(elements, list):
        raise OtmmError(400, "metadata must be a list of metadata elements.")
    values: dict[str, Value | None] = {}
    for element in elements:
        if not isinstance(element, Mapping) or not isinstance(element.get("id"), str):
            raise OtmmError(400, "each metadata element needs an id.")
        values[element["id"]] = element_value(element)
    return values


def exception_body(error: OtmmError) -> dict[str, Any]:
    return {
        "exception_body": {
            "message": error.message,
            "http_response_code": error.status,
            "error_code": error.error_code,
            "debug_message": error.message,
        }
    }
