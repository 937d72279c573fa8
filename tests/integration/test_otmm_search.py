"""The OTMM emulator's ``/search/text`` on tricky conditions, over HTTP."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.sandbox.otmm.server import CLIENT_ID, OtmmEmulator

SCALAR = "com.artesia.search.SearchScalarCondition"
CONTAINS = "ARTESIA.OPERATOR.CHAR.CONTAINS"


def cond(field: str, value: str, op: str = CONTAINS, **extra: str) -> dict[str, Any]:
    return {"type": SCALAR, "metadata_field_id": field, "relational_operator_id": op,
            "value": value, **extra}  # fmt: skip


@pytest.fixture
async def http(otmm: OtmmEmulator) -> Any:
    async with httpx.AsyncClient(base_url=f"{otmm.base_url}/otmmapi/v6") as client:
        token = await client.post(
            f"{otmm.base_url}/otdsws/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                  "client_secret": otmm.client_secret},
        )  # fmt: skip
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


async def search(http: httpx.AsyncClient, conditions: list[dict[str, Any]], **params: str) -> Any:
    body = {"search_condition_list": json.dumps({"search_condition_list": {"search_condition": conditions}}),
            **params}  # fmt: skip
    response = await http.post("/search/text", data=body)
    return response


async def ids(http: httpx.AsyncClient, conditions: list[dict[str, Any]], **params: str) -> set[str]:
    response = await search(http, conditions, return_type="ids", **params)
    assert response.status_code == 200, response.text
    return set(response.json()["search_result_resource"]["search_result"]["asset_id_list"])


async def test_contains_a1_also_matches_a10_but_client_filters(
    otmm: OtmmEmulator, http: httpx.AsyncClient, dam_client: OtmmClient
) -> None:
    status = otmm.fields.campaign_status
    a1 = otmm.create_campaign("one", {status: "A1"})
    a10 = otmm.create_campaign("ten", {status: "A10"})

    assert await ids(http, [cond(status, "A1")]) == {a1, a10}  # as the real index does
    assert await ids(http, [cond(status, "A1", "ARTESIA.OPERATOR.CHAR.IS")]) == {a1}
    as_get = await http.get("/search/text", params={"search_condition_list": json.dumps(
        {"search_condition_list": {"search_condition": [cond(status, "A1")]}}), "return_type": "ids"})  # fmt: skip
    assert set(as_get.json()["search_result_resource"]["search_result"]["asset_id_list"]) == {
        a1,
        a10,
    }
    assert [f.id for f in await dam_client.find_folders({status: "A1"})] == [a1]


async def test_and_or_parentheses(otmm: OtmmEmulator, http: httpx.AsyncClient) -> None:
    f = otmm.fields
    local_a1 = otmm.create_campaign("a", {f.campaign_status: "A1", f.campaign_type: "Local comm"})
    global_b1 = otmm.create_campaign("b", {f.campaign_status: "B1", f.campaign_type: "Global comm"})
    otmm.create_campaign("c", {f.campaign_status: "B1", f.campaign_type: "Local comm"})
    local_a5 = otmm.create_campaign("d", {f.campaign_status: "A5", f.campaign_type: "Local comm"})

    # type CONTAINS Local AND (status A1 OR A5)
    local = [cond(f.campaign_type, "Local"),
             cond(f.campaign_status, "A1", relational_operator="and", left_paren="("),
             cond(f.campaign_status, "A5", relational_operator="or", right_paren=")")]  # fmt: skip
    assert await ids(http, local) == {local_a1, local_a5}
    # (type Global AND status B1) OR status A1
    mixed = [cond(f.campaign_type, "Global", left_paren="("),
             cond(f.campaign_status, "B1", relational_operator="and", right_paren=")"),
             cond(f.campaign_status, "A1", relational_operator="or")]  # fmt: skip
    assert await ids(http, mixed) == {global_b1, local_a1}
    # and binds tighter than or: A1 or B1 and Global
    precedence = [cond(f.campaign_status, "A1"),
                  cond(f.campaign_status, "B1", relational_operator="or"),
                  cond(f.campaign_type, "Global", relational_operator="and")]  # fmt: skip
    assert await ids(http, precedence) == {local_a1, global_b1}


async def test_tabular_condition_matches_within_one_row(
    otmm: OtmmEmulator, http: httpx.AsyncClient
) -> None:
    from ferrero_daemon.sandbox.otmm.store import FieldDef

    otmm.define_field(FieldDef("T.COUNTRY", "Country", "FERRERO.FG.ASSET", "tabular"))
    otmm.define_field(FieldDef("T.LANG", "Language", "FERRERO.FG.ASSET", "tabular"))
    campaign = otmm.create_campaign("c")
    it_it = otmm.create_asset(campaign, "x", {"T.COUNTRY": ["IT", "CH"], "T.LANG": ["it", "de"]})
    otmm.create_asset(campaign, "y", {"T.COUNTRY": ["IT", "CH"], "T.LANG": ["de", "it"]})

    tabular = {"type": "com.artesia.search.SearchTabularCondition", "metadata_table_id": "T",
               "tabular_field_list": [
                   {"type": "com.artesia.search.SearchTabularFieldCondition", "metadata_field_id": "T.COUNTRY",
                    "relational_operator_id": CONTAINS, "value": "IT"},
                   {"type": "com.artesia.search.SearchTabularFieldCondition", "metadata_field_id": "T.LANG",
                    "relational_operator_id": CONTAINS, "value": "it", "relational_operator": "and"}]}  # fmt: skip
    assert await ids(http, [tabular]) == {it_it}


async def test_folder_filter_restricts_to_subtree(
    otmm: OtmmEmulator, http: httpx.AsyncClient
) -> None:
    status = otmm.fields.campaign_status
    area = otmm.create_folder(otmm.campaigns_root, "Italy")
    inside = otmm.create_campaign("in", {status: "A1"}, parent_id=area)
    otmm.create_campaign("out", {status: "A1"})

    assert await ids(http, [cond(status, "A1")], folder_filter_type="all", folder_filter=area) == {
        inside
    }


async def test_paging_over_450_campaigns(
    otmm: OtmmEmulator, http: httpx.AsyncClient, dam_client: OtmmClient
) -> None:
    status = otmm.fields.campaign_status
    wanted = {otmm.create_campaign(f"c{i}", {status: "A1"}) for i in range(450)}
    for i in range(30):
        otmm.create_campaign(f"x{i}", {status: "A10"})

    first = (await search(http, [cond(status, "A1")], after="0", limit="500")).json()
    result = first["search_result_resource"]["search_result"]
    assert (result["hit_count"], result["total_hit_count"]) == (200, 480)  # capped page

    found = await dam_client.find_folders({status: "A1"})

    assert {f.id for f in found} == wanted
    assert len(otmm.requests_to("/search/text")) == 1 + 5  # 480 hits, pages of 100


async def test_bad_condition_is_a_500_exception_body(http: httpx.AsyncClient) -> None:
    response = await search(http, [cond("F", "x", "ARTESIA.OPERATOR.NOPE")])
    assert response.status_code == 500
    assert "Invalid search" in response.json()["exception_body"]["message"]
    unbalanced = await search(http, [cond("F", "x", left_paren="(")])
    assert unbalanced.status_code == 500
