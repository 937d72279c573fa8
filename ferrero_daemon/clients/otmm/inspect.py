"""Read-only questions to OTMM for ``ferrero-daemon check --deep``.

``OtmmInspector`` shares the client's transport (its token, TLS and retries) and can
only read: ``GET``, ``HEAD``, ``OPTIONS``, and the ``POST`` of a search, which reads.
Any other request is refused before it leaves, so a deep check cannot change the DAM
whatever a probe asks. Answers come back whatever their status, for the probe to judge:
a 405 that lists the allowed methods says as much about a path as a 200.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ferrero_daemon.clients.otmm import model, wire
from ferrero_daemon.clients.otmm.http import OtmmTransport
from ferrero_daemon.clients.otmm.model import FieldSpec
from ferrero_daemon.errors import FerreroError

Method = Literal["GET", "HEAD", "OPTIONS", "POST"]
ANY_STATUS = range(100, 600)
SEARCH = "/search/text"


@dataclass(frozen=True)
class Answer:
    """One answer as it came: status, the methods it allows, its JSON body if any."""

    status: int
    body: Any = None
    allow: frozenset[str] = frozenset()
    headers: Mapping[str, str] = field(default_factory=dict)
    message: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class OtmmInspector:
    """See the module docstring; built by ``OtmmClient.inspector()``."""

    def __init__(self, transport: OtmmTransport) -> None:
        self._t = transport

    async def ask(
        self,
        method: Method,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
    ) -> Answer:
        """Send one read; any status comes back as an ``Answer`` (transport errors raise)."""
        if method == "POST" and path != SEARCH:
            raise FerreroError(f"the deep check only reads; refused POST {path}")
        response = await self._t.request(
            method, path, what=f"check {method} {path}", safe=True, expect=ANY_STATUS,
            params=params, data=data,
        )  # fmt: skip
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        allow = response.headers.get("Allow", "")
        methods = frozenset(m.strip().upper() for m in allow.split(",") if m.strip())
        message = "" if response.is_success else wire.server_message(response)
        return Answer(response.status_code, body, methods, dict(response.headers), message)

    async def search(self, conditions: Mapping[str, str], after: int, limit: int) -> Answer:
        return await self.ask("POST", SEARCH, data=wire.search_form(conditions, after, limit))

    async def metadata_model(self, model_id: str) -> tuple[Answer, list[FieldSpec]]:
        answer = await self.ask("GET", f"/metadatamodels/{model_id}")
        return answer, model.parse_model(answer.body, model_id) if answer.ok else []

    async def lookup_domain(self, domain_id: str) -> tuple[Answer, tuple[str, ...] | None]:
        answer = await self.ask("GET", f"/lookupdomains/{domain_id}")
        return answer, model.parse_domain(answer.body) if answer.ok else None
