"""``workflow_state``: small durable facts per workflow or job (pauses, alerts, cursors)."""

from __future__ import annotations

import json
from typing import Any

from ferrero_daemon.store import Store


class StateStore(Store):
    async def get(self, scope: str, key: str) -> Any:
        raw = await self._db.fetchval("state_get", scope, key)
        return None if raw is None else json.loads(raw)

    async def get_for_update(self, scope: str, key: str) -> Any:
        """``get``, holding the row until the caller's transaction ends."""
        raw = await self._db.fetchval("state_get_for_update", scope, key)
        return None if raw is None else json.loads(raw)

    async def put(self, scope: str, key: str, value: Any) -> None:
        await self._db.execute("state_put", scope, key, json.dumps(value))

    async def delete(self, scope: str, key: str) -> None:
        await self._db.execute("state_delete", scope, key)

    async def items(self, scope: str) -> dict[str, Any]:
        rows = await self._db.fetch("state_list", scope)
        return {r["key"]: json.loads(r["value"]) for r in rows}
