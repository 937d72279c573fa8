"""A real PostgreSQL for the test suite: started here, never assumed to be running.

With ``PGHOST`` set, the suite uses that server (``PGPORT``, ``PGUSER``, ``PGPASSWORD``
as usual). Otherwise it starts one from the ``pgserver`` wheel in a temporary
directory, on a Unix socket only, and stops it at the end of the session.

The test suite's own server never syncs to disk (``start_server(throwaway=True)``:
``fsync``, ``full_page_writes`` and ``synchronous_commit`` off): its data is thrown away
at the end of the session, and a fresh database per test then costs well under a tenth
of a second instead of about half a second. The benchmarks keep the defaults, as
production has them; a server named by ``PGHOST`` is left as configured.
"""

from __future__ import annotations

import asyncio
import os
import queue
import tempfile
import threading
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg

from ferrero_daemon.clients.db import Database
from ferrero_daemon.store.migrations import migrate

TEMPLATE = "ferrero_template"


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    password: str | None
    database: str = "postgres"
    bin_dir: Path | None = None
    data_dir: Path | None = None  # set when the suite started the server (stop_server)
    system_user: str | None = None  # the user pgserver runs it as (when we are root)

    def kwargs(self, database: str | None = None) -> dict[str, object]:
        out: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "database": database or self.database,
        }
        if self.password:
            out["password"] = self.password
        return out

    def with_database(self, name: str) -> PgServer:
        return replace(self, database=name)


def start_server(*, throwaway: bool = False) -> PgServer:
    if os.environ.get("PGHOST"):
        return PgServer(
            host=os.environ["PGHOST"],
            port=int(os.environ.get("PGPORT", "5432")),
            user=os.environ.get("PGUSER", "postgres"),
            password=os.environ.get("PGPASSWORD"),
        )
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="xdg-"))
    import pgserver

    pgdata = Path(tempfile.mkdtemp(prefix="ferrero-pg-"))
    # "delete" stops the server, then removes its directory, at exit. (Removing it first,
    # from an atexit of our own, made pgserver forget the server and leave it running.)
    server = pgserver.get_server(pgdata, cleanup_mode="delete")
    info = server.get_postmaster_info()
    bin_dir = Path(pgserver.__file__).parent / "pginstall" / "bin"
    if throwaway:
        settings = "".join(f"ALTER SYSTEM SET {s} = off;\n" for s in _THROWAWAY)
        server.psql(settings + "SELECT pg_reload_conf();")
    return PgServer(
        host=str(info.socket_dir),
        port=int(info.port),
        user="postgres",
        password=None,
        bin_dir=bin_dir,
        data_dir=Path(server.pgdata),
        system_user=server.system_user,
    )


# Durability the suite's own throw-away server does without (all reloadable settings).
_THROWAWAY = ("fsync", "full_page_writes", "synchronous_commit")


def _pg_ctl(server: PgServer, *args: str) -> None:
    from pgserver._commands import pg_ctl

    assert server.data_dir is not None, "only a server the suite started can be stopped"
    pg_ctl(["-w", *args], pgdata=server.data_dir, user=server.system_user, timeout=120)


def stop_server(server: PgServer) -> None:
    """Stop PostgreSQL now (``-m fast``: every open connection is cut), blocking."""
    _pg_ctl(server, "-m", "fast", "stop")


def start_server_again(server: PgServer) -> None:
    """Start a server ``stop_server`` stopped, on the same socket and port, blocking."""
    assert server.data_dir is not None
    options = f'-h "" -k {server.host} -p {server.port}'
    _pg_ctl(server, "-o", options, "-l", str(server.data_dir / "log"), "start")


async def build_template(server: PgServer) -> None:
    conn = await asyncpg.connect(**server.kwargs())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
        await conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    finally:
        await conn.close()
    conn = await asyncpg.connect(**server.kwargs(TEMPLATE))
    try:
        await migrate(Database(conn))
    finally:
        await conn.close()


async def create_database(server: PgServer, template: str = TEMPLATE) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(**server.kwargs())
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    return name


async def drop_database(server: PgServer, name: str) -> None:
    conn = await asyncpg.connect(**server.kwargs())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


class FreshDatabases:
    """Copies of the template made ahead, in a thread of their own: a test takes one that
    is ready and hands it back without waiting for the drop. The copying and dropping then
    overlap the tests instead of adding to them."""

    def __init__(self, server: PgServer, ahead: int = 2) -> None:
        self._server = server
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._work: queue.Queue[str | None] = queue.Queue()  # "": make one; a name: drop it
        for _ in range(ahead):
            self._work.put("")
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._thread.start()

    def take(self, timeout: float = 120) -> str:
        self._work.put("")  # the next one, for the test after this
        name = self._ready.get(timeout=timeout)
        if isinstance(name, BaseException):
            raise name
        return name

    def drop(self, name: str) -> None:
        self._work.put(name)

    def close(self) -> None:
        """Drop every database still ready or handed back; stop the thread."""
        self._work.put(None)
        self._thread.join(timeout=120)

    async def _serve(self) -> None:
        conn = await asyncpg.connect(**self._server.kwargs())
        try:
            while (item := await asyncio.to_thread(self._work.get)) is not None:
                await self._do(conn, item)
            while not self._ready.empty():
                left = self._ready.get()
                if isinstance(left, str):
                    await conn.execute(f'DROP DATABASE IF EXISTS "{left}" WITH (FORCE)')
        finally:
            await conn.close()

    async def _do(self, conn: asyncpg.Connection, item: str) -> None:
        try:
            if item:
                await conn.execute(f'DROP DATABASE IF EXISTS "{item}" WITH (FORCE)')
            else:
                name = f"t_{uuid.uuid4().hex[:12]}"
                await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
                self._ready.put(name)
        except Exception as exc:  # the test that takes the next database says why
            self._ready.put(exc)
