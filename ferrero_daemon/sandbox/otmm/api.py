"""OTMM emulator routes for reading and editing: search, folders, assets, state, PATCH.

Every handler gets the caller's login from ``Authenticator`` (401 otherwise) and
answers errors as ``exception_body`` (`ref/otmm-api.md` §10).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from ferrero_daemon.sandbox.http import json_response
from ferrero_daemon.sandbox.otmm.auth import Authenticator
from ferrero_daemon.sandbox.otmm.render import exception_body, read_elements, render, wants_metadata
from ferrero_daemon.sandbox.otmm.search import (
    SearchSyntaxError,
    keyword_predicate,
    parse_condition_list,
)
from ferrero_daemon.sandbox.otmm.store import Asset, Folder, Node, OtmmError, Store, Value

API = "/otmmapi/v6"
MAX_PAGE = 200  # [I] no documented cap; the default limit of a search (Variants.page_cap caps)
PUBLIC_TREE = "ARTESIA.PUBLIC.TREEN"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOGIN = web.RequestKey("otmm.login", str)
PatchLog = list[tuple[str, str, dict[str, Value | None]]]


async def params_of(request: web.Request) -> dict[str, str]:
    """Query parameters merged with a form body (search may come either way)."""
    params = dict(request.query)
    if request.method != "GET" and request.content_type == "application/x-www-form-urlencoded":
        params.update({k: str(v) for k, v in (await request.post()).items()})
    return params


def int_param(params: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(params.get(name, default))
    except ValueError:
        raise OtmmError(400, f"Parameter {name} must be an integer.") from None


async def json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise OtmmError(400, "The request body is not valid JSON.") from None


def lookup_for(store: Store, node: Node) -> Callable[[str], Sequence[str]]:
    system = {
        "ARTESIA.FIELD.ASSET NAME": [node.name],
        "ARTESIA.FIELD.ASSET ID": [node.id],
        "ARTESIA.FIELD.IS LATEST VERSION": ["N" if isinstance(node, Asset) and not node.latest else "Y"],
        "ARTESIA.FIELD.MIME TYPE": [node.mime_type] if isinstance(node, Asset) else [],
    }  # fmt: skip

    def lookup(field_id: str) -> Sequence[str]:
        if field_id == "*":
            return [node.name, *(_flat(v) for v in node.metadata.values())]
        if field_id in system:
            return system[field_id]
        value = node.metadata.get(field_id.removesuffix(".TAB"))
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    return lookup


def _flat(value: Value) -> str:
    return " ".join(value) if isinstance(value, list) else value


def _sorted(nodes: list[Node], sort: str) -> list[Node]:
    direction, _, key = sort.partition("_")
    if key.upper() == "NAME":
        return sorted(nodes, key=lambda n: n.name.lower(), reverse=direction == "desc")
    return nodes


class ReadWriteApi:
    """Handlers bound to one store and authenticator."""

    def __init__(self, store: Store, auth: Authenticator) -> None:
        self.store = store
        self.auth = auth
        self.patches: PatchLog = []

    def wrap(self, handler: Handler, *, public: bool = False) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                if not public:
                    request[LOGIN] = self.auth.login_of(request)
                return await handler(request)
            except OtmmError as exc:
                return json_response(exception_body(exc), exc.status)

        return wrapped

    def add_routes(self, app: web.Application) -> None:
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/search/text", self.search),
            ("POST", "/search/text", self.search),
            ("GET", "/folders/rootfolders", self.root_folders),
            ("GET", "/folders/{id}", self.get_folder),
            ("POST", "/folders/{id}", self.create_folder),
            ("PATCH", "/folders/{id}", self.patch_node),
            ("GET", "/folders/{id}/children", self.children),
            ("GET", "/folders/{id}/folders", self.sub_folders),
            ("GET", "/assets", self.get_assets),
            ("GET", "/assets/{id}", self.get_asset),
            ("PATCH", "/assets/{id}", self.patch_node),
            ("PUT", "/assets/{id}/state", self.change_state),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, API + path, self.wrap(handler))

    # -- search -------------------------------------------------------------
    async def search(self, request: web.Request) -> web.Response:
        params = await params_of(request)
        try:
            condition = parse_condition_list(params.get("search_condition_list"))
            keyword = keyword_predicate(params.get("keyword_query"))
        except SearchSyntaxError as exc:
            raise OtmmError(500, f"Invalid search request: {exc}", "INVALID_SEARCH") from None
        root = params.get("folder_filter") or PUBLIC_TREE
        if root != PUBLIC_TREE:
            self.store.folder(root)
        hits = [
            node
            for node in self._searchable(root)
            if condition(lookup_for(self.store, node)) and keyword(lookup_for(self.store, node))
        ]
        return json_response(self._search_page(_sorted(hits, params.get("sort", "")), params))

    def _searchable(self, root: str) -> list[Node]:
        return [
            node
            for node in self.store.nodes.values()
            if node is not self.store.root
            and not (isinstance(node, Asset) and not node.latest)
            and (root == PUBLIC_TREE or root in self.store.ancestors(node))
        ]

    def page_size(self, params: Mapping[str, str], default: int) -> int:
        """The page a ``limit`` gets: capped at ``variants.page_cap``, or refused above it."""
        cap = self.store.variants.page_cap
        limit = int_param(params, "limit", default)
        if limit > cap and self.store.variants.refuse_large_pages:
            raise OtmmError(
                400, f"The limit {limit} exceeds the maximum page size of {cap}.", "INVALID_LIMIT"
            )
        return min(limit if limit > 0 else cap, cap)

    def _search_page(self, hits: list[Node], params: Mapping[str, str]) -> dict[str, Any]:
        after = max(0, int_param(params, "after", 0))
        page = hits[after : after + self.page_size(params, MAX_PAGE)]
        ids_only = params.get("return_type") == "ids"
        result = {
            "asset_id_list": [n.id for n in page],
            "hit_count": len(page),
            "offset": after,
            "total_hit_count": len(hits),
            "contains_invalid_conditions": False,
            "facet_field_response_list": [],
        }
        with_metadata = wants_metadata(params)
        assets = (
            [] if ids_only else [render(self.store, n, with_metadata=with_metadata) for n in page]
        )
        return {"search_result_resource": {"search_result": result, "asset_list": assets}}

    # -- folders ------------------------------------------------------------
    async def root_folders(self, _request: web.Request) -> web.Response:
        folder = render(self.store, self.store.root, with_metadata=False)
        return json_response({"folders_resource": {"folder_list": [folder]}})

    async def get_folder(self, request: web.Request) -> web.Response:
        folder = self.store.folder(request.match_info["id"])
        data = render(self.store, folder, with_metadata=wants_metadata(request.query))
        return json_response({"folder_resource": {"folder": data}})

    async def children(self, request: web.Request) -> web.Response:
        nodes = _sorted(
            self.store.children(request.match_info["id"]), request.query.get("sort", "")
        )
        after = max(0, int_param(request.query, "after", 0))
        page = nodes[after : after + self.page_size(request.query, 25)]
        with_metadata = wants_metadata(request.query)
        items = [render(self.store, n, with_metadata=with_metadata) for n in page]
        return json_response({"folder_children": {"asset_list": items}})

    async def sub_folders(self, request: web.Request) -> web.Response:
        nodes = [n for n in self.store.children(request.match_info["id"]) if isinstance(n, Folder)]
        with_metadata = wants_metadata(request.query)
        items = [render(self.store, n, with_metadata=with_metadata) for n in nodes]
        return json_response({"folders_resource": {"folder_list": items}})

    async def create_folder(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        try:
            spec = body["folder_resource"]["folder"]
            name = str(spec["name"])
        except (KeyError, TypeError):
            raise OtmmError(400, "Expected folder_resource.folder with a name.") from None
        elements = (spec.get("metadata") or {}).get("metadata_element_list", [])
        values = {k: v for k, v in read_elements(elements).items() if v is not None}
        folder = self.store.add_folder(
            request.match_info["id"],
            name,
            values,
            container_type=str(spec.get("container_type_id") or "FERRERO.FOLDER.CAMPAIGN"),
            model_id=str(spec.get("metadata_model_id") or "FERRERO.MODEL.CAMPAIGN"),
        )
        data = render(self.store, folder, with_metadata=True)
        return json_response({"folder_resource": {"folder": data}})

    # -- assets -------------------------------------------------------------
    async def get_asset(self, request: web.Request) -> web.Response:
        node = self.store.node(request.match_info["id"])
        data = render(self.store, node, with_metadata=wants_metadata(request.query))
        return json_response({"asset_resource": {"asset": data}})

    async def get_assets(self, request: web.Request) -> web.Response:
        try:
            context = json.loads(request.query["selection_context"])
            ids = context["selection_context_param"]["selection_context"]["asset_ids"]
        except (KeyError, ValueError, TypeError):
            raise OtmmError(400, "selection_context with asset_ids is required.") from None
        with_metadata = wants_metadata(request.query)
        items = [
            render(self.store, self.store.nodes[i], with_metadata=with_metadata)
            for i in ids
            if i in self.store.nodes
        ]
        return json_response({"assets_resource": {"asset_list": items}})

    async def change_state(self, request: web.Request) -> web.Response:
        node = self.store.node(request.match_info["id"])
        login: str = request[LOGIN]
        action = (await params_of(request)).get("action", "")
        if action == "lock":
            self.store.lock(node, login)
        elif action == "unlock":
            self.store.unlock(node, login)
        elif action == "check_out":
            self.store.check_out(node, login)
        elif action == "undo_checkout":
            self.store.undo_check_out(node, login)
        else:
            raise OtmmError(400, f"Unsupported action {action!r}.", "INVALID_ACTION")
        return json_response(
            {"asset_resource": {"asset": render(self.store, node, with_metadata=False)}}
        )

    async def patch_node(self, request: web.Request) -> web.Response:
        is_folder = request.path.startswith(f"{API}/folders/")
        node = (
            self.store.folder(request.match_info["id"])
            if is_folder
            else self.store.node(request.match_info["id"])
        )
        body = await json_body(request)
        root = "edited_folder" if is_folder else "edited_asset"
        try:
            elements = body[root]["data"]["metadata"]
        except (KeyError, TypeError):
            raise OtmmError(400, f"Expected {root}.data.metadata.") from None
        values = read_elements(elements)
        self.store.patch(node, request[LOGIN], values)
        self.patches.append((node.id, request[LOGIN], values))
        data = render(self.store, node, with_metadata=True)
        key = "folder_resource" if is_folder else "asset_resource"
        return json_response({key: {"folder" if is_folder else "asset": data}})
