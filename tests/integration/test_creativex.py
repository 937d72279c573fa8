"""CreativeX through the REAL llama-cloud-services SDK and the LlamaCloud emulator.

Every test here imports the SDK (about 3 s, once per test process); the tests that
need no extraction live elsewhere and must not import it.
"""

from __future__ import annotations

import asyncio
import warnings

import pytest

from ferrero_daemon.clients.creativex import CreativeXClient
from ferrero_daemon.errors import (
    AuthError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    TransientError,
)
from ferrero_daemon.sandbox import scorecard
from ferrero_daemon.sandbox.llamacloud import AGENT_NAME, LlamaCloudEmulator
from tests import configs

SPOT = "DE_de_Summer_15s_v3.mp4"


async def test_the_real_sdk_gets_the_agent_and_extracts_a_scorecard(
    llamacloud: LlamaCloudEmulator,
) -> None:
    warnings.filterwarnings("ignore", message=r"This package \(llama-cloud-services\)")
    from llama_cloud_services import LlamaExtract, SourceText

    extract = LlamaExtract(
        api_key=llamacloud.api_key, base_url=llamacloud.base_url, show_progress=False
    )
    agent = await asyncio.to_thread(extract.get_agent, name=AGENT_NAME)
    agent.check_interval = 0.02
    spec = scorecard.sample(SPOT, channel="TikTok")
    run = await agent.aextract(SourceText(file=scorecard.render(spec), filename="DE_de_x.pdf"))
    await extract._httpx_client.aclose()

    assert run.status == "SUCCESS"
    assert run.data["creative_name"] == SPOT
    assert run.data["creative_quality_score"] == spec.cqs_pct
    assert run.data["channel"] == "TikTok"
    assert agent.data_schema["required"][0] == "creative_name"
    assert [(r.method, r.path) for r in llamacloud.requests] == [
        ("GET", f"/api/v1/extraction/extraction-agents/by-name/{AGENT_NAME}"),
        ("POST", "/api/v1/files"),
        ("POST", "/api/v1/extraction/jobs"),
        ("GET", "/api/v1/extraction/jobs/job_000003"),
        ("GET", "/api/v1/extraction/jobs/job_000003"),
        ("GET", "/api/v1/extraction/runs/by-job/job_000003"),
    ]
    (stored,) = llamacloud.files.values()
    assert (stored.name, stored.external_file_id) == ("DE_de_x.pdf", "DE_de_x.pdf")


async def test_a_scorecard_becomes_a_validated_score(
    creativex_client: CreativeXClient, llamacloud: LlamaCloudEmulator
) -> None:
    first = scorecard.sample(SPOT)
    other = scorecard.sample("FR_fr_Hiver_30s.mp4", score_format="fraction")
    assert first.cqs_pct != other.cqs_pct
    card = await creativex_client.extract(scorecard.render(first), "DE_de_Summer.pdf")
    card2 = await creativex_client.extract(scorecard.render(other), "/tmp/box/FR_fr_Hiver")
    assert (card.creative_name, card.cqs_pct) == (SPOT, first.cqs_pct)
    assert (card.guidelines_met, card.guidelines_total) == (first.met, first.total)
    assert card.channel == "Meta"
    assert card.data["llama_job_id"] in llamacloud.jobs
    assert card.data["pdf_name"] == "DE_de_Summer.pdf"
    assert card.data["brand"] == "Nutella"
    assert card2.cqs_pct == pytest.approx(other.cqs_pct, abs=0.5)  # the fraction, ×100
    assert [f.name for f in llamacloud.files.values()] == ["DE_de_Summer.pdf", "FR_fr_Hiver.pdf"]
    lookups = llamacloud.requests_to("/by-name/")
    assert len(lookups) == 1  # the agent is looked up once


async def test_printed_counts_that_disagree_are_flagged(creativex_client: CreativeXClient) -> None:
    spec = scorecard.sample(SPOT, printed_met=1)
    card = await creativex_client.extract(scorecard.render(spec), "x.pdf")
    assert card.guidelines_met == spec.met
    assert card.warnings[0].startswith("printed guidelines met 1")


async def test_an_unreadable_pdf_ends_the_job_in_error_not_in_an_exception_from_the_sdk(
    creativex_client: CreativeXClient, llamacloud: LlamaCloudEmulator
) -> None:
    with pytest.raises(InvalidInputError, match=r"'broken.pdf'.*ended ERROR.*truncated PDF"):
        await creativex_client.extract(scorecard.broken_pdf(), "broken.pdf")
    (job,) = llamacloud.jobs.values()
    assert job.status == "ERROR"


async def test_a_pdf_without_a_score_is_refused(creativex_client: CreativeXClient) -> None:
    spec = scorecard.sample(SPOT, score_format="missing")
    with pytest.raises(InvalidInputError, match=r"scorecard 'x.pdf': no Creative Quality Score"):
        await creativex_client.extract(scorecard.render(spec), "x.pdf")


