"""A loopback OpenText Media Management (OTMM) with OTDS, faithful to `ref/otmm-api.md` §11.

Routes: ``POST /otdsws/oauth2/token`` (client credentials), ``/otmmapi/v6/sessions``,
search (``otmm_search``), folders and assets (``otmm_api``), contents, imports, jobs and
check-in (``otmm_transfer``). Seeding and inspection: the Python methods below and the
same under ``/_admin/`` (``otmm_admin``). With ``mtls_dir`` the server speaks TLS only
and demands a client certificate signed by its own test CA (``sandbox/pki.py``); with
``mtls_alongside`` too, the plain port stays for OAuth2 and a second, TLS-only port
demands the certificate, as an installation with OAuth2 on ``dam.base_url`` and mutual
TLS on ``dam.mtls_base_url`` (what the sandbox runs, so ``check --auth-pfx`` passes).

    async with OtmmEmulator() as otmm:
        campaign = otmm.create_campaign("Nutella Xmas", {status_field: "A1"})
        otmm.create_asset(campaign, "master.mp4", size=50 * 2**20, seed=7)
        config = make_config(otmm.config_overrides(), otmm.secrets())
"""

from __future__ import annotations

import secrets
import ssl
import tempfile
from pathlib import Path
from typing import Any

from aiohttp import web

from ferrero_daemon.config import DamFields
from ferrero_daemon.sandbox.http import EmulatorServer, json_response
from ferrero_daemon.sandbox.otmm.admin import AdminApi
from ferrero_daemon.sandbox.otmm.api import API, LOGIN, ReadWriteApi, params_of
from ferrero_daemon.sandbox.otmm.auth import Authenticator
from ferrero_daemon.sandbox.otmm.content import SeededContent
from ferrero_daemon.sandbox.otmm.metadata import MetadataApi
from ferrero_daemon.sandbox.otmm.store import (
    SERVICE_USER,
    Asset,
    FieldDef,
    Folder,
    Node,
    OtmmError,
    Store,
    Value,
    Variants,
    default_fields,
)
from ferrero_daemon.sandbox.otmm.transfer import TransferApi
from ferrero_daemon.sandbox.pki import TestPki

CLIENT_ID = "ferrero-automation"


