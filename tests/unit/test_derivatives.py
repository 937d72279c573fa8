from __future__ import annotations

from ferrero_daemon.config import CreativeXConfig, DamConfig
from ferrero_daemon.domain import agency_names, tracking_id
from ferrero_daemon.domain.derivatives import StoredScore, best_score, derivative_metadata

TID = tracking_id.mint(b"\x09\x02\x03\x04\x05\x06\x07\x08")
DAM = DamConfig(
    base_url="http://dam",
    auth_url="http://auth",
    derivative_field_map={"M.BRAND": "D.BRAND", "M.NUMBER": "D.NUMBER", "M.ABSENT": "D.ABSENT"},
)
CX = CreativeXConfig()


def score(id: int, name: str, tid: str | None = TID, pct: float = 80.0) -> StoredScore:
    return StoredScore(id, name, tid, pct, 4, 5, "Meta", "On Track")


def test_metadata_carries_master_fields_name_and_score() -> None:
    name = agency_names.parse(f"Nutella_DE_de_123_OMG999_{TID}.mp4")
    values = derivative_metadata(
        DAM, CX, {"M.BRAND": "Nutella", "M.NUMBER": "C-77"}, name, score(1, "x")
    )
    f = DAM.fields
    assert values["D.BRAND"] == "Nutella" and values["D.NUMBER"] == "C-77"
    assert "D.ABSENT" not in values
    assert values[f.asset_role] == "Derivative"
    assert (values[f.country], values[f.language], values[f.job_number]) == ("DE", "de", "OMG999")
    assert values[f.tracking_id] == TID
    assert values[f.creativex_score] == "80%"
    assert values[f.creativex_status] == "On Track"
    assert values[f.creativex_guidelines] == "4/5"


def test_without_a_score_the_documented_defaults_go_in() -> None:
    name = agency_names.parse(f"Nutella_DE_de_123_OMG999_{TID}.mp4")
    values = derivative_metadata(DAM, CX, {}, name, None)
    assert values[DAM.fields.creativex_score] == CX.default_score
    assert values[DAM.fields.creativex_status] == CX.default_status
    assert values[DAM.fields.creativex_guidelines] is None


def test_a_score_for_another_market_of_the_same_master_does_not_match() -> None:
    key = f"nutella_de_de_123_omg999_{TID.lower()}"
    french = score(7, f"nutella_fr_fr_123_omg999_{TID.lower()}")
    german_other_name = score(5, f"nutella_de_de_9_agency2_{TID.lower()}")
    assert best_score([french], key, TID, "DE", "de") is None
    assert best_score([french, german_other_name], key, TID, "DE", "de") == german_other_name


def test_the_newest_matching_score_wins() -> None:
    key = f"nutella_de_de_123_omg999_{TID.lower()}"
    old, new = score(3, key, pct=50), score(9, key, tid=None, pct=90)
    assert best_score([old, new], key, TID, "DE", "de") == new
