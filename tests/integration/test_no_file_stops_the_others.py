"""Issue 12: no file of a watched Box folder stops the others, and each trouble is mailed
once. The OTMM and Box emulators behind the real clients, on a real PostgreSQL."""

from __future__ import annotations

import pytest

from ferrero_daemon.domain import tracking_id
from ferrero_daemon.errors import AuthError, RateLimitedError, TransientError
from tests.returns_world import FakeScorer, World, mp4, scorecard


def agency_name(tid: str) -> str:
    return f"Nutella_DE_de_123_OMG999_{tid}.mp4"


def damaged(tid: str) -> str:
    return tid[:-1] + tracking_id.ALPHABET[(tracking_id.ALPHABET.index(tid[-1]) + 1) % 32]


def box_refuses_changes_to_files(w: World) -> None:
    body = {"type": "error", "status": 400, "code": "bad_request", "message": "Refused"}
    w.boxe.inject(r"/files/\d+$", method="PUT", status=400, body=body, count=1000)


async def test_a_255_character_name_sent_twice_is_set_aside_under_a_name_that_fits(
    w: World,
) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    tail = f"_OMG999_{damaged(tid)}.mp4"
    long_name = "Nutella_DE_de_123_" + "A" * (255 - len("Nutella_DE_de_123_") - len(tail)) + tail
    assert len(long_name) == 255
    w.upload(long_name)
    await w.run("a2_a3")
    # The agency uploads it again, with a valid file listed after it.
    again = w.upload(long_name, mp4(b"the same, again"))
    w.upload(agency_name(tid))

    report = await w.run("a2_a3")

    assert report.failures == []
    assert report.counts == {"set_aside": 1, "imported": 1}  # A2→A3 is off by default
    attention = w.attention_folder("a2_a3")
    assert attention is not None and w.file(again).parent_id == attention
    renamed = w.file(again).name
    assert len(renamed) <= 255 and renamed.endswith(f"_{damaged(tid)} ({again}).mp4")
    assert len(await w.emails("needs_attention_digest")) == 2  # one per run, one file each
    assert len(w.derivatives(campaign)) == 1


