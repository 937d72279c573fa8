"""The OTMM DAM client: ``DamClient`` over otmmapi v6 (`ref/otmm-api.md`).

One pooled ``httpx.AsyncClient`` per process. Authentication is an OTDS
client-credentials bearer token (``otmm_auth.TokenSource``) or, in ``mtls`` mode, the
client certificate of the configured ``.pfx``. Reads are retried on transient
errors; writes only where repeating them is harmless (lock, unlock, PATCH of the
same values). Imports and check-ins stream their bytes and wait for the OTMM job.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Self

import httpx

from ferrero_daemon import logs
from ferrero_daemon.clients.http import Retry, Sleep, tls_context
from ferrero_daemon.clients.otmm import wire
from ferrero_daemon.clients.otmm.auth import TokenSource, mtls_context
from ferrero_daemon.clients.otmm.http import OtmmTransport
from ferrero_daemon.clients.otmm.inspect import OtmmInspector
from ferrero_daemon.clients.otmm.stream import ResumableDownload, StreamedMultipart
from ferrero_daemon.clients.types import ByteStream, DamClient, Download
from ferrero_daemon.config import Config, DamConfig
from ferrero_daemon.domain.values import DamAsset, DamChildren, DamFolder, Metadata
from ferrero_daemon.errors import ConflictError, FerreroError, InvalidInputError, TransientError

log = logs.get_logger(__name__)
METADATA = {"load_type": "metadata", "level_of_detail": "full"}


class OtmmClient:
    """``DamClient`` for OpenText Media Management; see the module docstring."""

    def __init__(
        self,
        settings: DamConfig,
        http: httpx.AsyncClient,
        tokens: TokenSource | None,
        *,
        retry: Retry | None = None,
        poll_interval: float = 0.5,
        job_timeout: float = 600.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._http = http
        base = settings.mtls_base_url if settings.auth_mode == "mtls" else settings.base_url
        self._t = OtmmTransport(
            http,
            base,
            tokens,
            settings.requested_by,
            retry=retry,
        )
        self._poll_interval = poll_interval
        self._job_timeout = job_timeout
        self._sleep = sleep

    @classmethod
    def from_config(cls, config: Config, **options: Any) -> Self:
        dam = config.settings.dam
        timeout = httpx.Timeout(dam.timeout_seconds)
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=8)
        if dam.auth_mode == "mtls":
            assert dam.mtls_cert_path is not None  # enforced by config validation
            password = config.secrets.require("dam_mtls_cert_password")
            verify = mtls_context(dam.mtls_cert_path, password, dam.ca_bundle)
        else:
            verify = tls_context(dam.ca_bundle, "[dam] ca_bundle")
        http = httpx.AsyncClient(timeout=timeout, limits=limits, verify=verify)
        tokens = None
        if dam.auth_mode == "oauth2":
            secret = config.secrets.require("dam_client_secret")
            tokens = TokenSource(http, dam.auth_url, dam.client_id, secret)
        return cls(dam, http, tokens, **options)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def probe(self) -> str:
        """Credentials plus one authenticated read, for ``ferrero-daemon check``."""
        response = await self._t.request("GET", "/folders/rootfolders", what="DAM probe", safe=True)
        folders = wire.dig(wire.OTMM.body(response, "DAM probe"), "folders_resource", "folder_list")
        mode = "client certificate" if self.settings.auth_mode == "mtls" else "OAuth2 token"
        return f"{mode} accepted; {len(folders)} root folder(s) visible"

    def inspector(self) -> OtmmInspector:
        """Read-only questions over this client's connection (``check --deep``)."""
        return OtmmInspector(self._t)

    async def _get(self, path: str, what: str, params: Mapping[str, Any] | None = None) -> Any:
        response = await self._t.request("GET", path, what=what, safe=True, params=params)
        return wire.OTMM.body(response, what)

    # -- reads --------------------------------------------------------------
    async def find_folders(self, conditions: Mapping[str, str]) -> list[DamFolder]:
        """Folders whose fields equal every value exactly: CONTAINS matches, post-filtered."""
        if not conditions:
            raise InvalidInputError("find_folders needs at least one condition")
        found: dict[str, DamFolder] = {}
        after, limit = 0, self.settings.wire.page_size
        while True:
            form = wire.search_form(conditions, after, limit)
            response = await self._t.request(
                "POST", "/search/text", what="DAM folder search", safe=True, data=form
            )
            page = wire.search_page(wire.OTMM.body(response, "DAM folder search"))
            for folder in page.folders:
                if wire.matches_exactly(folder.metadata, conditions):
                    found[folder.id] = folder
            after += page.hits
            if page.hits == 0 or after >= page.total:
                break
        log.info("dam_folders_found", conditions=sorted(conditions), count=len(found))
        return list(found.values())

    async def folder_children(self, folder_id: str) -> DamChildren:
        assets: list[DamAsset] = []
        folders: list[DamFolder] = []
        after, limit = 0, self.settings.wire.page_size
        while True:
            params = {"after": after, "limit": limit, "sort": "asc_NAME", **METADATA}
            body = await self._get(
                f"/folders/{folder_id}/children", f"children of DAM folder {folder_id}", params
            )
            items = wire.dig(body, "folder_children").get("asset_list") or []
            for item in items:
                if wire.is_folder(item):
                    folders.append(wire.folder_from(item))
                else:
                    assets.append(wire.asset_from(item, folder_id))
            if not items:
                return DamChildren(assets=assets, folders=folders)
            after += len(items)

    async def get_folder(self, folder_id: str) -> DamFolder:
        body = await self._get(f"/folders/{folder_id}", f"DAM folder {folder_id}", METADATA)
        return wire.folder_from(wire.dig(body, "folder_resource", "folder"))

    async def get_asset(self, asset_id: str) -> DamAsset:
        body = await self._get(f"/assets/{asset_id}", f"DAM asset {asset_id}", METADATA)
        return wire.asset_from(wire.dig(body, "asset_resource", "asset"))

    @asynccontextmanager
    async def download(self, asset_id: str) -> AsyncIterator[Download]:
        stream = ResumableDownload(self._t, asset_id)
        await stream.open()
        try:
            yield Download(size=stream.size, chunks=stream.chunks(), name=stream.name)
        finally:
            await stream.aclose()

    # -- imports ------------------------------------------------------------
    async def import_asset(
        self,
        folder_id: str,
        name: str,
        size: int,
        chunks: ByteStream,
        metadata: Metadata,
        *,
        mime_type: str | None = None,
    ) -> DamAsset:
        mime = mime_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        # The body cannot be sent twice: check the folder (and our token) before the bytes go.
        await self.get_folder(folder_id)
        manifest = {
            "upload_manifest": {"master_files": [{"file": {"file_name": name, "file_type": mime}}]}
        }
        representation = {
            "asset_resource": {
                "asset": {
                    "metadata_model_id": self.settings.metadata_model_id,
                    "security_policy_list": [{"id": i} for i in self.settings.security_policy_ids],
                    "metadata": {"metadata_element_list": self._elements(metadata)},
                }
            }
        }
        body = StreamedMultipart(
            [
                ("parent_folder_id", folder_id, "text/plain; charset=UTF-8"),
                ("manifest", json.dumps(manifest), "application/json"),
                ("asset_representation", json.dumps(representation), "application/json"),
                ("no_content", "false", "text/plain"),
            ],
            file_field="files",
            filename=name,
            mime_type=mime,
            size=size,
            chunks=chunks,
        )
        what = f"import of {name!r} into DAM folder {folder_id}"
        response = await self._t.request(
            "POST", "/assets", what=what, safe=False, replayable=False,
            expect=(200, 201, 202), headers=body.headers, content=body.body(),
        )  # fmt: skip
        job_id = str(wire.dig(wire.OTMM.body(response, what), "job_handle", "job_id"))
        asset_id = await self._wait_for_job(job_id, what)
        asset = await self.get_asset(asset_id)
        log.info(
            "dam_asset_imported", asset_id=asset.id, folder_id=folder_id, bytes=size, job_id=job_id
        )
        return DamAsset(asset.id, asset.name, asset.folder_id or folder_id, asset.size,
                        asset.mime_type, asset.version, asset.metadata)  # fmt: skip

    async def _wait_for_job(self, job_id: str, what: str) -> str:
        """Poll the job until its asset appears; its id (the first, for one-file imports)."""
        deadline = time.monotonic() + self._job_timeout
        delay = self._poll_interval
        while True:
            body = await self._get(f"/jobs/{job_id}/assets", f"{what}: job {job_id} assets")
            assets = (body.get("assets_resource") or {}).get("asset_list") or []
            if assets:
                return str(assets[0]["asset_id"])
            await self._check_job(job_id, what)
            if time.monotonic() > deadline:
                raise TransientError(
                    f"{what}: job {job_id} still running after {self._job_timeout:g} s"
                )
            await self._sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _check_job(self, job_id: str, what: str) -> None:
        body = await self._get(f"/jobs/{job_id}", f"{what}: job {job_id}")
        job = (body.get("job_resource") or {}).get("job") or {}
        state = wire.job_state(job, self.settings.wire.job_state_field)
        if state in wire.FAILED_JOB_STATES:
            reason = job.get("job_state_message") or "no reason given"
            raise InvalidInputError(f"{what}: OTMM job {job_id} {state.lower()}: {reason}")

    async def check_in_version(
        self, asset_id: str, name: str, size: int, chunks: ByteStream
    ) -> DamAsset:
        """A new version: check out, stage the content in an import job, check in ([I] v6 paths)."""
        what = f"check-in of a new version of DAM asset {asset_id}"
        lock = self.settings.wire.checkin_flow == "checkout_lock"
        await self._change_state(asset_id, "check_out", what)
        try:
            if lock:  # the v5 flow of ref §7 (S7): check out, then lock
                await self._change_state(asset_id, "lock", what)
            job_id = await self._stage_content(name, size, chunks, what)
            manifest = {
                "upload_manifest": {
                    "master_files": [{"file": {"file_name": name}, "uoi_id": asset_id}]
                }
            }
            files = {
                "import_job_id": (None, job_id),
                "manifest": (None, json.dumps(manifest), "application/json"),
                "file_name": (None, name),
            }
            await self._submit_check_in(job_id, files, what)
        except BaseException:
            await self._best_effort_state(asset_id, "undo_checkout", what)
            if lock:
                await self._best_effort_state(asset_id, "unlock", what)
            raise
        new_id = await self._wait_for_job(job_id, what)
        asset = await self.get_asset(new_id)
        log.info(
            "dam_version_checked_in",
            asset_id=asset_id,
            new_asset_id=new_id,
            version=asset.version,
            bytes=size,
        )
        return asset

    async def _submit_check_in(self, job_id: str, files: dict[str, Any], what: str) -> None:
        try:
            await self._t.request(
                "PUT", f"/jobs/checkins/{job_id}", what=what, safe=False,
                expect=(200, 202), files=files,
            )  # fmt: skip
        except (ConflictError, InvalidInputError) as exc:
            if self.settings.wire.checkin_flow != "checkout":
                raise
            hint = wire.CHECKIN_LOCK_HINT
            raise type(exc)(f"{exc}; {hint}", hint=hint, retry_after=exc.retry_after) from exc

    async def _stage_content(self, name: str, size: int, chunks: ByteStream, what: str) -> str:
        response = await self._t.request(
            "POST", "/jobs/imports", what=what, safe=True, data={"version": "v6"}
        )
        job_id = str(wire.dig(wire.OTMM.body(response, what), "job_handle", "job_id"))
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        body = StreamedMultipart(
            [("import_job_id", job_id, "text/plain")],
            file_field="file",
            filename=name,
            mime_type=mime,
            size=size,
            chunks=chunks,
        )
        await self._t.request(
            "POST", "/renditions", what=what, safe=False, replayable=False,
            expect=(200, 201, 202), headers=body.headers, content=body.body(),
        )  # fmt: skip
        return job_id

    # -- lock → patch → unlock ---------------------------------------------
    async def update_asset_metadata(self, asset_id: str, values: Metadata) -> None:
        await self._edit("assets", asset_id, "edited_asset", values)

    async def update_folder_metadata(self, folder_id: str, values: Metadata) -> None:
        await self._edit("folders", folder_id, "edited_folder", values)

    async def _edit(self, kind: str, object_id: str, root: str, values: Metadata) -> None:
        if not values:
            return
        what = f"metadata update of DAM {kind[:-1]} {object_id}"
        # Folders are locked through the asset state service with the folder id (§8.1).
        await self._change_state(object_id, "lock", what)
        try:
            body = {root: {"data": {"metadata": self._elements(values)}}}
            await self._t.request(
                "PATCH", f"/{kind}/{object_id}", what=what, safe=True,
                expect=(200, 204), json=body,
            )  # fmt: skip
        finally:
            await self._best_effort_state(object_id, "unlock", what)
        log.info("dam_metadata_updated", object_id=object_id, kind=kind[:-1], fields=sorted(values))

    def _elements(self, values: Metadata) -> list[dict[str, Any]]:
        w = self.settings.wire
        domain = () if w.domain_value_form == "string" else wire.field_ids(self.settings, w)
        return wire.edited_elements(values, domain)

    async def _change_state(self, object_id: str, action: str, what: str) -> None:
        options = {
            "asset_state_options_param": {"asset_state_options": {"apply_to_all_versions": False}}
        }
        form = {"action": action, "asset_state_options": json.dumps(options)}
        contention = tuple(self.settings.wire.lock_conflict_statuses)
        what = f"{what} ({action})"
        response = await self._t.request(
            "PUT", f"/assets/{object_id}/state", what=what, safe=True,
            expect=(200, *contention), data=form,
        )  # fmt: skip
        if response.status_code != 200:  # [dam.wire] lock_conflict_statuses: someone holds it
            raise ConflictError(
                f"{what}: OTMM answered {response.status_code}: {wire.server_message(response)}"
            )

    async def _best_effort_state(self, object_id: str, action: str, what: str) -> None:
        """Release a lock or check-out without hiding the error that got us here."""
        try:
            await self._change_state(object_id, action, what)
        except FerreroError as exc:
            log.warning(
                "dam_state_release_failed", object_id=object_id, action=action, error=str(exc)
            )


if TYPE_CHECKING:  # mypy proves that OtmmClient implements DamClient exactly

    def _is_a_dam_client(client: OtmmClient) -> DamClient:
        return client
