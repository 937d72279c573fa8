"""The control socket: one JSON request, one JSON reply, per connection.

A Unix stream socket (mode 0660, group ``control.group``). Who may ask is decided by
the kernel's peer credentials (``SO_PEERCRED``), not by the file mode alone: root, the
daemon's own user, or a member of the configured group. The shapes of requests and
replies are ``clients/control_wire.py``.

Ownership: a daemon first takes ``<socket>.lock`` (``flock``, held for its lifetime,
with its PID inside). Only the holder may remove a stale socket, bind, and remove the
socket at the end, and only the file it bound itself. A second daemon that finds the
lock taken refuses to start and touches nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import grp
import json
import os
import pwd
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from ferrero_daemon import logs
from ferrero_daemon.clients.control_wire import (
    ErrorReply,
    Reply,
    Request,
    error_reply,
    kind_of,
    parse_request,
)
from ferrero_daemon.errors import BusyError, ControlDenied, FerreroError

log = logs.get_logger(__name__)

Handler = Callable[[Request], Awaitable[Reply]]
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


class SocketClaim:
    """``<socket>.lock``: whoever holds it owns the socket path. Never unlinked (an
    unlinked lock file could be held by two processes at once)."""

    def __init__(self, path: Path) -> None:
        self.lock_path = path.with_name(path.name + ".lock")
        self._fd: int | None = None

    def take(self) -> None:
        """Take the claim, or ``BusyError`` naming the daemon that has it."""
        try:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except PermissionError:
            raise ControlDenied(
                f"cannot create or open {self.lock_path} (permission denied): run the daemon "
                "as its own user (systemctl start ferrero-daemon), or give it a [control] "
                "socket_path it may write"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            socket_path = self.lock_path.with_name(self.lock_path.name.removesuffix(".lock"))
            raise BusyError(
                f"another daemon (pid {owner}) owns the control socket {socket_path}; "
                "stop it first (`systemctl stop ferrero-daemon`), or give this one another "
                "[control] socket_path"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


class ControlServer:
    def __init__(self, path: Path, group: str, handle: Handler) -> None:
        self._path = path
        self._group = group
        self._handle = handle
        self._server: asyncio.Server | None = None
        self._claim = SocketClaim(path)
        self._bound: tuple[int, int] | None = None  # (st_dev, st_ino) of the file we bound

    @property
    def path(self) -> Path:
        return self._path

    def claim(self) -> None:
        """Own the socket path before anything else starts; ``BusyError`` if taken."""
        self._claim.take()

    async def start(self) -> None:
        if not self._claim.held:
            self.claim()
        # We hold the claim: a file still there was left by a daemon that died.
        self._path.unlink(missing_ok=True)
        self._server = await asyncio.start_unix_server(
            self._serve, path=str(self._path), limit=MAX_REQUEST
        )
        stat = self._path.stat()
        self._bound = (stat.st_dev, stat.st_ino)
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
        if self._bound is not None:
            with contextlib.suppress(FileNotFoundError):
                stat = self._path.stat()
                if (stat.st_dev, stat.st_ino) == self._bound:
                    self._path.unlink()
            self._bound = None
        self._claim.release()

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

    async def _answer(
        self, reader: asyncio.StreamReader, sock: socket.socket
    ) -> dict[str, object] | ErrorReply:
        peer = peer_of(sock)
        gid, members = group_ids(self._group)
        if not allowed(peer, os.getuid(), gid, members):
            log.warning("control_refused", uid=peer.uid, pid=peer.pid)
            return error_reply(
                f"permission denied: uid {peer.uid} is not root, the daemon's user, "
                f"or a member of group {self._group!r}",
                "denied",
            )
        try:
            line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_S)
            request = parse_request(json.loads(line))
        except (ValueError, asyncio.LimitOverrunError):
            return error_reply("the request is not one line of JSON", "usage")
        except FerreroError as exc:
            return error_reply(str(exc), kind_of(exc))
        return await self._dispatch(request)

    async def _dispatch(self, request: Request) -> dict[str, object] | ErrorReply:
        try:
            return {"ok": True, **await self._handle(request)}
        except FerreroError as exc:
            return error_reply(str(exc), kind_of(exc))
        except Exception:
            log.exception("control_request_failed", cmd=request["cmd"])
            return error_reply(
                "internal error; see the daemon's log (journalctl -u ferrero-daemon)", "internal"
            )
