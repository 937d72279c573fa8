"""Each installation difference the emulators can play, and what ``check --deep`` says.

For every variant: the probe concerned reports ✗ (or "?" when only a write could tell)
with the hint that names the fix, and the matching setting makes it pass. Where the
deep check can only say "?", the daemon's own client is shown failing with the default
and working with the setting the hint names.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from ferrero_daemon.checks.deep.findings import Finding, passed, render
from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.errors import ConflictError, InvalidInputError, TransientError
from ferrero_daemon.sandbox.otmm.store import STATUS_DOMAIN, FieldDef
from tests import configs
from tests.fixtures.otmm import FAST
from tests.integration.deep_world import World, by_probe, world

__all__ = ["world"]
Maker = Callable[..., Awaitable[OtmmClient]]


def only(found: list[Finding], probe: str) -> Finding:
    return by_probe(found)[probe]


def failed(found: list[Finding]) -> set[str]:
    return {f.probe for f in found if f.status == "fail"}


async def test_a_lower_page_cap_that_refuses_larger_pages(world: World) -> None:
    world.otmm.set_variants(page_cap=50, refuse_large_pages=True)
    found = await world.check("local")
    line = only(found, "DAM search page size")
    assert line.status == "fail" and dict(line.wire) == {"page_size": 50}, render(found)
    assert "limit=100 refused: HTTP 400" in line.seen
    # The workflows' own listing fails the same way: the sample campaign cannot be read.
    assert failed(found) == {"DAM search page size", "sample campaign"}

    found = await world.check("local", dam={"wire": {"page_size": 50}})
    assert passed(found), render(found)


async def test_the_job_state_in_another_member(world: World) -> None:
    world.otmm.set_variants(job_state_field="state")
    found = await world.check("local")
    line = only(found, "DAM import job state")
    assert line.status == "fail" and dict(line.wire) == {"job_state_field": "state"}
    assert failed(found) == {"DAM import job state"}

    found = await world.check("local", dam={"wire": {"job_state_field": "state"}})
    assert passed(found), render(found)


async def test_a_field_missing_from_the_metadata_model(world: World) -> None:
    field_id = world.otmm.fields.creativex_guidelines
    definition = world.otmm.remove_field(field_id)
    found = await world.check("local")
    line = only(found, "DAM field creativex_guidelines")
    assert line.status == "fail" and "[dam.fields] creativex_guidelines" in line.hint
    assert failed(found) == {"DAM field creativex_guidelines", "DAM import model"}

    # This installation calls it differently: the matching [dam.fields] id passes.
    world.otmm.define_field(FieldDef("FERRERO.FIELD.CX_GUIDELINES", "CX", definition.group))
    found = await world.check(
        "local", dam={"fields": {"creativex_guidelines": "FERRERO.FIELD.CX_GUIDELINES"}}
    )
    assert passed(found), render(found)


async def test_a_status_pick_list_spelling_a_code_otherwise(world: World) -> None:
    status = world.otmm.fields.campaign_status
    domain = {("G-B2" if k == "B2" else k): v for k, v in STATUS_DOMAIN.items()}
    world.otmm.define_field(
        FieldDef(status, "Campaign Status", "FERRERO.FG.CAMPAIGN", "domain", domain)
    )
    found = await world.check("local")
    line = only(found, "DAM field campaign_status")
    assert line.status == "fail" and "lacks B2" in line.seen, render(found)
    assert "[dam.statuses]" in line.hint

    assert passed(await world.check("local", dam={"statuses": {"b2": "G-B2"}}))


async def test_the_searches_use_the_configured_status_codes(world: World) -> None:
    status = world.otmm.fields.campaign_status
    domain = {("G-B1" if k == "B1" else k): v for k, v in STATUS_DOMAIN.items()}
    world.otmm.define_field(
        FieldDef(status, "Campaign Status", "FERRERO.FG.CAMPAIGN", "domain", domain)
    )
    world.otmm.store.node(world.campaigns["global"]).metadata[status] = "G-B1"

    found = await world.check("local", dam={"statuses": {"b1": "G-B1"}})

    assert passed(found), render(found)
    lines = by_probe(found)
    assert "DAM search B1" not in lines
    assert "1 at G-B1, every one readable" in lines["DAM search G-B1"].seen


async def test_a_box_role_that_cannot_delete_or_move(world: World) -> None:
    a2_a3 = world.box.folder_ids["a2_a3"]
    world.box.set_role(a2_a3, "viewer uploader")
    found = await world.check("local")
    line = only(found, "Box folder a2_a3")
    assert line.status == "fail" and "'viewer uploader' denies move, delete" in line.seen
    assert "Editor" in line.hint
    assert failed(found) == {"Box folder a2_a3"}

    world.box.set_role(a2_a3, "editor")
    assert passed(await world.check("local"))


async def test_an_agent_schema_without_a_field_the_daemon_reads(world: World) -> None:
    agent = world.llamacloud.agent_named("Creativex-Extract")
    assert agent is not None
    schema = copy.deepcopy(agent["data_schema"])
    del schema["properties"]["score_text"]
    schema["properties"]["guidelines_met"] = {"type": "string"}
    agent["data_schema"] = schema
    line = only(await world.check("local"), "LlamaCloud agent schema")
    assert line.status == "fail"
    assert "score_text is missing" in line.seen and "guidelines_met may be string" in line.seen


# -- what only a write shows: "?" from the deep check, the setting proven on the client ----


@pytest.fixture
async def dam(world: World) -> AsyncIterator[Maker]:
    clients: list[OtmmClient] = []

    async def make(**wire: Any) -> OtmmClient:
        config = configs.config({"dam": {"wire": wire}}, emulators=[world.otmm])
        client = OtmmClient.from_config(config, **FAST | {"job_timeout": 0.5})
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def _content(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_lock_contention_answered_400(world: World, dam: Maker) -> None:
    world.otmm.set_variants(lock_conflict_status=400)
    line = only(await world.check("local"), "DAM lock contention")
    assert line.status == "unknown" and "lock_conflict_statuses" in line.hint

    campaign = world.campaigns["local"]
    world.otmm.lock_as_other_user(campaign)
    status = {world.otmm.fields.campaign_status: "A2"}
    with pytest.raises(InvalidInputError):  # a setting without 400 mistakes it for bad input
        await (await dam(lock_conflict_statuses=[409])).update_folder_metadata(campaign, status)
    with pytest.raises(ConflictError):  # the default (and any list with 400) sees the lock
        await (await dam()).update_folder_metadata(campaign, status)


async def test_a_check_in_that_needs_a_lock(world: World, dam: Maker) -> None:
    world.otmm.set_variants(checkin_needs_lock=True)
    line = only(await world.check("local"), "DAM check-in flow")
    assert line.status == "unknown" and 'checkin_flow = "checkout_lock"' in line.hint

    asset = world.otmm.create_asset(world.campaigns["review"], "Rocher_FR_fr.mp4", size=4)
    with pytest.raises(InvalidInputError, match='checkin_flow = "checkout_lock"'):
        await (await dam()).check_in_version(asset, "Rocher_FR_fr.mp4", 3, _content(b"new"))
    assert world.otmm.node(asset).checked_out_by is None  # released again

    version = await (await dam(checkin_flow="checkout_lock")).check_in_version(
        asset, "Rocher_FR_fr.mp4", 3, _content(b"new")
    )
    assert version.version == 2


async def test_a_failed_import_is_noticed_only_with_the_right_job_state_field(
    world: World, dam: Maker
) -> None:
    world.otmm.set_variants(job_state_field="state")
    folder = world.campaigns["review"]
    world.otmm.fail_next_jobs(2, "Import failed: storage full.")
    with pytest.raises(TransientError, match="still running"):  # waits out its timeout
        await (await dam()).import_asset(folder, "a.mp4", 3, _content(b"abc"), {})
    with pytest.raises(InvalidInputError, match="storage full"):  # fails at once, as it should
        await (await dam(job_state_field="state")).import_asset(
            folder, "a.mp4", 3, _content(b"abc"), {}
        )
