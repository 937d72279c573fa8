"""OTMM emulator routes describing the metadata model: models and lookup domains.

- ``GET /metadatamodels/{id}`` → ``metadata_model_resource.metadata_model`` (the root
  the OTMM UI reads, ref §9 [C S16]; the path and the field members are [I]): the
  model's field groups, each field with ``data_type`` and, for a pick-list,
  ``domained`` and ``domain_id``; a tabular field as a ``MetadataTableField`` whose
  single column is the field, as in an object's metadata.
- ``GET /lookupdomains`` and ``/lookupdomains/{id}`` → the pick-list values, in the
  shape pyxecm documents (ref §5, [C S1]).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ferrero_daemon.sandbox.http import json_response
from ferrero_daemon.sandbox.otmm.api import API, Handler, ReadWriteApi
from ferrero_daemon.sandbox.otmm.render import FIELD, TABLE
from ferrero_daemon.sandbox.otmm.store import FieldDef, OtmmError, Store

GROUP = "com.artesia.metadata.MetadataFieldGroup"


def field_definition(definition: FieldDef) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": FIELD,
        "id": definition.id,
        "name": definition.name,
        "data_type": "CHAR",
        "editable": True,
        "domained": definition.kind == "domain",
    }
    if definition.domain_id:
        data["domain_id"] = definition.domain_id
    if definition.kind != "tabular":
        return data
    return {
        "type": TABLE,
        "id": f"{definition.id}.TAB",
        "name": definition.name,
        "metadata_element_list": [data],
    }


def domain_json(definition: FieldDef) -> dict[str, Any]:
    return {
        "cacheable": True,
        "datatype": "CHAR",
        "domainId": definition.domain_id,
        "domainValues": [
            {
                "display_value": display,
                "expired_value": False,
                "field_value": {"type": "string", "value": code},
            }
            for code, display in definition.domain.items()
        ],
    }


class MetadataApi:
    def __init__(self, api: ReadWriteApi) -> None:
        self.api = api
        self.store: Store = api.store

    def add_routes(self, app: web.Application) -> None:
        routes: list[tuple[str, Handler]] = [
            ("/metadatamodels/{id}", self.model),
            ("/lookupdomains", self.domains),
            ("/lookupdomains/{id}", self.domain),
        ]
        for path, handler in routes:
            app.router.add_get(API + path, self.api.wrap(handler))

    async def model(self, request: web.Request) -> web.Response:
        model_id = request.match_info["id"]
        groups = self.store.models.get(model_id)
        if groups is None:
            raise OtmmError(404, f"Metadata model {model_id} does not exist.", "MODEL_NOT_FOUND")
        elements = [
            {
                "type": GROUP,
                "id": group,
                "name": group,
                "metadata_element_list": [
                    field_definition(d) for d in self.store.fields.values() if d.group == group
                ],
            }
            for group in groups
        ]
        model = {"id": model_id, "name": model_id, "metadata_element_list": elements}
        return json_response({"metadata_model_resource": {"metadata_model": model}})

    async def domains(self, _request: web.Request) -> web.Response:
        found = [domain_json(d) for d in self.store.fields.values() if d.domain_id]
        return json_response({"lookup_domains_resource": {"lookup_domains": found}})

    async def domain(self, request: web.Request) -> web.Response:
        domain_id = request.match_info["id"]
        for definition in self.store.fields.values():
            if definition.domain_id == domain_id:
                return json_response(
                    {"lookup_domain_resource": {"lookup_domain": domain_json(definition)}}
                )
        raise OtmmError(404, f"Lookup domain {domain_id} does not exist.", "DOMAIN_NOT_FOUND")
