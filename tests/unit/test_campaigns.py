from __future__ import annotations

import pytest

from ferrero_daemon.config import DamConfig, DamFields
from ferrero_daemon.domain.campaigns import (
    a1_a2,
    b1_b2,
    is_master,
    master_metadata,
    read_campaign,
    select_masters,
    verdict,
)
from ferrero_daemon.domain.values import DamAsset, DamFolder, Metadata
from ferrero_daemon.errors import InvalidInputError

F = DamFields()
DAM = DamConfig(
    base_url="http://dam",
    auth_url="http://dam/token",
    client_id="x",
    derivative_field_map={"FERRERO.FIELD.JOB_NUMBER": "FERRERO.FIELD.JOB_NUMBER"},
)
A1_A2, B1_B2 = a1_a2(DAM), b1_b2(DAM)


def folder(status: str, kind: str = "Local comm", **extra: object) -> DamFolder:
    meta: dict[str, object] = {
        F.campaign_status: status,
        F.campaign_type: kind,
        F.campaign_number: "C-1",
        F.campaign_name: "Summer",
        F.brand: "Nutella",
        **extra,
    }
    return DamFolder("f1", "Summer folder", meta)  # type: ignore[arg-type]


def asset(name: str, role: object = None, **meta: object) -> DamAsset:
    values: dict[str, object] = dict(meta)
    if role is not None:
        values[F.asset_role] = role
    return DamAsset(f"id-{name}", name, "f1", 10, metadata=values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "kind", "transition", "expected"),
    [
        ("A1", "Local comm", A1_A2, "deliver"),
        (" a1 ", "local  COMM", A1_A2, "deliver"),
        ("A1", "", A1_A2, "deliver"),
        ("A10", "Local comm", A1_A2, "wrong_status"),
        ("A1", "Global comm", A1_A2, "wrong_type"),
        ("B1", "Global comm", B1_B2, "deliver"),
        ("B1", "Local comm", B1_B2, "wrong_type"),
        ("B1", "", B1_B2, "wrong_type"),
    ],
)
def test_which_campaign_qualifies(
    status: str, kind: str, transition: object, expected: str
) -> None:
    campaign = read_campaign(folder(status, kind), F)
    assert verdict(campaign, transition) == expected  # type: ignore[arg-type]


def test_a_campaign_with_two_statuses_is_unreadable() -> None:
    with pytest.raises(InvalidInputError, match="holds 2 values"):
        read_campaign(folder("A1", **{F.campaign_status: ["A1", "A2"]}), F)


def test_a_campaign_without_a_name_field_takes_the_folder_name() -> None:
    campaign = read_campaign(folder("A1", **{F.campaign_name: None}), F)
    assert campaign.label == "C-1 Summer folder"


def test_masters_carry_the_master_role_or_no_role_at_all() -> None:
    assert is_master(asset("a", "Master"), DAM)
    assert is_master(asset("b", " master "), DAM)
    assert is_master(asset("c"), DAM)
    assert is_master(asset("d", ""), DAM)
    assert not is_master(asset("e", "Derivative"), DAM)
    picked = select_masters([asset("z"), asset("B", "Master"), asset("x", "Derivative")], DAM)
    assert [a.name for a in picked] == ["B", "z"]


def test_master_metadata_keeps_what_a2_a3_copies_falling_back_to_the_campaign() -> None:
    campaign = read_campaign(folder("A1", **{F.market: "IT"}), F)
    master: Metadata = {F.brand: "Kinder", "FERRERO.FIELD.JOB_NUMBER": "OMG999"}
    meta = master_metadata(DamAsset("a1", "spot.mp4", "f1", 5, metadata=master), campaign, DAM)
    assert meta["fields"] == {
        "FERRERO.FIELD.JOB_NUMBER": "OMG999",
        F.brand: "Kinder",
        F.market: "IT",
        F.campaign_number: "C-1",
        F.campaign_name: "Summer",
    }
    assert meta["campaign"] == {
        "id": "f1",
        "number": "C-1",
        "name": "Summer",
        "type": "Local comm",
        "brand": "Nutella",
        "market": "IT",
    }
