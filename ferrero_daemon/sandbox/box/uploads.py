"""Uploads in the Box emulator: preflight, direct multipart, chunked sessions (ref §3.5–3.7).

Received bytes go through a ``Receiver`` (hash as they stream; keep small files,
spool or drop large ones), so a gigabyte upload costs no gigabyte of memory.
Chunked parts may arrive out of order; an ``Assembler`` feeds them in order.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from aiohttp import BodyPartReader, web

from ferrero_daemon.sandbox import multipart
from ferrero_daemon.sandbox.box.content import Assembler, Receiver
from ferrero_daemon.sandbox.box.shapes import box_error, files_body, store_errors
from ferrero_daemon.sandbox.box.store import File, Store, now_iso
from ferrero_daemon.sandbox.http import json_response

READ_CHUNK = 1024 * 1024
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


@dataclass
class UploadSettings:
    """What real Box fixes and tests want smaller: ``chunked_min`` and ``part_size``.

    Box's minimum for a chunked session is 20 MB; its part size is chosen by the
    server (8 MiB is what is commonly reported, ref §3.7 [OBS]). ``commit_pending``
    answers each session's first N commits with 202 + ``Retry-After``.
    """

    chunked_min: int = 20_000_000
    part_size: int = 8 * 1024 * 1024
    commit_pending: int = 0
    commit_retry_after: float = 0.05


@dataclass
class Part:
    part_id: str
    offset: int
    size: int
    sha1: str

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class Session:
    id: str
    folder_id: str
    file_name: str
    file_size: int
    part_size: int
    assembler: Assembler
    file_id: str | None = None  # a new version of this file
    parts: dict[int, Part] = field(default_factory=dict)
    commits_refused: int = 0

    @property
    def total_parts(self) -> int:
        return max(1, math.ceil(self.file_size / self.part_size))


def _sha1_b64(hexdigest: str) -> str:
    return base64.b64encode(bytes.fromhex(hexdigest)).decode("ascii")


def _digest_matches(header: str, data: bytes | bytearray | None, sha1_hex: str) -> bool:
    """A ``Digest: sha=<b64>`` (or ``sha-512=``) header against the bytes' known SHA-1."""
    algo, _, value = header.partition("=")
    algo = algo.strip().lower()
    if algo == "sha":
        return value.strip() == _sha1_b64(sha1_hex)
    if algo == "sha-512" and data is not None:
        return value.strip() == base64.b64encode(hashlib.sha512(data).digest()).decode()
    return False


def _sha1(data: bytes | bytearray) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


async def _read_body(request: web.Request) -> bytearray:
    """The whole body, copied once into a buffer of its announced size."""
    length = request.content_length
    if length is None:
        return bytearray(await request.read())
    body, have = bytearray(length), 0
    async for chunk in request.content.iter_any():
        body[have : have + len(chunk)] = chunk
        have += len(chunk)
    del body[have:]
    return body


def origin(request: web.Request) -> str:
    """Absolute URLs point back at whatever host the client used to reach us."""
    return f"{request.scheme}://{request.host}"


