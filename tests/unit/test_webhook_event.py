"""One webhook payload for every campaign status change, and the schema that documents it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from jsonschema import Draft202012Validator

from ferrero_daemon.config import Environment
from ferrero_daemon.domain.status_event import CampaignFigures, CampaignStatusChanged
from tests.webhook_schema import problems, schema

EVENT = CampaignStatusChanged(
    workflow="a2_a3",
    campaign_id="4961ad11",
    campaign_number="1001",
    campaign_name="Nutella Summer",
    campaign_type="Local comm",
    brand="Nutella",
    market="IT",
    old_status="A2",
    new_status="A3",
    counts=CampaignFigures(masters=3, bytes=28_835_840, versions=3, rejected=0),
    box_folder_id=None,
    timestamp="2026-06-02T10:15:00+02:00",
    environment="production",
)
REPO = Path(__file__).resolve().parents[2]
DEFINITION = schema()["$defs"]["campaign_status_changed"]


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(schema())


def test_the_event_matches_the_schema_and_says_its_version() -> None:
    payload = EVENT.to_json()
    assert problems(payload) == []
    assert (payload["schema_version"], payload["event"]) == (1, "campaign_status_changed")


def test_the_dataclass_and_the_schema_name_the_same_fields() -> None:
    fields = [f.name for f in dataclasses.fields(CampaignStatusChanged)]
    assert sorted(fields) == sorted(DEFINITION["required"]) == sorted(DEFINITION["properties"])
    counts = [f.name for f in dataclasses.fields(CampaignFigures)]
    assert sorted(counts) == sorted(DEFINITION["properties"]["counts"]["required"])


def test_the_schema_knows_every_environment() -> None:
    assert sorted(DEFINITION["properties"]["environment"]["enum"]) == sorted(Environment)


def test_a_missing_key_a_stray_key_or_a_time_without_offset_is_refused() -> None:
    payload = EVENT.to_json()
    del payload["campaign_number"]
    assert problems(payload) != []
    assert problems({**EVENT.to_json(), "campaign": "1001"}) != []
    assert problems({**EVENT.to_json(), "timestamp": "2026-06-02T10:15:00"}) != []


def test_the_example_in_deploy_readme_matches_the_schema() -> None:
    text = (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
    section = text.split("## The Make.com webhook", 1)[1]
    example = json.loads(section.split("```json", 1)[1].split("```", 1)[0])
    assert problems(example) == []
    assert example.keys() == EVENT.to_json().keys()