async def test_a_set_aside_box_refuses_is_mailed_once_skipped_then_finished(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    bad = w.upload("holiday.mov")
    w.upload(agency_name(tid))
    box_refuses_changes_to_files(w)

    first = await w.run("a2_a3")
    second = await w.run("a2_a3")  # used to fail at its start, in finish_pending

    assert first.counts == {"set_aside_failed": 1, "imported": 1}
    assert second.counts == {"set_aside_failed": 1} and second.failures == []
    assert w.file(bad).parent_id == w.folders["a2_a3"]  # left in place, not lost
    [mail] = await w.emails("needs_attention_digest")
    [entry] = mail.context["not_moved"]
    assert mail.to == "errors" and entry["file"] == "holiday.mov"
    assert "Box answered 400: bad_request" in entry["error"]
    assert "no tracking ID" in mail.text
    [row] = await w.rows("SELECT attempts, last_error, reported_at FROM attention_items")
    assert row["attempts"] == 2 and "400" in row["last_error"] and row["reported_at"] is None

    w.boxe.faults.clear()
    third = await w.run("a2_a3")

    assert third.counts == {"set_aside": 1}
    assert w.file(bad).parent_id == w.attention_folder("a2_a3")
    assert [e["file"] for e in await w.attention("set_aside")] == ["holiday.mov"]
    assert len(await w.attention("not_moved")) == 1


async def test_a_file_named_like_the_set_aside_folder_is_reported_once_and_blocks_nothing(
    w: World,
) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    blocker = w.upload("_needs_attention", b"someone's notes")
    bad = w.upload("holiday.mov")
    w.upload(agency_name(tid))

    first = await w.run("a2_a3")
    second = await w.run("a2_a3")

    assert first.failures == [] and first.counts["imported"] == 1
    assert second.failures == [] and "imported" not in second.counts
    assert len(w.derivatives(campaign)) == 1
    entries = {e["file"]: e for e in await w.attention("not_moved")}
    assert sorted(entries) == ["_needs_attention", "holiday.mov"]  # once each, over two runs
    assert len(await w.emails("needs_attention_digest")) == 1  # both in the first run's mail
    assert "may not be named like the _needs_attention" in entries["_needs_attention"]["reason"]
    assert "a file named '_needs_attention'" in entries["holiday.mov"]["error"]
    assert {f.id for f in w.files(w.folders["a2_a3"])} == {blocker, bad}

    w.boxe.store.delete(w.file(blocker))  # the operator removes it
    third = await w.run("a2_a3")

    assert third.counts == {"set_aside": 1} and third.failures == []
    assert w.file(bad).parent_id == w.attention_folder("a2_a3")


async def test_a_set_aside_folder_someone_else_made_is_used_whatever_its_case(w: World) -> None:
    made = w.boxe.create_folder(w.folders["creativex"], "_NEEDS_ATTENTION")
    bad = w.drop_scorecard("notes.docx", b"not a scorecard")

    report = await w.run("creativex")

    assert report.counts == {"set_aside": 1} and report.failures == []
    assert w.file(bad).parent_id == made.id


@pytest.mark.parametrize(
    "world_options", [{"settings": {"dam": {"derivatives_subfolder": "Localised"}}}], indirect=True
)
async def test_a_file_the_dam_fails_for_while_others_go_through_is_set_aside_after_five_runs(
    w: World,
) -> None:
    broken, fine = await w.campaign("A2"), await w.campaign("A2")
    for campaign in (broken, fine):
        w.otmm.create_folder(campaign.dam_id, "Localised")
    poison_tid, good = await w.master(broken), await w.master(fine)
    poison = w.upload(agency_name(poison_tid))
    # The DAM answers 500 for this one campaign's folder, and only for it.
    w.otmm.inject(rf"/folders/{broken.dam_id}/children", status=500, count=10_000)

    runs = []
    for country, language in (("DE", "de"), ("FR", "fr"), ("IT", "it"), ("ES", "es"), ("AT", "de")):
        w.upload(f"Nutella_{country}_{language}_123_OMG999_{good}.mp4")  # another goes through
        runs.append(await w.run("a2_a3"))

    for report in runs[:4]:
        [failure] = report.failures
        assert failure.item == agency_name(poison_tid)
        assert "OTMM answered 500" in failure.reason and "retried on the next run" in failure.reason
        assert report.counts == {"imported": 1}
    assert runs[4].failures == [] and runs[4].counts == {"set_aside": 1, "imported": 1}
    item = w.file(poison)
    assert item.parent_id == w.attention_folder("a2_a3")
    assert "failed in 5 runs; the last error: " in item.description and "500" in item.description
    [entry] = await w.attention("set_aside")
    assert "OTMM answered 500" in entry["reason"] and entry["file"] == agency_name(poison_tid)
    assert await w.rows("SELECT * FROM file_failures") == []
    assert len(await w.rows("SELECT * FROM derivative_assets WHERE tracking_id = $1", good)) == 5
    assert (await w.run("a2_a3")).counts == {}
    assert len(await w.emails("needs_attention_digest")) == 1


async def test_an_outage_of_ten_runs_sets_nothing_aside_and_everything_goes_through_after(
    w: World,
) -> None:
    campaign = await w.campaign("A2")
    w.upload(agency_name(await w.master(campaign, "Spot0.mp4")))
    assert (await w.run("a2_a3")).counts == {"imported": 1}  # the daemon was working
    files = [w.upload(agency_name(await w.master(campaign, f"Spot{n}.mp4"))) for n in (1, 2, 3, 4)]
    w.otmm.inject(r"", status=503, count=1_000_000)  # then the DAM answers 503 to everything

    runs = [await w.run("a2_a3") for _ in range(10)]

    for report in runs:
        [failure] = report.failures  # one line for the outage, not one per file
        assert failure.item == "OTMM" and "no file went through" in failure.reason
        assert "nothing is counted against the files" in failure.reason
    assert len({f"{r.failures[0].item}: {r.failures[0].reason}" for r in runs}) == 1  # one alert
    assert w.attention_folder("a2_a3") is None
    assert await w.emails("needs_attention_digest") == []
    assert all(w.file(f).parent_id == w.folders["a2_a3"] for f in files)

    w.otmm.faults.clear()
    after = await w.run("a2_a3")

    assert after.failures == [] and after.counts == {"imported": 4}
    assert len(w.derivatives(campaign)) == 5
    assert await w.rows("SELECT * FROM file_failures") == []


async def test_a_name_with_semicolons_goes_into_the_dam(w: World) -> None:
    campaign = await w.campaign("A2")
    tid = await w.master(campaign)
    name = f"Nutella;;Summer; 2026_DE_de_123_OMG999_{tid}.mp4"
    w.upload(name, mp4(b"localised bytes"))

    report = await w.run("a2_a3")

    assert report.failures == [] and report.counts == {"imported": 1}
    [asset] = w.derivatives(campaign)
    assert asset.name == name and await w.dam_bytes(asset.id) == mp4(b"localised bytes")


@pytest.mark.parametrize(
    ("error", "set_aside"),
    [
        (TransientError("LlamaCloud: HTTP 503 Service Unavailable"), True),
        (AuthError("LlamaCloud: HTTP 401; check the llama_cloud_api_key secret"), False),
        (RateLimitedError("LlamaCloud: HTTP 429"), False),
    ],
)
async def test_a_scorecard_llamacloud_keeps_failing_for_is_set_aside_unless_we_are_refused(
    w: World, error: Exception, set_aside: bool
) -> None:
    assert isinstance(w.scorer, FakeScorer)
    w.scorer.cards[b"%PDF poison"] = error
    pdf = w.drop_scorecard("Nutella_DE_de_scorecard.pdf", b"%PDF poison")

    for n in range(5):  # other scorecards go through meanwhile: LlamaCloud is up
        w.scorer.cards[f"%PDF good {n}".encode()] = scorecard(f"Spot{n}.mp4", 70.0)
        w.drop_scorecard(f"Spot{n}_scorecard.pdf", f"%PDF good {n}".encode())
        assert (await w.run("creativex")).counts.get("stored") == 1

    expected = w.attention_folder("creativex") if set_aside else w.folders["creativex"]
    assert w.file(pdf).parent_id == expected
    assert len(await w.emails("needs_attention_digest")) == int(set_aside)
