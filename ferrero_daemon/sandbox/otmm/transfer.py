"""OTMM emulator routes that move bytes: download, import, jobs, version check-in.

- ``GET /assets/{id}/contents`` streams the content, honouring ``Range`` (206).
- ``POST /assets`` (multipart: ``parent_folder_id``, ``manifest``,
  ``asset_representation``, ``files`` / ``no_content``) answers 202 with a job; the
  asset appears when the job completes, after a few polls of ``/jobs/{id}`` or
  ``/jobs/{id}/assets`` (`ref/otmm-api.md` §7).
- Check-in of a new version follows the v5 flow the ref documents from S7 (the v6
  paths are [I]): ``PUT /assets/{id}/state action=check_out``, ``POST /jobs/imports``,
  ``POST /renditions`` (multipart ``import_job_id`` + ``file``), then
  ``PUT /jobs/checkins/{job}`` (multipart ``manifest`` with ``uoi_id``) → 202. With
  ``Variants.checkin_needs_lock`` the asset must also be locked (S7 locks after checking out).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from ferrero_daemon.sandbox import multipart
from ferrero_daemon.sandbox.http import json_response, write_stream
from ferrero_daemon.sandbox.otmm.api import API, LOGIN, Handler, ReadWriteApi, params_of
from ferrero_daemon.sandbox.otmm.content import (
    Content,
    RangeNotSatisfiable,
    Spooler,
    parse_range,
)
from ferrero_daemon.sandbox.otmm.render import read_elements, render
from ferrero_daemon.sandbox.otmm.store import Asset, Job, OtmmError, Store, Value

_READ = 1024 * 1024


@dataclass
class UploadedFile:
    filename: str
    mime_type: str
    content: Content


@dataclass
class MultipartForm:
    text: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)

    def json(self, name: str) -> Any:
        if name not in self.text:
            return None
        try:
            return json.loads(self.text[name])
        except ValueError:
            raise OtmmError(400, f"Part {name} is not valid JSON.") from None


async def _part_chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(_READ):
        yield chunk


class TransferApi:
    def __init__(self, api: ReadWriteApi, spool_dir: Path) -> None:
        self.api = api
        self.store: Store = api.store
        self.spool_dir = spool_dir
        self.imported: list[str] = []
        self._spooled = 0

    def add_routes(self, app: web.Application) -> None:
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/assets/{id}/contents", self.contents),
            ("POST", "/assets", self.import_assets),
            ("GET", "/jobs/{id}", self.job_status),
            ("GET", "/jobs/{id}/assets", self.job_assets),
            ("POST", "/jobs/imports", self.start_check_in),
            ("POST", "/renditions", self.add_rendition),
            ("PUT", "/jobs/checkins/{id}", self.check_in),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, API + path, self.api.wrap(handler))

    # -- download -----------------------------------------------------------
    async def contents(self, request: web.Request) -> web.StreamResponse:
        asset = self.store.asset(request.match_info["id"])
        if asset.content is None:
            raise OtmmError(404, "The asset has no content.", "NO_CONTENT")
        size = asset.content.size
        try:
            span = parse_range(request.headers.get("Range"), size)
        except RangeNotSatisfiable:
            raise web.HTTPRequestRangeNotSatisfiable(
                headers={"Content-Range": f"bytes */{size}"}
            ) from None
        start, end = span or (0, size)
        response = web.StreamResponse(status=206 if span else 200)
        response.content_type = asset.mime_type
        response.content_length = end - start
        response.headers["Accept-Ranges"] = "bytes"
        response.headers["Content-Disposition"] = f'attachment; filename="{asset.name}"'
        if span:
            response.headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        await response.prepare(request)
        return await write_stream(request, response, asset.content.chunks(start, end))

    # -- multipart ----------------------------------------------------------
    async def read_form(self, request: web.Request) -> MultipartForm:
        if not request.content_type.startswith("multipart/"):
            raise OtmmError(400, "Expected a multipart/form-data body.")
        form = MultipartForm()
        reader = await multipart.form_reader(request)
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise OtmmError(400, "Nested multipart bodies are not supported.")
            try:
                field = multipart.disposition(part.headers)
            except multipart.BadDisposition as exc:
                raise OtmmError(400, str(exc)) from None
            if field.filename is None:
                form.text[field.name or ""] = await part.text()
                continue
            self._spooled += 1
            spooler = Spooler(self.spool_dir / f"upload-{self._spooled}.bin")
            content = await spooler.write_all(_part_chunks(part))
            mime = part.headers.get("Content-Type") or ""
            form.files.append(UploadedFile(field.filename, mime, content))
        return form

    # -- import -------------------------------------------------------------
    async def import_assets(self, request: web.Request) -> web.Response:
        form = await self.read_form(request)
        parent = form.text.get("parent_folder_id")
        if not parent:
            raise OtmmError(400, "parent_folder_id is required.")
        self.store.folder(parent)
        masters = _master_files(form.json("manifest"))
        model_id, metadata = _representation(form.json("asset_representation"))
        self.store.check_values(metadata)
        no_content = form.text.get("no_content", "false").lower() == "true"
        if not no_content and len(form.files) != len(masters):
            raise OtmmError(400, "Each manifest master file needs one files part.")
        job = self.store.new_job("Import")

        def finish() -> list[str]:
            uploads: list[UploadedFile | None] = [*form.files] or [None] * len(masters)
            created = [
                self._create(parent, spec, upload, metadata, model_id=model_id, job_id=int(job.id))
                for spec, upload in zip(masters, uploads, strict=True)
            ]
            self.imported.extend(created)
            return created

        job.on_complete = finish
        return json_response({"job_handle": {"job_id": job.id}}, status=202)

    def _create(
        self,
        parent: str,
        spec: dict[str, Any],
        upload: UploadedFile | None,
        metadata: dict[str, Value],
        *,
        model_id: str,
        job_id: int,
    ) -> str:
        name = str(spec.get("file_name") or (upload.filename if upload else "asset"))
        mime = (upload.mime_type if upload else "") or str(spec.get("file_type") or "")
        mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
        asset = self.store.add_asset(
            parent, name, metadata, upload.content if upload else None,
            mime_type=mime, model_id=model_id, import_job_id=job_id,
        )  # fmt: skip
        return asset.id

    # -- jobs ---------------------------------------------------------------
    async def job_status(self, request: web.Request) -> web.Response:
        job = self.store.job(request.match_info["id"])
        job.poll()
        state_field = self.store.variants.job_state_field
        data: dict[str, Any] = {"job_id": job.id, "job_name": job.name, state_field: job.state}
        if job.failure:
            data["job_state_message"] = job.failure
        return json_response({"job_resource": {"job": data}})

    async def job_assets(self, request: web.Request) -> web.Response:
        job = self.store.job(request.match_info["id"])
        job.poll()
        items = [
            render(self.store, self.store.asset(i), with_metadata=False) for i in job.asset_ids
        ]
        return json_response({"assets_resource": {"asset_list": items}})

    # -- check-in -----------------------------------------------------------
    async def start_check_in(self, request: web.Request) -> web.Response:
        await params_of(request)
        job = self.store.new_job("Check In")
        return json_response({"job_handle": {"job_id": job.id}})

    def _staging_job(self, form: MultipartForm, job_id: str | None = None) -> Job:
        job_id = job_id or form.text.get("import_job_id")
        if not job_id:
            raise OtmmError(400, "import_job_id is required.")
        return self.store.job(job_id)

    async def add_rendition(self, request: web.Request) -> web.Response:
        form = await self.read_form(request)
        job = self._staging_job(form)
        if len(form.files) != 1:
            raise OtmmError(400, "Exactly one file part is required.")
        upload = form.files[0]
        job.staged.append((upload.filename, upload.mime_type, upload.content))
        return json_response({"job_handle": {"job_id": job.id}})

    async def check_in(self, request: web.Request) -> web.Response:
        form = await self.read_form(request)
        job = self._staging_job(form, request.match_info["id"])
        masters = _master_files(form.json("manifest"), with_uoi=True)
        previous = self.store.asset(str(masters[0]["uoi_id"]))
        if previous.checked_out_by != request[LOGIN] or not previous.latest:
            raise OtmmError(409, "The asset must be the latest version and checked out by you.")
        if self.store.variants.checkin_needs_lock and previous.lock_user != request[LOGIN]:
            raise OtmmError(400, "The asset must be locked by you before it is checked in.")
        if not job.staged:
            raise OtmmError(400, "No content was added to this import job.")
        name = form.text.get("file_name") or str(masters[0].get("file_name") or previous.name)
        _filename, _mime, content = job.staged[-1]

        def finish() -> list[str]:
            return [self.store.add_version(previous, name, content, int(job.id)).id]

        job.polls_left = self.store.job_polls
        job.on_complete = finish
        return json_response({"job_handle": {"job_id": job.id}}, status=202)

    def imported_assets(self) -> list[Asset]:
        return [self.store.asset(i) for i in self.imported]


def _master_files(manifest: Any, *, with_uoi: bool = False) -> list[dict[str, Any]]:
    try:
        entries = manifest["upload_manifest"]["master_files"]
        files = [{**e["file"], **({"uoi_id": e["uoi_id"]} if with_uoi else {})} for e in entries]
    except (KeyError, TypeError):
        raise OtmmError(400, "manifest must be upload_manifest.master_files[].file.") from None
    if not files:
        raise OtmmError(400, "manifest lists no master files.")
    return files


def _representation(data: Any) -> tuple[str, dict[str, Value]]:
    if data is None:
        return "FERRERO.MODEL.CAMPAIGN_ASSET", {}
    try:
        asset = data["asset_resource"]["asset"]
        elements = (asset.get("metadata") or {}).get("metadata_element_list", [])
    except (KeyError, TypeError, AttributeError):
        raise OtmmError(400, "asset_representation must be asset_resource.asset.") from None
    values = {k: v for k, v in read_elements(elements).items() if v is not None}
    return str(asset.get("metadata_model_id") or "FERRERO.MODEL.CAMPAIGN_ASSET"), values
