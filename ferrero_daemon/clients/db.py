"""PostgreSQL: one asyncpg pool for the process, and every query by name.

All SQL lives in ``ferrero_daemon/queries.sql``, in blocks headed
``-- name: <query_name>``. Code calls ``db.fetch("query_name", ...)``: a reader
finds every query in one place, and no workflow holds SQL.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias

import asyncpg
from asyncpg import Record
from asyncpg.pool import PoolConnectionProxy

from ferrero_daemon.config import Config, DatabaseConfig
from ferrero_daemon.errors import ConfigError, TransientError
from ferrero_daemon.resources import package_path

Connection: TypeAlias = "asyncpg.Connection[Record] | PoolConnectionProxy[Record]"
Executor: TypeAlias = "asyncpg.Pool[Record] | Connection"

QUERIES_FILE = package_path("queries.sql")
_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.M)


@cache
def load_queries(path: Path = QUERIES_FILE) -> Mapping[str, str]:
    """Parse ``-- name: x`` blocks; a name defined twice is a bug, caught at import."""
    text = path.read_text(encoding="utf-8")
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice in {path}")
        queries[name] = body.strip().rstrip(";")
    return queries


def dsn_kwargs(settings: DatabaseConfig, password: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "database": settings.name,
        "user": settings.user,
        "command_timeout": settings.command_timeout_seconds,
    }
    if password:
        kwargs["password"] = password
    if settings.sslmode != "disable" and not settings.host.startswith("/"):
        kwargs["ssl"] = settings.sslmode
    return kwargs


class Database:
    """Named queries over a pool, or over one connection inside a transaction."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self._queries = load_queries()

    def sql(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise KeyError(f"no query named {name!r} in {QUERIES_FILE.name}") from None

    async def execute(self, name: str, *args: Any) -> str:
        result: str = await self._executor.execute(self.sql(name), *args)
        return result

    async def fetch(self, name: str, *args: Any) -> list[Record]:
        rows: list[Record] = await self._executor.fetch(self.sql(name), *args)
        return rows

    async def fetchrow(self, name: str, *args: Any) -> Record | None:
        row: Record | None = await self._executor.fetchrow(self.sql(name), *args)
        return row

    async def fetchval(self, name: str, *args: Any) -> Any:
        return await self._executor.fetchval(self.sql(name), *args)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """A ``Database`` bound to one connection inside one transaction."""
        if not isinstance(self._executor, asyncpg.Pool):
            async with self._executor.transaction():
                yield self
            return
        async with self._executor.acquire() as conn, conn.transaction():
            yield Database(conn)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Connection]:
        """A raw connection, for the few things named queries cannot do (COPY, LISTEN)."""
        if not isinstance(self._executor, asyncpg.Pool):
            yield self._executor
            return
        async with self._executor.acquire() as conn:
            yield conn

    async def expire_connections(self) -> None:
        """Drop the pool's idle connections: after a database swap they point at a
        terminated session (or at the renamed old database); new ones reach the live one."""
        if isinstance(self._executor, asyncpg.Pool):
            await self._executor.expire_connections()

    async def close(self) -> None:
        if isinstance(self._executor, asyncpg.Pool):
            await self._executor.close()


async def connect(config: Config, *, min_size: int | None = None) -> Database:
    """Open the process's one pool; connection failures become ``TransientError``."""
    settings = config.settings.database
    kwargs = dsn_kwargs(settings, config.secrets.optional("db_password"))
    try:
        pool = await asyncpg.create_pool(
            min_size=settings.pool_min if min_size is None else min_size,
            max_size=settings.pool_max,
            **kwargs,
        )
    except asyncpg.InvalidPasswordError as exc:
        raise ConfigError(
            f"database {settings.user}@{settings.host}:{settings.port}/{settings.name} refused "
            "the password; check the db_password secret"
        ) from exc
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise TransientError(
            f"database {settings.host}:{settings.port}/{settings.name} is unreachable: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    assert pool is not None
    return Database(pool)
