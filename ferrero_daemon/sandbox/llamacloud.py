"""LlamaCloud's LlamaExtract v1 on loopback, for the real ``llama-cloud-services`` SDK.

The routes ``LlamaExtract(...).get_agent(name=...)`` and ``agent.aextract(...)`` use
(``ref/llamacloud.md`` §3.2), plus agent create/list/schema validation/save and file
lookup. The extraction comes from the uploaded PDF itself (``scorecard.read``), so a
different scorecard yields a different score; a PDF that cannot be read ends the job
``ERROR``. A job answers ``PENDING`` for ``pending_polls`` polls, then its outcome.
Every ``/api/`` request needs ``Authorization: Bearer <api_key>``.

Admin (HTTP and Python): ``POST /_admin/agents`` ``{"name", "data_schema"?}`` /
``create_agent``; ``GET /_admin/files`` and ``/_admin/jobs``; ``POST
/_admin/next_outcome`` ``{"status", "error"?, "data"?, "count"?}`` / ``force_next``
(SUCCESS, ERROR, PARTIAL_SUCCESS or CANCELLED for the next jobs created);
``POST /_admin/jobs/{id}/cancel`` / ``cancel``. Faults come from ``EmulatorServer``.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from aiohttp import BodyPartReader, web

from ferrero_daemon.domain.creativex_schema import EXTRACTION_CONFIG, EXTRACTION_SCHEMA
from ferrero_daemon.sandbox import multipart, scorecard
from ferrero_daemon.sandbox.http import EmulatorServer, json_response
from ferrero_daemon.sandbox.pdf import PdfError

API = "/api/v1"
AGENT_NAME = "Creativex-Extract"
DEFAULT_API_KEY = "llx-sandbox-key"
PROJECT_ID = "proj_sandbox"
Terminal = Literal["SUCCESS", "ERROR", "PARTIAL_SUCCESS", "CANCELLED"]
TERMINAL = ("SUCCESS", "ERROR", "PARTIAL_SUCCESS", "CANCELLED")


@dataclass(frozen=True)
class Outcome:
    status: Terminal
    error: str | None = None
    data: Mapping[str, Any] | None = None


@dataclass
class StoredFile:
    id: str
    name: str
    content: bytes
    external_file_id: str | None
    created_at: str

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "project_id": PROJECT_ID,
            "external_file_id": self.external_file_id,
            "file_size": len(self.content),
            "file_type": Path(self.name).suffix.lstrip(".") or None,
            "created_at": self.created_at,
            "sha256": hashlib.sha256(self.content).hexdigest(),  # extra: ignored by the SDK
        }


@dataclass
class Job:
    id: str
    agent: dict[str, Any]
    file: StoredFile
    outcome: Outcome
    polls_left: int
    status: str = "PENDING"
    run_id: str = ""
    created_at: str = ""
    polls: int = field(default=0)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "error": self.outcome.error if self.status in ("ERROR", "CANCELLED") else None,
            "extraction_agent": self.agent,
            "file_id": self.file.id,
            "file": self.file.as_json(),
        }


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _detail(status: int, detail: Any) -> web.Response:
    return json_response({"detail": detail}, status)


def extraction_of(content: bytes) -> Outcome:
    """What the agent makes of a file: the scorecard's fields, or an ERROR naming why."""
    try:
        return Outcome("SUCCESS", data=scorecard.read(content))
    except PdfError as exc:
        return Outcome("ERROR", error=f"Failed to parse the document: {exc}")


