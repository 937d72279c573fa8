"""The LlamaCloud emulator's wire and admin surface over plain HTTP (no SDK import)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ferrero_daemon.sandbox import emulators as emulate
from ferrero_daemon.sandbox import scorecard
from ferrero_daemon.sandbox.llamacloud import AGENT_NAME, LlamaCloudEmulator

API = "/api/v1"


@pytest.fixture
async def api(llamacloud: LlamaCloudEmulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {llamacloud.api_key}"}
    async with httpx.AsyncClient(base_url=llamacloud.base_url, headers=headers) as client:
        yield client


async def extract_job(api: httpx.AsyncClient, pdf: bytes) -> dict[str, object]:
    agent = (await api.get(f"{API}/extraction/extraction-agents/by-name/{AGENT_NAME}")).json()
    upload = await api.post(
        f"{API}/files", files={"upload_file": ("x.pdf", pdf, "application/pdf")}
    )
    job = await api.post(
        f"{API}/extraction/jobs",
        json={"extraction_agent_id": agent["id"], "file_id": upload.json()["id"]},
    )
    job_id = job.json()["id"]
    while (await api.get(f"{API}/extraction/jobs/{job_id}")).json()["status"] == "PENDING":
        pass
    run = await api.get(f"{API}/extraction/runs/by-job/{job_id}")
    result: dict[str, object] = run.json()
    return result


async def test_every_api_route_wants_the_api_key(llamacloud: LlamaCloudEmulator) -> None:
    async with httpx.AsyncClient(base_url=llamacloud.base_url) as anonymous:
        response = await anonymous.get(f"{API}/extraction/extraction-agents")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid API Key"}


async def test_admin_forces_the_next_outcome_over_http(
    llamacloud: LlamaCloudEmulator, api: httpx.AsyncClient
) -> None:
    forced = await api.post(
        "/_admin/next_outcome",
        json={"status": "PARTIAL_SUCCESS", "data": {"creative_name": "half"}},
    )
    assert forced.status_code == 200
    run = await extract_job(api, scorecard.render(scorecard.sample("x.mp4")))
    # A run has no PARTIAL_SUCCESS state: it is a SUCCESS with what was found.
    assert (run["status"], run["data"]) == ("SUCCESS", {"creative_name": "half"})
    refused = await api.post("/_admin/next_outcome", json={"status": "RUNNING"})
    assert refused.status_code == 400


async def test_admin_lists_files_and_jobs_and_creates_agents(
    llamacloud: LlamaCloudEmulator, api: httpx.AsyncClient
) -> None:
    pdf = scorecard.render(scorecard.sample("x.mp4"))
    await extract_job(api, pdf)
    (stored,) = (await api.get("/_admin/files")).json()
    assert stored["file_size"] == len(pdf)
    (job,) = (await api.get("/_admin/jobs")).json()
    assert (job["status"], job["polls"]) == ("SUCCESS", 2)
    created = await api.post("/_admin/agents", json={"name": "Other-Agent"})
    by_name = await api.get(f"{API}/extraction/extraction-agents/by-name/Other-Agent")
    assert by_name.json()["id"] == created.json()["id"]


async def test_an_upload_without_the_file_part_is_a_422_the_sdk_can_parse(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post(
        f"{API}/files", files={"other": ("x.pdf", b"%PDF-", "application/pdf")}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "upload_file"]


async def test_a_run_is_not_there_before_its_job_ends(
    llamacloud: LlamaCloudEmulator, api: httpx.AsyncClient
) -> None:
    llamacloud.pending_polls = 5
    agent = llamacloud.agent_named(AGENT_NAME)
    assert agent is not None
    upload = await api.post(
        f"{API}/files", files={"upload_file": ("x.pdf", b"%PDF-", "application/pdf")}
    )
    job = await api.post(
        f"{API}/extraction/jobs",
        json={"extraction_agent_id": agent["id"], "file_id": upload.json()["id"]},
    )
    assert (await api.get(f"{API}/extraction/runs/by-job/{job.json()['id']}")).status_code == 404
    cancel = await api.post(f"/_admin/jobs/{job.json()['id']}/cancel")
    assert cancel.status_code == 200
    polled = await api.get(f"{API}/extraction/jobs/{job.json()['id']}")
    assert (polled.json()["status"], polled.json()["error"]) == ("CANCELLED", "Job was cancelled")


@pytest.mark.parametrize("name", ["llamacloud", "smtp", "webhook"])
async def test_emulate_can_start_each_comms_emulator(name: str) -> None:
    emulator = emulate.create(name)
    url = await emulator.start()
    try:
        assert url == emulator.base_url
        assert url.rsplit(":", 1)[1] != "0"
    finally:
        await emulator.stop()
