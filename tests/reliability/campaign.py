"""One campaign, start to end, through the real daemon; and what must hold at the end.

The script is the one the operators and agencies play: A1→A2 delivers the masters to
Box, the agency uploads a localised version of each (and, when asked, a CreativeX
scorecard, scored by ``creativex``), A2→A3 brings them into the DAM. ``EndState`` reads
back what a person would check and ``problems`` says, in words, what does not hold.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ferrero_daemon.domain import tracking_id
from ferrero_daemon.sandbox import scorecard
from tests.reliability.world import Campaign, World

STEPS = ("a1_a2", "creativex", "a2_a3")
SCOPES = (*STEPS, "outbox")  # alert mails: one scope per job, and the outbox's given-up rows


@dataclass(frozen=True)
class Expect:
    """What the end state must be once the fault is gone."""

    alerts: dict[str, list[str]] = field(default_factory=dict)  # job -> alert mails, in order
    duplicates: int = 1  # outbox deliveries beyond one per row, at most
    scored: bool = False  # a CreativeX scorecard went through ``creativex``
    set_aside_mails: int = 0  # "Needs attention in Box" mails to the error recipients


@dataclass
class EndState:
    masters_in_box: list[str]
    master_rows: int
    masters_delivered: int
    dam_imports: list[str]
    derivative_rows: int
    left_in_a2_a3: list[str]
    set_aside: list[str]
    status_changes: list[object]
    webhook_events: Counter[str]
    mail_copies: Counter[str]
    unsent: list[str]
    alerts: dict[str, list[str]]
    set_aside_mails: list[str]
    scores: int

    def duplicates(self) -> int:
        copies = [*self.webhook_events.values(), *self.mail_copies.values()]
        return sum(n - 1 for n in copies)

    def problems(self, campaign: Campaign, expect: Expect) -> list[str]:
        """Each thing that does not hold, in words, with what was found instead."""
        n = len(campaign.masters)
        ids = [Path(m).stem.rsplit("_", 1)[-1] for m in self.masters_in_box]
        alerts = {job: seen for job, seen in self.alerts.items() if seen}
        checks = [
            (f"{n} masters in Box, each once, each with a tracking ID",
             len(set(self.masters_in_box)) == len(self.masters_in_box) == n
             and all(tracking_id.is_valid(t) for t in ids), self.masters_in_box),
            (f"{n} master_assets rows, all delivered",
             self.master_rows == self.masters_delivered == n,
             f"{self.master_rows} rows, {self.masters_delivered} delivered"),
            (f"{n} DAM imports, each once",
             len(set(self.dam_imports)) == len(self.dam_imports) == n, self.dam_imports),
            (f"{n} derivative_assets rows", self.derivative_rows == n, self.derivative_rows),
            ("nothing left in A2→A3 or set aside", not self.left_in_a2_a3 and not self.set_aside,
             f"left {self.left_in_a2_a3}, set aside {self.set_aside}"),
            ("the status changed once each way (A2, then A3)",
             self.status_changes == ["A2", "A3"], self.status_changes),
            ("one webhook event per status change", len(self.webhook_events) == 2,
             dict(self.webhook_events)),
            ("the outbox sent everything", not self.unsent, self.unsent),
            (f"at most {expect.duplicates} duplicate delivery",
             self.duplicates() <= expect.duplicates,
             f"webhooks {dict(self.webhook_events)}, mails {dict(self.mail_copies)}"),
            (f"alert mails {expect.alerts}", alerts == expect.alerts, self.alerts),
            (f"{expect.set_aside_mails} set-aside mail(s)",
             len(self.set_aside_mails) == expect.set_aside_mails, self.set_aside_mails),
            (f"{int(expect.scored)} CreativeX score", self.scores == int(expect.scored),
             self.scores),
        ]  # fmt: skip
        return [f"{what}: not so ({found})" for what, ok, found in checks if not ok]


async def end_state(world: World, campaign: Campaign) -> EndState:
    masters = await world.masters(campaign)
    outbox = await world.outbox()
    return EndState(
        masters_in_box=world.box_files("a1_a2"),
        master_rows=len(masters),
        masters_delivered=sum(r["state"] == "delivered" for r in masters),
        dam_imports=[a.name for a in world.otmm.imported()],
        derivative_rows=await world.count("SELECT count(*) FROM derivative_assets"),
        left_in_a2_a3=world.waiting_in("a2_a3"),
        set_aside=world.set_aside("a2_a3"),
        status_changes=world.status_changes(campaign),
        webhook_events=world.webhook_events(),
        mail_copies=world.mail_copies(),
        unsent=[r["dedupe_key"] for r in outbox if r["sent_at"] is None],
        alerts={scope: world.alerts(scope) for scope in SCOPES},
        set_aside_mails=[
            m.subject for m in world.smtp.messages if "Needs attention in Box" in m.subject
        ],
        scores=await world.count("SELECT count(*) FROM creativex_scores"),
    )


async def upload_scorecard(world: World, localised: str) -> None:
    pdf = scorecard.render(scorecard.sample(localised, seed="reliability"))
    world.box.create_file(
        world.box.folder_ids["creativex"], f"{Path(localised).stem}_scorecard.pdf", data=pdf
    )
