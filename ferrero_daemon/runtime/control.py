"""The control socket: one JSON request, one JSON reply, per connection.

A Unix stream socket (mode 0660, group ``control.group``). Who may ask is decided by
the kernel's peer credentials (``SO_PEERCRED``), not by the file mode alone: root, the
daemon's own user, or a member of the configured group.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import json
import os
import pwd
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ferrero_daemon import logs
from ferrero_daemon.errors import ControlError, FerreroError

log = logs.get_logger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
MAX_REQUEST = 64 * 1024
READ_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Peer:
    pid: int
    uid: int
    gid: int


def peer_of(sock: socket.socket) -> Peer:
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return Peer(pid, uid, gid)


def group_ids(group: str) -> tuple[int | None, set[str]]:
    """The gid and the member names of a group; (None, empty) if it does not exist."""
    try:
        entry = grp.getgrnam(group)
    except KeyError:
        return None, set()
    return entry.gr_gid, set(entry.gr_mem)


def user_name(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def allowed(peer: Peer, own_uid: int, gid: int | None, members: set[str]) -> bool:
    if peer.uid in (0, own_uid):
        return True
    if gid is None:
        return False
    return peer.gid == gid or user_name(peer.uid) in members


class ControlServer:
    def __init__(self, path: Path, group: str, handle: Handler) -> None:
        self._path = path
        self._group = group
        self._handle = handle
        self._server: asyncio.Server | None = None

    @property
    def path(self) -> Path:
        return self._path

    async def start(self) -> None:
        _remove_stale(self._path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._server = await asyncio.start_unix_server(
            self._serve, path=str(self._path), limit=MAX_REQUEST
        )
        self._path.chmod(0o660)
        gid, _ = group_ids(self._group)
        if gid is not None:
            try:
                os.chown(self._path, -1, gid)
            except PermissionError:
                log.warning("control_socket_group_unset", group=self._group, path=str(self._path))
        log.info("control_socket_listening", path=str(self._path))

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self._path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            reply = await self._answer(reader, writer.get_extra_info("socket"))
            writer.write(json.dumps(reply, default=str).encode() + b"\n")
            await writer.drain()
        except (ConnectionError, TimeoutError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, sock: socket.socket) -> dict[str, Any]:
        peer = peer_of(sock)
        gid, members = group_ids(self._group)
        if not allowed(peer, os.getuid(), gid, members):
            log.warning("control_refused", uid=peer.uid, pid=peer.pid)
            return _error(
                f"permission denied: uid {peer.uid} is not root, the daemon's user, "
                f"or a member of group {self._group!r}"
            )
        try:
            line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_S)
            request = json.loads(line)
        except (ValueError, asyncio.LimitOverrunError):
            return _error("the request is not one line of JSON")
        if not isinstance(request, dict) or not isinstance(request.get("cmd"), str):
            return _error('the request must be a JSON object with a "cmd"')
        return await self._dispatch(request)

    async def _dispatch(self, request: dict[str, Any]) -> dict[str, Any]:
        try:
            return {"ok": True, **await self._handle(request)}
        except FerreroError as exc:
            return _error(str(exc), kind=type(exc).__name__)
        except Exception:
            log.exception("control_request_failed", cmd=request.get("cmd"))
            return _error("internal error; see the daemon's log (journalctl -u ferrero-daemon)")


def _error(message: str, kind: str = "ControlError") -> dict[str, Any]:
    return {"ok": False, "error": message, "kind": kind}


def _remove_stale(path: Path) -> None:
    """A socket file left by a dead daemon is removed; a live one means we must not start."""
    if not path.exists():
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except (ConnectionRefusedError, FileNotFoundError):
            path.unlink(missing_ok=True)
            return
    raise ControlError(f"another daemon is listening on {path}; stop it first")
