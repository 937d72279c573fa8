"""Issue 12's hostile input corpus, agency files: every case in one A2→A3 folder at once,
then each on its own, in one emulator world per mode. Each must come out as its case says
(imported, a new version, unchanged, or set aside with a given reason); nothing crashes,
nothing is lost (every file is in the DAM or in ``_needs_attention``), and no file stops
another. The test prints the corpus table."""

from __future__ import annotations

import json

import pytest

from tests.reliability.corpus.files import CASES, NUMBER, FileCase, std
from tests.reliability.corpus.table import print_table
from tests.returns_world import CampaignRef, World


class Corpus:
    def __init__(self, w: World) -> None:
        self.w = w
        self.files: dict[str, str] = {}  # case id → Box file id

    async def campaigns(self) -> tuple[CampaignRef, CampaignRef]:
        return await self.w.campaign("A2", NUMBER), await self.w.campaign("A2", "5002")

    async def stage(self, cases: tuple[FileCase, ...]) -> dict[str, str]:
        """One master per case; earlier deliveries imported first. Returns the names."""
        ours, other = await self.campaigns()
        tids = {c.id: await self.w.master(other if c.other_campaign else ours) for c in cases}
        for case in cases:
            if case.before is not None:
                self.w.upload(std(tids[case.id]), case.before)
        if any(c.before is not None for c in cases):
            await self.w.run("a2_a3")
        return {c.id: c.name(tids[c.id]) for c in cases}

    def drop(self, case: FileCase, name: str) -> None:
        self.files[case.id] = self.w.upload(name, case.data(name))

    async def outcome(self, case: FileCase) -> str:
        """What became of the case's file, from the events A2→A3 recorded for it."""
        rows = await self.w.rows(
            "SELECT event, detail::text AS detail FROM asset_events WHERE box_file_id = $1"
            " ORDER BY id",
            self.files[case.id],
        )
        said = {r["event"]: json.loads(r["detail"]) for r in rows}
        if "file_set_aside" in said:
            return f"set aside: {said['file_set_aside']['reason']}"
        for event, outcome in (
            ("derivative_versioned", "new version"),
            ("derivative_imported", "imported"),
            ("derivative_unchanged", "unchanged"),
        ):
            if event in said:
                return outcome
        return "left in place: " + ", ".join(said) if said else "nothing happened"

    def kept(self, case: FileCase, outcome: str) -> bool:
        """Nothing lost: a set-aside file is in _needs_attention; any other left Box only
        for the DAM."""
        deleted = {c.id for c in self.w.boxe.changes("deleted")}
        file_id = self.files[case.id]
        if outcome.startswith("set aside"):
            return self.w.file(file_id).parent_id == self.w.attention_folder("a2_a3")
        return file_id in deleted


def matches(case: FileCase, outcome: str) -> bool:
    if case.expect.startswith("set aside: "):
        return outcome.startswith("set aside: ") and case.expect[11:] in outcome
    return outcome == case.expect


async def check(corpus: Corpus, title: str, capsys: pytest.CaptureFixture[str]) -> None:
    rows = []
    for case in CASES:
        outcome = await corpus.outcome(case)
        ok = matches(case, outcome) and corpus.kept(case, outcome)
        rows.append((case.id, case.expect, outcome, ok))
    print_table(capsys, title, rows)
    assert [r for r in rows if not r[3]] == []


async def test_the_whole_corpus_in_one_folder(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = Corpus(w)
    names = await corpus.stage(CASES)
    for case in CASES:
        corpus.drop(case, names[case.id])

    first = await w.run("a2_a3")
    second = await w.run("a2_a3")

    assert first.failures == [] and second.failures == [] and second.counts == {}
    await check(corpus, "A2→A3 corpus, every case in one folder, one run", capsys)
    set_aside = [c for c in CASES if c.expect.startswith("set aside")]
    [mail] = await w.emails("needs_attention_digest")  # one mail for the whole run
    assert len(mail.context["set_aside"]) == len(set_aside)


async def test_the_corpus_one_case_at_a_time(w: World, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = Corpus(w)
    names = await corpus.stage(CASES)
    for case in CASES:
        corpus.drop(case, names[case.id])
        report = await w.run("a2_a3")
        assert report.failures == [], case.id
    await check(corpus, "A2→A3 corpus, one case at a time", capsys)
