"""Issue 12's hostile corpus beyond file names: CreativeX PDFs through the real LlamaCloud
SDK and emulator, DAM metadata the master carries, and malformed DAM and Box answers.
Each case states its outcome (stored, imported, set aside with a reason, or the error
line a run reports); the test prints the table. One world per group."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ferrero_daemon.clients.creativex import CreativeXClient
from ferrero_daemon.sandbox import media
from ferrero_daemon.sandbox import scorecard as cards
from ferrero_daemon.sandbox.llamacloud import LlamaCloudEmulator
from tests import configs
from tests.fixtures.returns import WorldFactory
from tests.reliability.corpus.files import HTML, std
from tests.reliability.corpus.table import Row, print_table
from tests.returns_world import World


def _encrypted(pdf: bytes) -> bytes:
    return pdf.replace(b"trailer\n<<", b"trailer\n<< /Encrypt 99 0 R", 1)


def _card(name: str, **changes: Any) -> bytes:
    return cards.render(cards.sample(name, seed="corpus", **changes))


PDF_CASES: list[tuple[str, Callable[[str], bytes], str]] = [
    ("scorecard", _card, "stored"),
    ("scorecard-fraction-score", lambda n: _card(n, score=83.0, score_format="fraction"), "stored"),
    ("html-named-pdf", lambda n: HTML, "set aside: is an HTML page"),
    ("encrypted", lambda n: _encrypted(_card(n)), "set aside: encrypted"),
    ("truncated-pdf", cards.broken_pdf, "set aside: could not be read"),
    ("no-score", lambda n: _card(n, score_format="missing"), "set aside: no Creative Quality"),
    ("score-out-of-range", lambda n: _card(n, score=250.0), "set aside: outside 0–100"),
    (
        "two-scores",
        lambda n: _card(n, extra_lines=("Creative Quality Score: 45%",)),
        "set aside: more than one score",
    ),
]


async def _pdf_outcome(w: World, file_id: str) -> str:
    rows = await w.rows(
        "SELECT event, detail->>'reason' AS reason FROM asset_events WHERE box_file_id = $1",
        file_id,
    )
    said = {r["event"]: r["reason"] for r in rows}
    if "file_set_aside" in said:
        return f"set aside: {said['file_set_aside']}"
    return "stored" if "score_stored" in said else f"other: {sorted(said)}"


def _as_expected(expect: str, outcome: str) -> bool:
    if expect.startswith("set aside: "):
        return outcome.startswith("set aside: ") and expect[11:] in outcome
    return outcome == expect


async def test_creativex_pdfs(make_world: WorldFactory, capsys: pytest.CaptureFixture[str]) -> None:
    async with LlamaCloudEmulator() as llama:
        scorer = CreativeXClient.from_config(configs.config(emulators=[llama]))
        try:
            async with make_world(scorer=scorer) as w:
                files = {}
                for n, (case, pdf, _) in enumerate(PDF_CASES):
                    creative = f"Nutella_DE_de_5001_OMG999_{n}.mp4"
                    files[case] = w.drop_scorecard(f"{case}.pdf", pdf(creative))
                report = await w.run("creativex")
                rows: list[Row] = []
                for case, _, expect in PDF_CASES:
                    outcome = await _pdf_outcome(w, files[case])
                    rows.append((case, expect, outcome, _as_expected(expect, outcome)))
        finally:
            await scorer.aclose()
    print_table(capsys, "CreativeX corpus, every PDF in one folder, one run", rows)
    assert report.failures == [] and [r for r in rows if not r[3]] == []


# -- DAM metadata of the master, read when the stored copy lacks a mapped field -----------
BRAND, NUMBER = "FERRERO.FIELD.BRAND", "FERRERO.FIELD.CAMPAIGN_NUMBER"


def _field(field_id: str, value: Any) -> dict[str, Any]:
    inner = {"type": "string", "value": value}
    return {"type": "com.artesia.metadata.MetadataField", "id": field_id, "value": {"value": inner}}


def _table(field_id: str, rows: list[str]) -> dict[str, Any]:
    column = {
        "type": "com.artesia.metadata.MetadataField",
        "id": field_id,
        "values": [{"value": {"type": "string", "value": r}} for r in rows],
    }
    return {
        "type": "com.artesia.metadata.MetadataTableField",
        "id": f"{field_id}.TAB",
        "metadata_element_list": [column],
    }


@dataclass(frozen=True)
class MetaCase:
    id: str
    elements: list[dict[str, Any]] | None  # None: no asset in the answer at all
    expect: str  # the derivative's brand as written, or the failure line


META_CASES = [
    MetaCase("fields-missing", [], "imported, brand None"),
    MetaCase("number-not-string", [_field(BRAND, 42)], "imported, brand '42'"),
    MetaCase("empty-string", [_field(BRAND, ""), _field(NUMBER, "")], "imported, brand ''"),
    MetaCase("null-value", [_field(BRAND, None)], "imported, brand None"),
    MetaCase(  # copied as the table it is; this DAM's field is scalar and refuses it
        "tabular-where-scalar",
        [_table(BRAND, ["Nutella", "Kinder"])],
        "failed: import of",  # … "OTMM answered 400: … is scalar"; retried, then set aside
    ),
    MetaCase("no-asset-in-answer", None, "failed: OTMM answered without asset_resource.asset"),
]


async def test_dam_metadata_of_the_master(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    campaign = await w.campaign("A2", "5001")
    names = {}
    for case in META_CASES:
        tid = await w.master(campaign)
        [row] = await w.rows(
            "UPDATE master_assets SET metadata = '{\"fields\": {}}' WHERE tracking_id = $1"
            " RETURNING dam_asset_id",
            tid,
        )
        asset = {"asset_id": row["dam_asset_id"], "name": "Spot.mp4"}
        if case.elements is not None:
            asset["metadata"] = {"metadata_element_list": case.elements}
        body = {"asset_resource": {"asset": asset}} if case.elements is not None else {}
        w.otmm.inject(
            rf"/assets/{row['dam_asset_id']}$", method="GET", status=200, body=body, count=100
        )
        names[case.id] = std(tid)
        w.upload(names[case.id])

    report = await w.run("a2_a3")

    failures = {f.item: f.reason for f in report.failures}
    brands = {a.name: a.metadata.get(w.fields.brand) for a in w.derivatives(campaign)}
    rows: list[Row] = []
    for case in META_CASES:
        name = names[case.id]
        if name in brands:
            outcome = f"imported, brand {brands[name]!r}"
        else:
            outcome = f"failed: {failures.get(name, 'nothing')}"
        ok = (
            outcome.startswith(case.expect)
            if case.expect.startswith("failed")
            else (outcome == case.expect)
        )
        rows.append((case.id, case.expect, outcome, ok))
    print_table(capsys, "DAM metadata corpus, the master's fields as the DAM answers", rows)
    assert [r for r in rows if not r[3]] == []


# -- malformed DAM and Box answers ------------------------------------------------------
@dataclass(frozen=True)
class AnswerCase:
    id: str
    system: str  # "box" or "otmm"
    path: str
    method: str
    fault: dict[str, Any]
    expect: str  # part of the error line the run reports


_TRUNCATED = '{"total_count": 1, "entries": [{"type": "file", "id": "1'
ANSWER_CASES = [
    AnswerCase("box-200-html", "box", r"/folders/\d+/items$", "GET",
               {"status": 200, "raw": HTML.decode()},
               "Box answered 200 with text/html that is not JSON (it starts '<!DOCTYPE html>"),
    AnswerCase("box-500-html", "box", r"/folders/\d+/items$", "GET",
               {"status": 500, "raw": HTML.decode()}, "Box answered 500"),
    AnswerCase("box-truncated-json", "box", r"/folders/\d+/items$", "GET",
               {"status": 200, "raw": _TRUNCATED, "content_type": "application/json"},
               "Box answered 200 with application/json that is not JSON"),
    AnswerCase("box-json-list", "box", r"/folders/\d+/items$", "GET",
               {"status": 200, "raw": "[]", "content_type": "application/json"},
               "Box answered 200 with JSON list, not an object"),
    AnswerCase("box-json-wrong-type", "box", r"/folders/\d+/items$", "GET",
               {"status": 200, "raw": "not json at all", "content_type": "application/json"},
               "that is not JSON (it starts 'not json at all')"),
    AnswerCase("otmm-import-200-html", "otmm", r"/assets$", "POST",
               {"status": 200, "raw": HTML.decode()},
               "OTMM answered 200 with text/html that is not JSON"),
    AnswerCase("otmm-import-502-html", "otmm", r"/assets$", "POST",
               {"status": 502, "raw": HTML.decode()}, "OTMM answered 502: Bad Gateway"),
    AnswerCase("otmm-import-400-json", "otmm", r"/assets$", "POST",
               {"status": 400, "body": {"exception_body": {"message": "Invalid metadata"}}},
               "OTMM answered 400: Invalid metadata"),
    AnswerCase("otmm-job-truncated", "otmm", r"/jobs/[^/]+/assets$", "GET",
               {"status": 200, "raw": '{"assets_resource": {"asset_li',
                "content_type": "application/json"},
               "OTMM answered 200 with application/json that is not JSON"),
]  # fmt: skip


async def test_malformed_answers(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    campaign = await w.campaign("A2", "5001")
    rows: list[Row] = []
    for case in ANSWER_CASES:
        name = std(await w.master(campaign))
        file_id = w.upload(name, media.sample(name))
        emulator = w.boxe if case.system == "box" else w.otmm
        emulator.inject(case.path, method=case.method, count=1000, **case.fault)
        try:
            report = await w.run("a2_a3")
            line = "; ".join(f.reason for f in report.failures) or "no failure"
        except Exception as exc:  # a run that stops: the runner reports str(exc)
            line = f"{type(exc).__name__}: {exc}"
        emulator.faults.clear()
        kept = file_id in {f.id for f in w.files(w.folders["a2_a3"])}  # nothing lost meanwhile
        after = await w.run("a2_a3")  # the fault gone, the file goes in
        ok = case.expect in line and kept and after.counts.get("imported") == 1
        rows.append((case.id, case.expect, line, ok))
    print_table(capsys, "Malformed answers, each the error line a run reports", rows)
    assert [r for r in rows if not r[3]] == []
