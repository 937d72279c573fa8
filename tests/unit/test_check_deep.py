"""The deep check's pure parts: parsing what OTMM says, and judging it against config."""

from __future__ import annotations

import pytest

from ferrero_daemon import cli
from ferrero_daemon.checks.deep import database, fields, shapes
from ferrero_daemon.checks.deep.findings import render
from ferrero_daemon.checks.deep.vocabulary import Expectation
from ferrero_daemon.clients.box.access import FolderAccess
from ferrero_daemon.clients.otmm import wire
from ferrero_daemon.clients.otmm.inspect import Answer
from ferrero_daemon.clients.otmm.model import FieldSpec, parse_domain, parse_model
from ferrero_daemon.commands import check
from ferrero_daemon.config import DamConfig, parse_settings
from ferrero_daemon.domain.creativex_schema import EXTRACTION_SCHEMA, schema_problems
from ferrero_daemon.errors import ConfigError
from tests.configs import BASE_SETTINGS, deep_merge

STATUS = Expectation("campaign_status", "F.STATUS", "single", ("A1", "A2", "B2"), "")


def test_a_metadata_model_is_read_whatever_the_members_naming_the_domain() -> None:
    body = {"metadata_model_resource": {"metadata_model": {"id": "M", "metadata_element_list": [
        {"type": "com.artesia.metadata.MetadataFieldGroup", "id": "G", "metadata_element_list": [
            {"type": "com.artesia.metadata.MetadataField", "id": "F.STATUS", "domainId": "D.S"},
            {"type": "com.artesia.metadata.MetadataField", "id": "F.TYPE", "domain": {"id": "D.T"}},
            {"type": "com.artesia.metadata.MetadataField", "id": "F.ROLE",
             "domain_values": [{"field_value": {"value": "Master"}}, "Derivative"]},
            {"type": "com.artesia.metadata.MetadataField", "id": "F.NAME", "data_type": "CHAR"},
            {"type": "com.artesia.metadata.MetadataTableField", "id": "F.C.TAB",
             "metadata_element_list": [{"type": "com.artesia.metadata.MetadataField", "id": "F.C"}]},
        ]}]}}}  # fmt: skip
    found = {s.id: s for s in parse_model(body, "M")}
    assert (found["F.STATUS"].kind, found["F.STATUS"].domain_id) == ("domain", "D.S")
    assert found["F.TYPE"].domain_id == "D.T"
    assert found["F.ROLE"].values == ("Master", "Derivative")
    assert found["F.NAME"].kind == "scalar"
    assert found["F.C"].kind == found["F.C.TAB"].kind == "tabular"
    domain = {"lookup_domain_resource": {"lookup_domain": {"domainValues": [
        {"display_value": "A1 - ready", "field_value": {"type": "string", "value": "A1"}},
        {"display_value": "old", "expired_value": True, "field_value": {"value": "A0"}},
    ]}}}  # fmt: skip
    assert parse_domain(domain) == ("A1",)


def test_a_field_is_judged_by_existence_shape_and_pick_list() -> None:
    missing = fields.judge(STATUS, None, {}, ["M"])
    assert missing.status == "fail" and "[dam.fields] campaign_status" in missing.hint

    tabular = FieldSpec("F.STATUS", "S", "tabular", "M")
    assert "a tabular field" in fields.judge(STATUS, tabular, {}, ["M"]).seen

    pick = FieldSpec("F.STATUS", "S", "domain", "M", "D.S")
    short = fields.judge(STATUS, pick, {"D.S": ("A1", "a2 ")}, ["M"])
    assert short.status == "fail" and "lacks B2" in short.seen  # spelling tolerant, B2 missing
    assert fields.judge(STATUS, pick, {"D.S": ("A1", "A2", "B2")}, ["M"]).status == "ok"
    assert fields.judge(STATUS, pick, {"D.S": None}, ["M"]).status == "unknown"

    country = Expectation("country", "F.COUNTRY", "single", (), "country codes")
    free = fields.judge(country, FieldSpec("F.COUNTRY", "C", "domain", "M", "D.C"), {"D.C": ("DE",)}, ["M"])  # fmt: skip
    assert free.status == "unknown" and "country codes" in free.hint


def test_the_job_state_member_is_found_and_named_for_dam_wire() -> None:
    assets = Answer(200, {"assets_resource": {"asset_list": []}})
    job = Answer(200, {"job_resource": {"job": {"job_id": "7", "state": "COMPLETED"}}})
    line = shapes.judge_job("job_state", "7", job, assets)
    assert line.status == "fail" and dict(line.wire) == {"job_state_field": "state"}
    assert shapes.judge_job("state", "7", job, assets).status == "ok"
    gone = shapes.judge_job("job_state", "7", Answer(404), assets)
    assert gone.status == "unknown"


def test_write_paths_are_confirmed_refuted_or_left_open_by_options() -> None:
    allowed = Answer(405, allow=frozenset({"POST"}))
    assert shapes.judge_paths({("POST", "/assets"): allowed}).status == "ok"
    assert shapes.judge_paths({("POST", "/assets"): Answer(404)}).status == "fail"
    assert (
        shapes.judge_paths({("PUT", "/x"): Answer(405, allow=frozenset({"GET"}))}).status == "fail"
    )
    assert shapes.judge_paths({("POST", "/assets"): Answer(200)}).status == "unknown"