class OtmmEmulator(EmulatorServer):
    """OTMM + OTDS on 127.0.0.1; see the module docstring."""

    name = "otmm"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: Path | None = None,
        *,
        fields: DamFields | None = None,
        job_polls: int = 2,
        token_lifetime: int = 3600,
        mtls_dir: Path | None = None,
        mtls_alongside: bool = False,
    ) -> None:
        self.fields = fields or DamFields()
        self._tmp = tempfile.TemporaryDirectory(prefix="otmm-emulator-")
        self.spool_dir = data_dir or Path(self._tmp.name)
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.pki: TestPki | None = None
        self.mtls_dir = mtls_dir
        self.client_pfx: Path | None = None
        self.client_pfx_password = ""
        context = self._mtls_context(mtls_dir)
        self._alongside = context if mtls_alongside else None
        self.mtls_port = 0
        super().__init__(host, port, data_dir, None if mtls_alongside else context)
        self.store = Store(default_fields(self.fields), job_polls=job_polls)
        self.auth = Authenticator()
        self.auth.token_lifetime = token_lifetime
        self.client_secret = secrets.token_urlsafe(24)
        self.auth.add_client(CLIENT_ID, self.client_secret)
        self.api = ReadWriteApi(self.store, self.auth)
        self.transfer = TransferApi(self.api, self.spool_dir)
        self.campaigns_root = self.store.add_folder(
            self.store.root.id, "Campaigns", {}, container_type="FERRERO.FOLDER.CAMPAIGNS"
        ).id

    def _mtls_context(self, directory: Path | None) -> ssl.SSLContext | None:
        if directory is None:
            return None
        directory.mkdir(parents=True, exist_ok=True)
        self.pki = TestPki("otmm-emulator-ca")
        self.pki.write_ca(directory / "ca.pem")
        self.client_pfx_password = secrets.token_urlsafe(12)
        self.client_pfx = self.pki.client_pfx(directory / "client.pfx", self.client_pfx_password)
        password_file = directory / "client.pfx.password"
        password_file.write_text(self.client_pfx_password, encoding="utf-8")
        password_file.chmod(0o600)
        return self.pki.server_context(directory, require_client_cert=True)

    # -- wiring -------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/otdsws/oauth2/token", self._token)
        app.router.add_post(f"{API}/sessions", self.api.wrap(self._open_session, public=True))
        app.router.add_get(f"{API}/sessions", self.api.wrap(self._get_session))
        app.router.add_delete(f"{API}/sessions", self.api.wrap(self._close_session))
        self.api.add_routes(app)
        self.transfer.add_routes(app)
        MetadataApi(self.api).add_routes(app)
        AdminApi(self).add_routes(app)

    async def start(self) -> str:
        url = await super().start()
        if self._alongside is not None:
            assert self._runner is not None
            site = web.TCPSite(self._runner, self.host, 0, ssl_context=self._alongside)
            await site.start()
            server = site._server
            assert server is not None
            self.mtls_port = (getattr(server, "sockets", None) or [])[0].getsockname()[1]
        return url

    @property
    def mtls_url(self) -> str | None:
        """Where a client presents its certificate (``None``: mutual TLS is off)."""
        if self._alongside is not None:
            return f"https://{self.host}:{self.mtls_port}"
        return self.base_url if self.mtls_dir is not None else None

    async def stop(self) -> None:
        await super().stop()
        self._tmp.cleanup()

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        try:
            token, lifetime = self.auth.issue_token(
                str(form.get("client_id", "")), str(form.get("client_secret", ""))
            )
        except PermissionError:
            body = {"error": "invalid_client", "error_description": "Client authentication failed"}
            return json_response(body, 401)
        return json_response(
            {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}
        )

    async def _open_session(self, request: web.Request) -> web.Response:
        form = await params_of(request)
        session = self.auth.open_session(form.get("username", ""), form.get("password", ""))
        response = json_response(
            {
                "session_resource": {
                    "session": self._session_json(session.login, session.id, session.digest)
                }
            }
        )
        response.set_cookie("JSESSIONID", session.jsessionid, httponly=True)
        return response

    async def _get_session(self, request: web.Request) -> web.Response:
        login: str = request[LOGIN]
        session = self.auth.session_of(request)
        body = self._session_json(
            login, session.id if session else 0, session.digest if session else ""
        )
        return json_response({"session_resource": {"session": body}})

    async def _close_session(self, request: web.Request) -> web.Response:
        session = self.auth.session_of(request)
        if session is not None:
            self.auth.sessions.pop(session.digest, None)
        return web.Response(status=204)

    def _session_json(self, login: str, session_id: int, digest: str) -> dict[str, Any]:
        user = self.store.user(login)
        return {
            "domain_name": "OTMM", "id": session_id, "local_session": False,
            "login_name": login, "message_digest": digest, "role_name": "Administrator",
            "user_full_name": user.full_name, "user_id": user.user_id,
        }  # fmt: skip

    # -- configuration for the daemon --------------------------------------
    def config_overrides(self) -> dict[str, Any]:
        """The ``[dam]`` section a daemon config needs to talk to this emulator."""
        dam: dict[str, Any] = {
            "base_url": f"{self.base_url}/otmmapi",
            "auth_url": f"{self.base_url}/otdsws/oauth2/token",
            "client_id": CLIENT_ID,
            "fields": self.fields.model_dump(),
        }
        if self.mtls_dir is not None:
            dam |= {
                "auth_mode": "oauth2" if self._alongside is not None else "mtls",
                "mtls_base_url": f"{self.mtls_url}/otmmapi",
                "mtls_cert_path": str(self.client_pfx),
                "ca_bundle": str(self.mtls_dir / "ca.pem"),
            }
        return {"dam": dam}

    def secrets(self) -> dict[str, str]:
        values = {"dam_client_secret": self.client_secret}
        if self.client_pfx_password:
            values["dam_mtls_cert_password"] = self.client_pfx_password
        return values

    # -- seeding ------------------------------------------------------------
    def create_campaign(
        self, name: str, metadata: dict[str, Value] | None = None, parent_id: str | None = None
    ) -> str:
        """A campaign folder (under ``Campaigns`` unless a parent is given); its id."""
        return self.create_folder(parent_id or self.campaigns_root, name, metadata)

    def create_folder(
        self, parent_id: str, name: str, metadata: dict[str, Value] | None = None
    ) -> str:
        return self.store.add_folder(parent_id, name, dict(metadata or {})).id

    def create_asset(
        self,
        folder_id: str,
        name: str,
        metadata: dict[str, Value] | None = None,
        *,
        size: int | None = 0,
        seed: int = 0,
        mime_type: str = "video/mp4",
    ) -> str:
        """An asset with seeded content of ``size`` bytes (``None``: no content)."""
        content = None if size is None else SeededContent(seed, size)
        asset = self.store.add_asset(
            folder_id, name, dict(metadata or {}), content, mime_type=mime_type
        )
        self.store.completed_import(asset)
        return asset.id

    def define_field(self, definition: FieldDef) -> None:
        self.store.fields[definition.id] = definition

    def remove_field(self, field_id: str) -> FieldDef:
        """Take a field out of the metadata model, as an installation without it would be."""
        return self.store.fields.pop(field_id)

    @property
    def variants(self) -> Variants:
        return self.store.variants

    def set_variants(self, **changes: Any) -> dict[str, Any]:
        """Change how this OTMM behaves (``store.Variants``); the resulting variants."""
        for key, value in changes.items():
            if not hasattr(self.store.variants, key):
                raise KeyError(key)
            setattr(self.store.variants, key, value)
        return dict(vars(self.store.variants))

    # -- inspection ---------------------------------------------------------
    def node(self, node_id: str) -> Node:
        return self.store.node(node_id)

    def asset(self, asset_id: str) -> Asset:
        return self.store.asset(asset_id)

    def folder(self, folder_id: str) -> Folder:
        return self.store.folder(folder_id)

    def metadata(self, node_id: str) -> dict[str, Value]:
        return dict(self.store.node(node_id).metadata)

    def content_sha1(self, asset_id: str) -> str:
        content = self.store.asset(asset_id).content
        if content is None:
            raise OtmmError(404, "The asset has no content.")
        return content.sha1()

    def imported(self) -> list[Asset]:
        """Assets created by completed import jobs, oldest first."""
        return self.transfer.imported_assets()

    def patches(self) -> list[tuple[str, str, dict[str, Value | None]]]:
        """Every accepted PATCH: (object id, login, values)."""
        return list(self.api.patches)

    def versions(self, asset_id: str) -> list[Asset]:
        original = self.store.asset(asset_id).original_id
        found = [
            n
            for n in self.store.nodes.values()
            if isinstance(n, Asset) and n.original_id == original
        ]
        return sorted(found, key=lambda a: a.version)

    def snapshot(self) -> dict[str, Any]:
        """Every object, its metadata, lock and check-out, every job and write so far: two
        equal snapshots mean nothing changed in between (reads may mint tokens)."""
        nodes = {
            node.id: {
                "name": node.name,
                "parent": node.parent_id,
                "metadata": {k: node.metadata[k] for k in sorted(node.metadata)},
                "lock": node.lock_user,
                "checked_out": node.checked_out_by,
                **(
                    {"version": node.version, "latest": node.latest}
                    if isinstance(node, Asset)
                    else {}
                ),
            }
            for node in self.store.nodes.values()
        }
        jobs = {
            j.id: {"state": j.state, "assets": list(j.asset_ids)} for j in self.store.jobs.values()
        }
        return {"nodes": nodes, "jobs": jobs, "patches": len(self.api.patches)}

    # -- misbehaviour -------------------------------------------------------
    def lock_as_other_user(self, node_id: str, login: str = "mrossi") -> None:
        """Lock an object as another user, as a reviewer editing it in the OTMM UI would."""
        self.store.lock(self.store.node(node_id), login)

    def fail_next_jobs(self, count: int = 1, reason: str = "Import failed: storage full.") -> None:
        """The next ``count`` import or check-in jobs end FAILED, creating nothing."""
        self.store.job_failures.extend([reason] * count)

    def release_lock(self, node_id: str) -> None:
        self.store.node(node_id).lock_user = None

    def expire_tokens(self) -> int:
        """Make every issued token and session stale (the next use answers 401)."""
        return self.auth.expire_all()

    def set_password(self, login: str, password: str) -> None:
        self.store.user(login)
        self.auth.passwords[login] = password

    @property
    def service_user(self) -> str:
        return SERVICE_USER


def create(
    host: str = "127.0.0.1", port: int = 0, data_dir: Path | None = None, *, mtls: bool = False
) -> OtmmEmulator:
    """For ``ferrero-daemon emulate otmm [--mtls]`` and the sandbox (mutual TLS on)."""
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    if not mtls:
        return OtmmEmulator(host, port, data_dir)
    pki = (data_dir or Path(tempfile.mkdtemp(prefix="otmm-mtls-"))) / "mtls"
    return OtmmEmulator(host, port, data_dir, mtls_dir=pki, mtls_alongside=True)
