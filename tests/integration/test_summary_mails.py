"""Each summary-sending workflow lists every event in exactly one mail, across runs with
nothing new and a crash in the middle of its summary (issue 15: the cursor went back to 0
on an idle run, and the next mail re-listed everything)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ferrero_daemon.clients.db import Database
from ferrero_daemon.clients.types import Email, Notifier
from ferrero_daemon.outbox.queue import Outbox
from tests.crash import Killed
from tests.returns_world import FakeScorer, QueuedMail, World, scorecard


class CrashInSummary:
    """The outbox, in a process that dies as it queues its summary mail: just before the
    INSERT (``after=False``) or just after it, before the range is closed."""

    def __init__(self, inner: Outbox, after: bool) -> None:
        self._inner, self._after = inner, after

    def within(self, tx: Database) -> Notifier:
        return self._inner.within(tx)

    async def webhook(self, key: str, event: Any) -> bool:
        return await self._inner.webhook(key, event)

    async def email(self, key: str, message: Email) -> bool:
        if ":summary:" not in key:
            return await self._inner.email(key, message)
        if not self._after:
            raise Killed(f"died before queuing {key}")
        await self._inner.email(key, message)
        raise Killed(f"died after queuing {key}, before closing its range")


def agency_name(tid: str, country: str = "DE") -> str:
    return f"Nutella_{country}_{country.lower()}_123_OMG999_{tid}.mp4"


async def new_upload(w: World, n: int) -> str:
    campaign = await w.campaign("A2")
    name = agency_name(await w.master(campaign))
    w.upload(name)
    return name


async def new_rejection(w: World, n: int) -> str:
    name = await new_upload(w, n)
    await w.run("a2_a3")
    [asset] = [a for a in w.otmm.store.nodes.values() if getattr(a, "name", None) == name]
    w.review(asset.id, {w.fields.approval: "NOT APPROVED", w.fields.comments: f"round {n}"})
    [row] = await w.rows(
        "SELECT campaign_id FROM derivative_assets WHERE original_filename = $1", name
    )
    w.otmm.store.node(row["campaign_id"]).metadata[w.fields.campaign_status] = "A5"
    return name


async def new_scorecard(w: World, n: int) -> str:
    assert isinstance(w.scorer, FakeScorer)
    pdf, data = f"scorecard_{n}.pdf", f"%PDF card {n}".encode()
    w.scorer.cards[data] = scorecard(f"Creative_{n}.mp4", 70.0 + n)
    w.drop_scorecard(pdf, data)
    return pdf


@dataclass(frozen=True)
class Summarised:
    job: str
    template: str
    work: Callable[[World, int], Awaitable[str]]  # new input; returns what the mail names
    listed: Callable[[QueuedMail], list[str]]  # what a mail names


WORKFLOWS = [
    Summarised("a2_a3", "a2_a3_uploads", new_upload,
               lambda m: [u["file"] for u in m.context["uploads"]]),
    Summarised("a5_a6", "a5_a6_rejections", new_rejection,
               lambda m: [r["file"] for r in m.context["rejections"]]),
    Summarised("creativex", "creativex_scores", new_scorecard,
               lambda m: [s["pdf"] for s in m.context["scores"]]),
]  # fmt: skip


async def cursor(w: World, job: str) -> Any:
    """Where the workflow's summary stands, as an operator reads it in workflow_state."""
    rows = await w.rows(
        "SELECT value FROM workflow_state WHERE workflow = $1 AND key = 'summary_cursor'", job
    )
    return rows[0]["value"] if rows else None


@pytest.mark.parametrize("after", [False, True], ids=["before-queue", "after-queue"])
@pytest.mark.parametrize("flow", WORKFLOWS, ids=[f.job for f in WORKFLOWS])
async def test_idle_runs_and_a_crash_mid_summary_list_each_event_in_exactly_one_mail(
    w: World, flow: Summarised, after: bool
) -> None:
    """The issue's sequence, with one more idle run before the crash: an odd number of
    idle runs is what re-listed old events (an even number hid it behind a dedupe key)."""
    done: list[str] = []
    crashing = w.services.with_(notifier=CrashInSummary(Outbox(w.db), after))
    for step in ("work", "idle", "idle", "work", "idle", "crash", "work"):
        if step == "idle":
            before = await cursor(w, flow.job)
            await w.run(flow.job)
            assert await cursor(w, flow.job) == before, "a run with nothing new moved the cursor"
            continue
        done.append(await flow.work(w, len(done) + 1))
        if step == "crash":
            with pytest.raises(Killed):
                await w.run(flow.job, services=crashing)
        else:
            await w.run(flow.job)

    mails = await w.emails(flow.template)
    assert [flow.listed(m) for m in mails] == [[name] for name in done]