class LlamaCloudEmulator(EmulatorServer):
    name = "llamacloud"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: Path | None = None,
        *,
        api_key: str = DEFAULT_API_KEY,
        pending_polls: int = 1,
    ) -> None:
        super().__init__(host, port, data_dir)
        self.api_key = api_key
        self.pending_polls = pending_polls
        self.agents: dict[str, dict[str, Any]] = {}
        self.files: dict[str, StoredFile] = {}
        self.jobs: dict[str, Job] = {}
        self._forced: list[Outcome] = []
        self._ids = itertools.count(1)
        self.create_agent(AGENT_NAME)

    # -- admin ------------------------------------------------------------------
    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}"

    def create_agent(
        self,
        name: str,
        data_schema: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        agent_id = self._id("agt")
        agent = {
            "id": agent_id,
            "name": name,
            "project_id": PROJECT_ID,
            "config": dict(config or EXTRACTION_CONFIG),
            "data_schema": dict(data_schema or EXTRACTION_SCHEMA),
            "created_at": _now(),
            "updated_at": _now(),
        }
        self.agents[agent_id] = agent
        return agent

    def force_next(
        self,
        status: Terminal,
        error: str | None = None,
        data: Mapping[str, Any] | None = None,
        count: int = 1,
    ) -> None:
        """The next ``count`` jobs end with this outcome, whatever their file says."""
        if status not in TERMINAL:
            raise ValueError(f"status must be one of {TERMINAL}")
        if status in ("ERROR", "CANCELLED") and error is None:
            error = "Job was cancelled" if status == "CANCELLED" else "Extraction failed"
        self._forced.extend([Outcome(status, error, data)] * count)

    def cancel(self, job_id: str) -> None:
        job = self.jobs[job_id]
        if job.status == "PENDING":
            job.outcome, job.polls_left = Outcome("CANCELLED", "Job was cancelled"), 0

    def agent_named(self, name: str) -> dict[str, Any] | None:
        return next((a for a in self.agents.values() if a["name"] == name), None)

    def config_overrides(self) -> dict[str, Any]:
        return {
            "creativex": {
                "base_url": self.base_url,
                "agent_name": AGENT_NAME,
                "poll_interval_seconds": 0.02,
            }
        }

    def secrets(self) -> dict[str, str]:
        return {"llama_cloud_api_key": self.api_key}

    # -- routes -----------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        agents = f"{API}/extraction/extraction-agents"
        app.middlewares.append(self._auth)
        app.router.add_get(f"{agents}/by-name/{{name}}", self._agent_by_name)
        app.router.add_post(f"{agents}/schema/validation", self._validate_schema)
        app.router.add_get(f"{agents}/{{agent_id}}", self._agent_by_id)
        app.router.add_put(f"{agents}/{{agent_id}}", self._save_agent)
        app.router.add_get(agents, self._list_agents)
        app.router.add_post(agents, self._create_agent)
        app.router.add_post(f"{API}/files", self._upload)
        app.router.add_get(f"{API}/files/{{file_id}}", self._file)
        app.router.add_post(f"{API}/extraction/jobs", self._create_job)
        app.router.add_get(f"{API}/extraction/jobs/{{job_id}}", self._job)
        app.router.add_get(f"{API}/extraction/runs/by-job/{{job_id}}", self._run)
        app.router.add_post("/_admin/agents", self._admin_agent)
        app.router.add_get("/_admin/files", self._admin_files)
        app.router.add_get("/_admin/jobs", self._admin_jobs)
        app.router.add_post("/_admin/next_outcome", self._admin_next)
        app.router.add_post("/_admin/jobs/{job_id}/cancel", self._admin_cancel)

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/api/") and (
            request.headers.get("Authorization") != f"Bearer {self.api_key}"
        ):
            return _detail(401, "Invalid API Key")
        response: web.StreamResponse = await handler(request)
        return response

    async def _agent_by_name(self, request: web.Request) -> web.Response:
        agent = self.agent_named(request.match_info["name"])
        if agent is None:
            return _detail(
                404, f"Extraction agent with name {request.match_info['name']} not found"
            )
        return json_response(agent)

    async def _agent_by_id(self, request: web.Request) -> web.Response:
        agent = self.agents.get(request.match_info["agent_id"])
        return json_response(agent) if agent else _detail(404, "Extraction agent not found")

    async def _list_agents(self, _request: web.Request) -> web.Response:
        return json_response(list(self.agents.values()))

    async def _create_agent(self, request: web.Request) -> web.Response:
        body = await request.json()
        if self.agent_named(body.get("name", "")) is not None:
            return _detail(409, f"Extraction agent {body['name']} already exists")
        return json_response(
            self.create_agent(body["name"], body.get("data_schema"), body.get("config"))
        )

    async def _validate_schema(self, request: web.Request) -> web.Response:
        body = await request.json()
        return json_response({"data_schema": body.get("data_schema", {})})

    async def _save_agent(self, request: web.Request) -> web.Response:
        agent = self.agents.get(request.match_info["agent_id"])
        if agent is None:
            return _detail(404, "Extraction agent not found")
        body = await request.json()
        agent.update(
            {k: body[k] for k in ("config", "data_schema") if k in body}, updated_at=_now()
        )
        return json_response(agent)

    async def _upload(self, request: web.Request) -> web.Response:
        upload = await _upload_file(request)
        if upload is None:
            return _detail(
                422,
                [
                    {
                        "loc": ["body", "upload_file"],
                        "msg": "field required",
                        "type": "value_error.missing",
                    }
                ],
            )
        stored = StoredFile(
            id=self._id("file"),
            name=upload[0],
            content=upload[1],
            external_file_id=request.query.get("external_file_id"),
            created_at=_now(),
        )
        self.files[stored.id] = stored
        return json_response(stored.as_json())

    async def _file(self, request: web.Request) -> web.Response:
        stored = self.files.get(request.match_info["file_id"])
        return json_response(stored.as_json()) if stored else _detail(404, "File not found")

    async def _create_job(self, request: web.Request) -> web.Response:
        body = await request.json()
        agent = self.agents.get(body.get("extraction_agent_id", ""))
        stored = self.files.get(body.get("file_id", ""))
        if agent is None or stored is None:
            return _detail(404, "Extraction agent or file not found")
        agent = {**agent, "data_schema": body.get("data_schema_override") or agent["data_schema"]}
        outcome = self._forced.pop(0) if self._forced else extraction_of(stored.content)
        job = Job(self._id("job"), agent, stored, outcome, self.pending_polls, created_at=_now())
        self.jobs[job.id] = job
        return json_response(job.as_json())

    async def _job(self, request: web.Request) -> web.Response:
        job = self.jobs.get(request.match_info["job_id"])
        if job is None:
            return _detail(404, "Extraction job not found")
        job.polls += 1
        if job.status == "PENDING":
            if job.polls_left > 0:
                job.polls_left -= 1
            else:
                job.status, job.run_id = job.outcome.status, self._id("run")
        return json_response(job.as_json())

    async def _run(self, request: web.Request) -> web.Response:
        job = self.jobs.get(request.match_info["job_id"])
        if job is None or job.status == "PENDING":
            return _detail(404, "No extraction run for this job yet")
        return json_response(self._run_json(job))

    def _run_json(self, job: Job) -> dict[str, Any]:
        # Runs know only CREATED/PENDING/SUCCESS/ERROR (§3.4): a partial success is a
        # SUCCESS with what was found, a cancellation an ERROR.
        ok = job.status in ("SUCCESS", "PARTIAL_SUCCESS")
        data = job.outcome.data if ok else None
        return {
            "id": job.run_id,
            "extraction_agent_id": job.agent["id"],
            "project_id": PROJECT_ID,
            "from_ui": False,
            "config": job.agent["config"],
            "data_schema": job.agent["data_schema"],
            "status": "SUCCESS" if ok else "ERROR",
            "error": None if ok else job.outcome.error,
            "data": dict(data) if data is not None else None,
            "job_id": job.id,
            "file_id": job.file.id,
            "extraction_metadata": {"usage": {"num_pages_extracted": 1}} if ok else None,
            "created_at": job.created_at,
            "updated_at": _now(),
        }

    async def _admin_agent(self, request: web.Request) -> web.Response:
        body = await request.json()
        return json_response(self.create_agent(body["name"], body.get("data_schema")))

    async def _admin_files(self, _request: web.Request) -> web.Response:
        return json_response([f.as_json() for f in self.files.values()])

    async def _admin_jobs(self, _request: web.Request) -> web.Response:
        return json_response(
            [
                job.as_json() | {"polls": job.polls, "run_id": job.run_id}
                for job in self.jobs.values()
            ]
        )

    async def _admin_next(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            self.force_next(
                body["status"], body.get("error"), body.get("data"), int(body.get("count", 1))
            )
        except (KeyError, ValueError) as exc:
            return _detail(400, str(exc))
        return json_response({"ok": True})

    async def _admin_cancel(self, request: web.Request) -> web.Response:
        if request.match_info["job_id"] not in self.jobs:
            return _detail(404, "Extraction job not found")
        self.cancel(request.match_info["job_id"])
        return json_response({"ok": True})


def create(
    host: str = "127.0.0.1", port: int = 0, data_dir: Path | None = None
) -> LlamaCloudEmulator:
    return LlamaCloudEmulator(host=host, port=port, data_dir=data_dir)


__all__ = ["AGENT_NAME", "LlamaCloudEmulator", "Outcome", "create", "extraction_of"]


async def _upload_file(request: web.Request) -> tuple[str, bytes] | None:
    """The ``upload_file`` part's file name and bytes, or None when there is none."""
    if not request.content_type.startswith("multipart/"):
        return None
    reader = await multipart.form_reader(request)
    found = None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        try:
            field = multipart.disposition(part.headers)
        except multipart.BadDisposition:
            continue
        data = await part.read()
        if field.name == "upload_file" and field.filename is not None:
            found = (field.filename, bytes(data))
    return found