def test_box_rights_come_from_permissions_first_then_the_role() -> None:
    editor_but_locked = FolderAccess("1", "f", "editor", {"can_upload": True, "can_delete": False, "can_rename": True})  # fmt: skip
    assert editor_but_locked.allows("delete") is False
    assert editor_but_locked.allows("move") is False
    assert FolderAccess("1", "f", "viewer uploader", None).allows("upload") is True
    assert FolderAccess("1", "f", "viewer uploader", None).allows("delete") is False
    assert FolderAccess("1", "f", None, None).allows("upload") is None


def test_database_rights_name_what_is_lacking() -> None:
    role = {"role": "ferrero_user", "schema": "public", "schema_create": False, "createdb": False,
            "owns_database": False, "database": "t", "db_owner": "postgres", "replication": False}  # fmt: skip
    tables = [{"name": "master_assets", "kind": "r", "can_select": True, "can_insert": True,
               "can_update": False, "can_delete": True, "can_use": False}]  # fmt: skip
    daemon = database.judge_daemon(role, tables)
    assert daemon.status == "fail" and "master_assets (UPDATE)" in daemon.seen
    assert "the CREATE right on schema public" in daemon.seen
    backups = database.judge_backups(role, tables, "base")
    assert "CREATEDB" in backups.seen and "REPLICATION" in backups.seen
    assert "REPLICATION" not in database.judge_backups(role, tables, "off").seen


def test_the_agent_schema_is_compared_with_what_the_daemon_reads() -> None:
    assert schema_problems(EXTRACTION_SCHEMA) == []
    broken = {"properties": {**EXTRACTION_SCHEMA["properties"], "channel": {"type": "number"}}}
    del broken["properties"]["creative_name"]
    assert schema_problems(broken) == [
        "creative_name is missing",
        "channel may be number, the daemon reads null/string",
    ]


def test_dam_wire_defaults_are_the_old_behaviour_and_page_size_moved() -> None:
    dam = DamConfig(base_url="u", auth_url="a")
    assert (dam.wire.page_size, dam.wire.lock_conflict_statuses) == (100, [400, 409, 423])
    old = parse_settings(deep_merge(BASE_SETTINGS, {"dam": {"page_size": 40}}))
    assert old.dam.wire.page_size == 40
    with pytest.raises(ConfigError, match="domain_fields"):
        parse_settings(deep_merge(BASE_SETTINGS, {"dam": {"wire": {"domain_fields": ["status"]}}}))


def test_pick_list_values_are_written_in_the_configured_form() -> None:
    elements = wire.edited_elements({"F.S": "A2", "F.N": "x"}, {"F.S"})
    assert elements[0]["value"]["value"]["type"] == "com.artesia.metadata.DomainValue"
    assert elements[1]["value"]["value"] == {"type": "string", "value": "x"}
    assert wire.job_state({"status": "failed"}, "job_state") == "FAILED"  # the old fallback
    assert wire.job_state({"status": "failed"}, "state") == ""


def test_a_failed_line_shows_its_hint_and_the_dam_wire_value() -> None:
    line = shapes.judge_job(
        "job_state", "7",
        Answer(200, {"job_resource": {"job": {"state": "RUNNING"}}}),
        Answer(200, {"assets_resource": {"asset_list": []}}),
    )  # fmt: skip
    text = render([line])
    assert text.splitlines()[0].startswith("✗ DAM import job state")
    assert '[dam.wire] job_state_field = "state"' in text
    assert "0 passed, 1 failed, 0 to try by hand" in text


def test_a_search_answering_without_metadata_fails_instead_of_finding_nothing() -> None:
    from ferrero_daemon.checks.deep.context import DeepContext
    from ferrero_daemon.checks.deep.search import Walk, judge_status
    from ferrero_daemon.domain.values import DamFolder
    from tests import configs

    ctx = DeepContext(configs.config())
    bare = Walk(total=2, ids=["a", "b"], folders=[DamFolder("a", "1001 X"), DamFolder("b", "Y")])
    line = judge_status(ctx, "A1", bare)
    assert line.status == "fail" and "come without FERRERO.FIELD" in line.seen
    assert (
        judge_status(ctx, "A5", Walk()).seen
        == "returned 0; no campaign at A5 now, nothing more to read"
    )


@pytest.mark.parametrize(
    ("argv", "connections", "probes"),
    [
        ([], 30.0, 60.0),  # the defaults: a deep probe pages and walks, it gets longer
        (["--timeout", "5"], 5.0, 5.0),  # an operator's own limit holds for both
        (["--timeout", "90"], 90.0, 90.0),
    ],
)
def test_check_deep_honours_the_timeout_it_is_given(
    argv: list[str], connections: float, probes: float
) -> None:
    args = cli.build_parser().parse_args(["check", "--deep", *argv])
    assert (check.connection_timeout(args), check.probe_timeout(args)) == (connections, probes)
    assert "with --deep, 60 per probe" in check.TIMEOUT_HELP