async def test_a_cancelled_job_is_refused(
    creativex_client: CreativeXClient, llamacloud: LlamaCloudEmulator
) -> None:
    llamacloud.force_next("CANCELLED")
    with pytest.raises(InvalidInputError, match="Job was cancelled"):
        await creativex_client.extract(scorecard.render(scorecard.sample(SPOT)), "x.pdf")


async def test_a_job_cancelled_while_pending_is_refused(
    creativex_client: CreativeXClient, llamacloud: LlamaCloudEmulator
) -> None:
    llamacloud.pending_polls = 1000
    task = asyncio.create_task(
        creativex_client.extract(scorecard.render(scorecard.sample(SPOT)), "x.pdf")
    )
    async with asyncio.timeout(5):
        while not llamacloud.jobs or next(iter(llamacloud.jobs.values())).polls == 0:
            await asyncio.sleep(0)  # yield to the client until its job is being polled
    llamacloud.cancel(next(iter(llamacloud.jobs)))
    with pytest.raises(InvalidInputError, match="ended ERROR"):
        await task


async def test_probe_names_the_agent(
    creativex_client: CreativeXClient, llamacloud: LlamaCloudEmulator
) -> None:
    agent = llamacloud.agent_named(AGENT_NAME)
    assert agent is not None
    assert await creativex_client.probe() == (
        f"agent 'Creativex-Extract' found ({agent['id']}) at {llamacloud.base_url}"
    )


async def test_a_wrong_api_key_is_an_auth_error(llamacloud: LlamaCloudEmulator) -> None:
    client = CreativeXClient.from_config(
        configs.config(emulators=[llamacloud], secrets={"llama_cloud_api_key": "llx-wrong-key"})
    )
    with pytest.raises(AuthError, match="answered 401") as caught:
        await client.probe()
    assert "llama_cloud_api_key" in caught.value.hint
    assert "llx-wrong-key" not in str(caught.value)
    await client.aclose()


async def test_an_unknown_agent_is_not_found(llamacloud: LlamaCloudEmulator) -> None:
    client = CreativeXClient.from_config(
        configs.config(emulators=[llamacloud], overrides={"creativex": {"agent_name": "Nope"}})
    )
    with pytest.raises(NotFoundError, match="answered 404") as caught:
        await client.probe()
    assert caught.value.hint.startswith("does the extraction agent 'Nope' exist? check [creativex]")
    await client.aclose()


@pytest.mark.parametrize(
    ("fault", "error", "match"),
    [
        ({"status": 500}, TransientError, "answered 500"),
        ({"status": 429}, RateLimitedError, "answered 429"),
        ({"drop": True}, TransientError, "connection to LlamaCloud .* lost"),
    ],
)
async def test_each_fault_on_upload_reaches_the_client(
    creativex_client: CreativeXClient,
    llamacloud: LlamaCloudEmulator,
    fault: dict[str, object],
    error: type[Exception],
    match: str,
) -> None:
    llamacloud.inject("^/api/v1/files$", method="POST", **fault)  # type: ignore[arg-type]
    with pytest.raises(error, match=match):
        await creativex_client.extract(scorecard.render(scorecard.sample(SPOT)), "x.pdf")
    card = await creativex_client.extract(scorecard.render(scorecard.sample(SPOT)), "x.pdf")
    assert card.creative_name == SPOT  # the fault was for one request only


async def test_llamacloud_down_after_start_is_transient(
    creativex_client: CreativeXClient, llamacloud: LlamaCloudEmulator
) -> None:
    await creativex_client.extract(scorecard.render(scorecard.sample(SPOT)), "x.pdf")
    await llamacloud.stop()
    with pytest.raises(TransientError, match="unreachable"):
        await creativex_client.extract(scorecard.render(scorecard.sample(SPOT)), "x.pdf")


async def test_probe_fails_fast_when_llamacloud_is_down(llamacloud: LlamaCloudEmulator) -> None:
    client = CreativeXClient.from_config(configs.config(emulators=[llamacloud]))
    await llamacloud.stop()
    async with asyncio.timeout(5):  # get_agent would retry for about 20 s
        with pytest.raises(TransientError, match="unreachable"):
            await client.probe()
    await client.aclose()


async def test_a_pdf_name_with_semicolons_reaches_llamacloud_whole(
    creativex_client: CreativeXClient, llamacloud: LlamaCloudEmulator
) -> None:
    card = await creativex_client.extract(scorecard.render(scorecard.sample(SPOT)), "DE;;de; x.pdf")

    assert card.creative_name == SPOT
    assert [f.name for f in llamacloud.files.values()] == ["DE;;de; x.pdf"]