class Uploads:
    """The upload routes, over the emulator's store."""

    def __init__(
        self, store: Store, settings: UploadSettings, receiver: Callable[[], Receiver]
    ) -> None:
        self.store = store
        self.settings = settings
        self._receiver = receiver
        self.sessions: dict[str, Session] = {}

    def add_routes(self, app: web.Application) -> None:
        r = app.router
        r.add_route("OPTIONS", "/2.0/files/content", self.preflight)
        r.add_post("/api/2.0/files/content", self.upload)
        r.add_post("/api/2.0/files/upload_sessions", self.create_session)
        r.add_put("/api/2.0/files/upload_sessions/{sid}", self.put_part)
        r.add_get("/api/2.0/files/upload_sessions/{sid}", self.session_status)
        r.add_delete("/api/2.0/files/upload_sessions/{sid}", self.abort)
        r.add_get("/api/2.0/files/upload_sessions/{sid}/parts", self.list_parts)
        r.add_post("/api/2.0/files/upload_sessions/{sid}/commit", self.commit)
        r.add_post("/api/2.0/files/upload_sessions/{sid}/plan", self.plan)
        r.add_post("/api/2.0/files/{id}/content", self.upload_version)
        r.add_post("/api/2.0/files/{id}/upload_sessions", self.create_version_session)

    # -- preflight and direct upload ------------------------------------------------
    @store_errors
    async def preflight(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.store.require(self.store.folder(str(body["parent"]["id"])), "upload")
        self.store.check_free(str(body["parent"]["id"]), str(body["name"]))
        token = secrets.token_urlsafe(16)
        return json_response(
            {
                "upload_url": f"{origin(request)}/api/2.0/files/content?upload_session_id={token}",
                "upload_token": token,
            }
        )

    @store_errors
    async def upload(self, request: web.Request) -> web.StreamResponse:
        received = await self._read_multipart(request)
        if isinstance(received, web.Response):
            return received
        attributes, receiver = received
        parent = str(attributes.get("parent", {}).get("id", ""))
        try:
            self.store.require(self.store.folder(parent), "upload")
            file = self.store.add_file(
                parent, str(attributes["name"]), receiver.finish(), record=True
            )
        except Exception:
            receiver.discard()
            raise
        return json_response(files_body(self.store, file), 201)

    @store_errors
    async def upload_version(self, request: web.Request) -> web.StreamResponse:
        file = self.store.file(request.match_info["id"])
        self.store.require(file, "upload")
        received = await self._read_multipart(request)
        if isinstance(received, web.Response):
            return received
        attributes, receiver = received
        self.store.new_version(file, receiver.finish(), attributes.get("name"))
        return json_response(files_body(self.store, file), 200)

    async def _read_multipart(
        self, request: web.Request
    ) -> tuple[dict[str, Any], Receiver] | web.Response:
        reader = await multipart.form_reader(request)
        first = await reader.next()
        if not _is_field(first, "attributes"):
            await _drain(request)
            return box_error(
                400, "metadata_after_file_contents", "Attributes must come before the file"
            )
        attributes = json.loads(await first.text())
        part = await reader.next()
        if not _is_field(part, "file"):
            return box_error(400, "bad_request", "A 'file' part must follow 'attributes'")
        receiver = self._receiver()
        while chunk := await part.read_chunk(READ_CHUNK):
            receiver.write(chunk)
        await _drain(request)
        expected = request.headers.get("Content-MD5")  # SHA-1 hex, despite the name
        if expected and expected.strip().lower() != receiver.sha1:
            receiver.discard()
            return box_error(400, "bad_digest", "The specified Content-MD5 did not match")
        return attributes, receiver

    # -- chunked sessions -------------------------------------------------------------
    @store_errors
    async def create_session(self, request: web.Request) -> web.Response:
        body = await request.json()
        folder_id, name = str(body["folder_id"]), str(body["file_name"])
        self.store.require(self.store.folder(folder_id), "upload")
        self.store.check_free(folder_id, name)
        return self._open_session(request, folder_id, name, int(body["file_size"]), None)

    @store_errors
    async def create_version_session(self, request: web.Request) -> web.Response:
        file = self.store.file(request.match_info["id"])
        self.store.require(file, "upload")
        body = await request.json()
        name = str(body.get("file_name") or file.name)
        self.store.check_free(file.parent_id, name, except_id=file.id)
        return self._open_session(request, file.parent_id, name, int(body["file_size"]), file.id)

    def _open_session(
        self, request: web.Request, folder_id: str, name: str, size: int, file_id: str | None
    ) -> web.Response:
        if size < self.settings.chunked_min:
            return box_error(
                400,
                "file_size_too_small",
                f"File size {size} is below the minimum of {self.settings.chunked_min} bytes",
            )
        session = Session(
            id=secrets.token_hex(16).upper(),
            folder_id=folder_id,
            file_name=name,
            file_size=size,
            part_size=self.settings.part_size,
            assembler=Assembler(self._receiver()),
            file_id=file_id,
        )
        self.sessions[session.id] = session
        return json_response(self._session_json(request, session), 201)

    def _session_json(self, request: web.Request, session: Session) -> dict[str, Any]:
        base = f"{origin(request)}/api/2.0/files/upload_sessions/{session.id}"
        return {
            "id": session.id,
            "type": "upload_session",
            "session_expires_at": now_iso(),
            "part_size": session.part_size,
            "total_parts": session.total_parts,
            "num_parts_processed": len(session.parts),
            "session_endpoints": {
                "upload_part": base,
                "commit": f"{base}/commit",
                "abort": base,
                "list_parts": f"{base}/parts",
                "status": base,
                "log_event": f"{base}/log",
                "plan": f"{base}/plan",
            },
        }

    def _session(self, request: web.Request) -> Session | web.Response:
        session = self.sessions.get(request.match_info["sid"])
        if session is None:
            return box_error(404, "not_found", "Upload session not found")
        return session

    async def put_part(self, request: web.Request) -> web.Response:
        session = self._session(request)
        data = await _read_body(request)
        if isinstance(session, web.Response):
            return session
        match = _RANGE.fullmatch(request.headers.get("Content-Range", "").strip())
        if match is None:
            return box_error(416, "requested_range_not_satisfiable", "Bad Content-Range")
        start, end, total = (int(g) for g in match.groups())
        problem = _range_problem(session, start, end, total, len(data))
        if problem:
            return box_error(416, "requested_range_not_satisfiable", problem)
        if start in session.parts:
            return box_error(409, "range_overlaps_existing_part", "Part already uploaded")
        sha1 = await asyncio.to_thread(_sha1, data)  # off the loop: hashlib frees the GIL
        if not _digest_matches(request.headers.get("Digest", ""), data, sha1):
            return box_error(400, "bad_digest", "The Digest header does not match the part")
        part = Part(secrets.token_hex(4).upper(), start, len(data), sha1)
        session.parts[start] = part
        session.assembler.add(start, data)
        return json_response({"part": part.as_json()})

    async def list_parts(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if isinstance(session, web.Response):
            return session
        parts = [session.parts[k].as_json() for k in sorted(session.parts)]
        offset = int(request.query.get("offset", 0))
        limit = min(int(request.query.get("limit", 1000)), 1000)
        return json_response(
            {
                "entries": parts[offset : offset + limit],
                "offset": offset,
                "limit": limit,
                "total_count": len(parts),
                "order": [{"by": "offset", "direction": "ASC"}],
            }
        )

    async def session_status(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if isinstance(session, web.Response):
            return session
        return json_response(self._session_json(request, session))

    async def abort(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if isinstance(session, web.Response):
            return session
        session.assembler.receiver.discard()
        del self.sessions[session.id]
        return web.Response(status=204)

    async def plan(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if isinstance(session, web.Response):
            return session
        body = await request.json()
        return json_response(
            {"upload_session_id": session.id, "hits": [], "misses": body.get("parts", [])}
        )

    @store_errors
    async def commit(self, request: web.Request) -> web.Response:
        session = self._session(request)
        if isinstance(session, web.Response):
            return session
        body = await request.json()
        problem = _commit_problem(session, body.get("parts", []))
        if problem:
            return box_error(400, "parts_mismatch", problem)
        if session.commits_refused < self.settings.commit_pending:
            session.commits_refused += 1
            headers = {"Retry-After": f"{self.settings.commit_retry_after:g}"}
            return web.Response(status=202, headers=headers)
        receiver = session.assembler.receiver
        if not _digest_matches(request.headers.get("Digest", ""), None, receiver.sha1):
            return box_error(400, "bad_digest", "The Digest header does not match the file")
        file = self._finish(session, receiver)
        del self.sessions[session.id]
        return json_response(files_body(self.store, file), 201)

    def _finish(self, session: Session, receiver: Receiver) -> File:
        if session.file_id is not None:
            file = self.store.file(session.file_id)
            return self.store.new_version(file, receiver.finish(), session.file_name)
        return self.store.add_file(
            session.folder_id, session.file_name, receiver.finish(), record=True
        )


def _range_problem(session: Session, start: int, end: int, total: int, length: int) -> str:
    last = end == session.file_size - 1
    if total != session.file_size:
        return f"total {total} is not the session's file size {session.file_size}"
    if start % session.part_size or end < start or end - start + 1 != length:
        return "the range is not aligned to the part size or does not match the body"
    if not last and length != session.part_size:
        return f"every part but the last must be exactly {session.part_size} bytes"
    if end >= session.file_size:
        return "the range ends past the file size"
    return ""


def _commit_problem(session: Session, parts: list[dict[str, Any]]) -> str:
    if session.assembler.complete_bytes != session.file_size:
        return "not every part of the file has been uploaded"
    listed = sorted((int(p["offset"]), str(p["part_id"])) for p in parts)
    stored = sorted((p.offset, p.part_id) for p in session.parts.values())
    return "" if listed == stored else "the parts listed do not match the parts uploaded"


def _is_field(part: object, name: str) -> TypeGuard[BodyPartReader]:
    """A form part of that field name (its file name may hold any ``;``)."""
    if not isinstance(part, BodyPartReader):
        return False
    try:
        return multipart.disposition(part.headers).name == name
    except multipart.BadDisposition:
        return False


async def _drain(request: web.Request) -> None:
    """Read what is left of a body, so the client sees our answer, not a reset."""
    while await request.content.readany():
        pass
