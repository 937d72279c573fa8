"""PostgreSQL client tools: found to match the server, run without a shell.

The tools (``pg_dump``, ``pg_restore``, ``pg_basebackup``, ``pg_verifybackup``) must be
of the server's major version or newer: an older ``pg_dump`` refuses a newer server and
an older ``pg_restore`` cannot read a newer archive. They are looked up in
``backups.pg_bin_dir``, then ``/usr/lib/postgresql/<major>/bin`` (Debian keeps
``pg_verifybackup`` only there), then ``PATH`` (``candidate_dirs``). ``psql`` (for
``ferrero-daemon psql``, any version) is looked up the same way (``find_client``).

Every child gets an explicit libpq environment: the password only through a 0600
``PGPASSFILE`` (never argv, never ``PGPASSWORD``), ``--no-password`` semantics from
``PGCONNECT_TIMEOUT`` and no inherited ``PG*`` variables. A child runs in its own
process group so that a timeout or a cancellation kills it and its workers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ferrero_daemon import logs
from ferrero_daemon.config import DatabaseConfig
from ferrero_daemon.errors import BackupError, ConfigError

log = logs.get_logger(__name__)

TOOLS = ("pg_dump", "pg_restore", "pg_basebackup", "pg_verifybackup")
_VERSION = re.compile(rb"\(PostgreSQL\)\s+(\d+)")
_STDERR_TAIL = 4000
_KILL_GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class ToolResult:
    tool: str
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def error(self, what: str) -> BackupError:
        last = " | ".join(line for line in self.stderr.strip().splitlines()[-3:] if line)
        return BackupError(f"{what}: {self.tool} exited with {self.returncode}: {last}")


@dataclass(frozen=True)
class PgTools:
    """The client tools of one PostgreSQL major version, and the environment to run them."""

    bin_dir: Path
    major: int
    env: Mapping[str, str]

    def path(self, tool: str) -> Path:
        return self.bin_dir / tool

    async def run(self, tool: str, *args: str, time_limit: float) -> ToolResult:
        """Run a tool to completion; killed (with its process group) on timeout or cancel."""
        return await run_process([str(self.path(tool)), *args], self.env, time_limit)


async def run_process(argv: list[str], env: Mapping[str, str], time_limit: float) -> ToolResult:
    tool = Path(argv[0]).name
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(env),
        start_new_session=True,
    )
    try:
        async with asyncio.timeout(time_limit):
            out, err = await proc.communicate()
    except BaseException:
        await asyncio.shield(_kill(proc))
        log.warning("pg_tool_killed", tool=tool, time_limit_s=time_limit)
        raise
    stderr = err.decode(errors="replace")[-_STDERR_TAIL:]
    assert proc.returncode is not None
    return ToolResult(tool, proc.returncode, out, stderr)


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), _KILL_GRACE_SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()


DEBIAN_ROOT = Path("/usr/lib/postgresql")  # <major>/bin per installed client version


def candidate_dirs(configured: Path | None, major: int | None, tool: str = "pg_dump") -> list[Path]:
    """Where to look, in order: ``backups.pg_bin_dir``, Debian's directory of ``major``
    (None: every installed version, the newest first), then ``tool`` on ``PATH``."""
    dirs = [configured] if configured else []
    if major is not None:
        dirs.append(DEBIAN_ROOT / str(major) / "bin")
    else:
        versions = [p for p in DEBIAN_ROOT.glob("*/bin") if p.parent.name.isdigit()]
        dirs += sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    on_path = shutil.which(tool)
    if on_path:
        dirs.append(Path(on_path).resolve().parent)
    return dirs


def find_client(tool: str, configured: Path | None) -> Path:
    """A client tool of any version (``psql``), looked up where the backup tools are."""
    tried = candidate_dirs(configured, None, tool)
    for directory in tried:
        if (directory / tool).is_file():
            return directory / tool
    where = "; ".join(str(d) for d in tried) or "PATH"
    raise ConfigError(
        f"{tool} is not installed here: tried {where}. Install postgresql-client (the "
        "backups need it too), or set backups.pg_bin_dir to the directory holding it"
    )


async def tool_major(binary: Path) -> int | None:
    try:
        result = await run_process([str(binary), "--version"], {"PATH": os.defpath}, 30)
    except OSError:
        return None
    match = _VERSION.search(result.stdout)
    return int(match[1]) if match else None


async def find_tools(configured: Path | None, server_major: int, env: Mapping[str, str]) -> PgTools:
    """The first directory holding every tool at the server's major version or newer."""
    tried: list[str] = []
    for directory in candidate_dirs(configured, server_major):
        missing = [t for t in TOOLS if not (directory / t).is_file()]
        if missing:
            tried.append(f"{directory} (missing {', '.join(missing)})")
            continue
        major = await tool_major(directory / "pg_dump")
        if major is None or major < server_major:
            tried.append(f"{directory} (version {major}, server is {server_major})")
            continue
        return PgTools(directory, major, env)
    raise ConfigError(
        f"no PostgreSQL {server_major} client tools ({', '.join(TOOLS)}) found; tried "
        f"{'; '.join(tried)}. Install postgresql-client-{server_major} or set "
        "backups.pg_bin_dir"
    )


def pgpass_line(password: str) -> str:
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    return f"*:*:*:*:{escaped}\n"


@contextlib.contextmanager
def libpq_env(
    settings: DatabaseConfig, password: str | None, scratch: Path
) -> Iterator[dict[str, str]]:
    """The environment of every child: connection, a 0600 pgpass file, nothing inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(
        PGHOST=settings.host,
        PGPORT=str(settings.port),
        PGUSER=settings.user,
        PGDATABASE=settings.name,
        PGCONNECT_TIMEOUT="10",
        PGAPPNAME="ferrero-daemon-backup",
    )
    if not settings.host.startswith("/"):
        env["PGSSLMODE"] = settings.sslmode
    passfile = scratch / f"pgpass.{os.getpid()}.{id(env)}"
    if password:
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(pgpass_line(password))
        env["PGPASSFILE"] = str(passfile)
    try:
        yield env
    finally:
        passfile.unlink(missing_ok=True)
