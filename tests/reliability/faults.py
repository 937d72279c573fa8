"""The fault matrix: each outside system, each way it fails, and the end state it must leave.

A ``Cell`` names the campaign step its fault hits, how to inject the fault before that
step runs and how to clear it after (what an outage ending, or an operator fixing a
credential, does), and the end state once it is cleared (``campaign.Expect``). The
template end state: every asset once, every row, the status moved once each way, the
outbox delivered everything with at most one duplicate, one "Problem" and one
"Resolved" mail for the job the fault broke. Where that cannot be the right outcome,
the cell says what is instead, in ``defined``:

- a fault the daemon absorbs without losing a run (a token that expired, a download cut
  mid-body and resumed) must raise no alert at all;
- a mail or webhook that cannot be delivered breaks no job: no alert mail (there may be
  no way to send one), the row waits in the outbox with its backoff, and goes out once
  when the fault ends;
- refused credentials never clear by themselves: the run fails at once, without
  hammering the server, and the operator's fix (here: the emulator accepting the
  configured secret again) lets the next run finish the campaign.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ferrero_daemon.sandbox.otmm.server import CLIENT_ID
from ferrero_daemon.sandbox.webhook import HOOK_PATH
from tests.reliability.campaign import Expect
from tests.reliability.world import Campaign, World

Action = Callable[[World, Campaign], Awaitable[None]]
Check = Callable[[World, Campaign], Awaitable[list[str]]]
FOREVER = 10_000  # a fault that lasts until it is cleared

CONTENT = r"/otmmapi/v6/assets/{asset}/contents$"
STATUS_PATCH = r"/otmmapi/v6/folders/[^/]+$"
OTDS_TOKEN = r"/otdsws/oauth2/token$"
BOX_UPLOAD = r"/api/2\.0/files/content$"
BOX_DOWNLOAD = r"^/dl/"
LLAMA_FILES = r"/api/v1/files$"


async def nothing(world: World, campaign: Campaign) -> None:
    return None


async def no_problems(world: World, campaign: Campaign) -> list[str]:
    return []


def alerted(job: str) -> Expect:
    return Expect(alerts={job: ["Problem", "Resolved"]}, scored=job == "creativex")


SILENT = Expect()


@dataclass(frozen=True)
class Cell:
    system: str
    fault: str
    step: str  # a1_a2 | creativex | a2_a3: the campaign step the fault hits
    inject: Action
    clear: Action = nothing
    expect: Expect = field(default_factory=Expect)
    config: dict[str, Any] = field(default_factory=dict)
    check: Check = no_problems  # what else the cell must show (a resume, a backoff)
    lasting: str = ""  # outbox kind whose rows the fault outlasts: the clock runs through retries
    defined: str = ""  # the end state, when it is not the template
    fast: bool = False

    @property
    def id(self) -> str:
        return f"{self.system}-{self.fault}".replace(" ", "-")


# -- HTTP faults through the emulators' injector ------------------------------------------
def http(
    system: str, path: str, method: str = "*", *, first_master: bool = False, **fault: Any
) -> Action:
    async def inject(world: World, campaign: Campaign) -> None:
        where = path.format(asset=campaign.asset_ids[0]) if first_master else path
        getattr(world, system).inject(where, method=method, **fault)

    return inject


def clear_http(system: str) -> Action:
    async def clear(world: World, campaign: Campaign) -> None:
        getattr(world, system).faults.clear()

    return clear


def timeout_config(section: str) -> dict[str, Any]:
    return {section: {"timeout_seconds": 1.0}}


# -- credentials ------------------------------------------------------------------------
async def refuse_dam_secret(world: World, campaign: Campaign) -> None:
    world.otmm.auth.add_client(CLIENT_ID, "rotated-by-someone-else")


async def accept_dam_secret(world: World, campaign: Campaign) -> None:
    world.otmm.auth.add_client(CLIENT_ID, world.canaries["dam_client_secret"])


async def refuse_box_app(world: World, campaign: Campaign) -> None:
    world.box.tokens.app = dataclasses.replace(world.box.app, client_secret="rotated")


async def accept_box_app(world: World, campaign: Campaign) -> None:
    world.box.tokens.app = world.box.app


async def refuse_llama_key(world: World, campaign: Campaign) -> None:
    world.llamacloud.api_key = "llx-revoked"


async def accept_llama_key(world: World, campaign: Campaign) -> None:
    world.llamacloud.api_key = world.canaries["llama_cloud_api_key"]


async def refuse_smtp_login(world: World, campaign: Campaign) -> None:
    world.smtp.password = "changed-at-mailgun"


async def accept_smtp_login(world: World, campaign: Campaign) -> None:
    world.smtp.password = world.canaries["smtp_password"]
    await world.daemon.cli("outbox", "requeue")  # the operator's step once the secret is right


async def refuse_webhook_token(world: World, campaign: Campaign) -> None:
    world.webhook.token = "rotated-in-make"


async def accept_webhook_token(world: World, campaign: Campaign) -> None:
    world.webhook.token = world.canaries["webhook_token"]
    await world.daemon.cli("outbox", "requeue")


def asked_once(system: str, path: str) -> Check:
    """Refused credentials are not retried within a run: one refused request per run."""

    async def check(world: World, campaign: Campaign) -> list[str]:
        refused = [r for r in getattr(world, system).requests_to(path) if r.status >= 400]
        return [] if len(refused) == 1 else [f"{len(refused)} refused requests to {path}, not 1"]

    return check


def retried_after(kind: str, seconds: float) -> Check:
    """The outbox scheduled its next try no sooner than ``seconds`` after the failure."""

    async def check(world: World, campaign: Campaign) -> list[str]:
        failed = world.daemon.find("outbox_delivery_failed", kind=kind)
        if not failed:
            return [f"no failed {kind} delivery logged"]
        at = datetime.fromisoformat(failed[0]["timestamp"].replace("Z", "+00:00"))
        gap = (datetime.fromisoformat(failed[0]["retry_at"]) - at).total_seconds()
        return [] if gap >= seconds - 1 else [f"retried after {gap:.0f} s, not {seconds:g}"]

    return check


# -- absorbed faults ----------------------------------------------------------------------
async def expire_dam_tokens(world: World, campaign: Campaign) -> None:
    world.otmm.expire_tokens()


async def expire_box_tokens(world: World, campaign: Campaign) -> None:
    world.box.expire_tokens()


async def never_given_up(world: World, campaign: Campaign) -> list[str]:
    """A channel's fault never gives a row up: it went out once the channel was fixed."""
    given_up = world.daemon.find("outbox_given_up")
    return [f"{len(given_up)} rows given up"] if given_up else []


def logged(event: str) -> Check:
    async def check(world: World, campaign: Campaign) -> list[str]:
        return [] if world.daemon.find(event) else [f"no {event} in the daemon's log"]

    return check


async def error_job(world: World, campaign: Campaign) -> None:
    world.llamacloud.force_next("ERROR", "Failed to parse the document: injected", count=1)


async def return_set_aside(world: World, campaign: Campaign) -> None:
    """What the operator does once the cause is gone: move the file back, under its name."""
    folder = world.box.folder_ids["creativex"]
    for sub in world.box.store.children(folder):
        if sub.type == "folder" and sub.name == "_needs_attention":
            for file in world.box.files_in(sub.id):
                name = re.sub(r" \(\d+\)(\.\w+)$", r"\1", file.name)
                world.box.store.update(file, parent_id=folder, name=name)


async def stall_jobs(world: World, campaign: Campaign) -> None:
    world.llamacloud.pending_polls = FOREVER  # every new job stays PENDING


async def finish_jobs(world: World, campaign: Campaign) -> None:
    world.llamacloud.pending_polls = 1


DAM = [
    Cell("DAM", "5xx", "a1_a2", http("otmm", CONTENT, "GET", first_master=True, status=503, count=FOREVER),
         clear_http("otmm"), alerted("a1_a2")),
    Cell("DAM", "5xx on the status move", "a1_a2", http("otmm", STATUS_PATCH, "PATCH", status=502, count=FOREVER),
         clear_http("otmm"), alerted("a1_a2")),
    Cell("DAM", "429 Retry-After", "a1_a2", http("otmm", CONTENT, "GET", first_master=True, retry_after=120, count=FOREVER),
         clear_http("otmm"), alerted("a1_a2")),
    Cell("DAM", "timeout", "a1_a2", http("otmm", CONTENT, "GET", first_master=True, delay=3.0, count=FOREVER),
         clear_http("otmm"), alerted("a1_a2"), config=timeout_config("dam")),
    Cell("DAM", "dropped mid-body", "a1_a2", http("otmm", CONTENT, "GET", first_master=True, drop_after_bytes=20_000),
         expect=SILENT, check=logged("dam_download_resumed"),
         defined="resumed from the last byte received; no alert"),
    Cell("DAM", "expired token", "a2_a3", expire_dam_tokens, expect=SILENT,
         defined="a new token, the call repeated once; no alert"),
]  # fmt: skip

OTDS = [
    Cell("OTDS", "5xx", "a1_a2", http("otmm", OTDS_TOKEN, "POST", status=503, count=FOREVER),
         clear_http("otmm"), alerted("a1_a2")),
    Cell("OTDS", "429 Retry-After", "a1_a2", http("otmm", OTDS_TOKEN, "POST", retry_after=120, count=FOREVER),
         clear_http("otmm"), alerted("a1_a2")),
    Cell("OTDS", "timeout", "a1_a2", http("otmm", OTDS_TOKEN, "POST", delay=3.0, count=FOREVER),
         clear_http("otmm"), alerted("a1_a2"), config=timeout_config("dam")),
    Cell("OTDS", "connection dropped", "a1_a2", http("otmm", OTDS_TOKEN, "POST", drop=True, count=FOREVER),
         clear_http("otmm"), alerted("a1_a2")),
    Cell("OTDS", "refused credentials", "a1_a2", refuse_dam_secret, accept_dam_secret, alerted("a1_a2"),
         check=asked_once("otmm", OTDS_TOKEN),
         defined="the run fails at once (one token request), the next after the fix finishes"),
]  # fmt: skip

BOX = [
    Cell("Box", "5xx", "a1_a2", http("box", BOX_UPLOAD, "POST", status=500, count=FOREVER),
         clear_http("box"), alerted("a1_a2"), fast=True),
    Cell("Box", "429 Retry-After", "a1_a2", http("box", BOX_UPLOAD, "POST", retry_after=120, count=FOREVER),
         clear_http("box"), alerted("a1_a2")),
    Cell("Box", "timeout", "a1_a2", http("box", BOX_UPLOAD, "POST", delay=3.0, count=FOREVER),
         clear_http("box"), alerted("a1_a2"), config=timeout_config("box")),
    Cell("Box", "dropped mid-body", "a2_a3", http("box", BOX_DOWNLOAD, "GET", drop_after_bytes=10_000),
         expect=SILENT, check=logged("box_download_resumed"),
         defined="resumed from the last byte received; no alert"),
    Cell("Box", "expired token", "a2_a3", expire_box_tokens, expect=SILENT,
         defined="a new token, the call repeated once; no alert"),
    Cell("Box", "refused credentials", "a1_a2", refuse_box_app, accept_box_app, alerted("a1_a2"),
         check=asked_once("box", r"/oauth2/token$"),
         defined="the run fails at once (one token request), the next after the fix finishes"),
]  # fmt: skip

CHANNEL_DOWN = (
    "the job succeeds; a refused login is the channel's fault, not the message's: the rows "
    "wait (backoff capped at 5 min, never given up however long it lasts), and go out once "
    "after the fix, with no requeue; no alert"
)
OUTBOX_DEFINED = (
    "the job succeeds; the row waits in the outbox (backoff) and goes out once; no alert"
)
SMTP = [
    Cell("SMTP", "4xx reply", "a1_a2", lambda w, c: _async(w.smtp.fail_next, 1, 451), expect=SILENT,
         defined=OUTBOX_DEFINED),
    Cell("SMTP", "refused credentials", "a1_a2", refuse_smtp_login, accept_smtp_login,
         SILENT, check=never_given_up, lasting="email", defined=CHANNEL_DOWN),
]  # fmt: skip

WEBHOOK = [
    Cell("webhook", "5xx", "a1_a2", http("webhook", HOOK_PATH, "POST", status=500, count=FOREVER),
         clear_http("webhook"), SILENT, check=retried_after("webhook", 30), defined=OUTBOX_DEFINED),
    Cell("webhook", "429 Retry-After", "a1_a2", http("webhook", HOOK_PATH, "POST", retry_after=300, count=FOREVER),
         clear_http("webhook"), SILENT, check=retried_after("webhook", 300),
         defined=OUTBOX_DEFINED + "; not before its Retry-After (300 s)"),
    Cell("webhook", "timeout", "a1_a2", http("webhook", HOOK_PATH, "POST", delay=2.0, count=1),
         expect=SILENT, config=timeout_config("webhook"),
         defined=OUTBOX_DEFINED + "; the receiver may see it twice (at least once)"),
    Cell("webhook", "connection dropped", "a1_a2", http("webhook", HOOK_PATH, "POST", drop=True, count=FOREVER),
         clear_http("webhook"), SILENT, defined=OUTBOX_DEFINED),
    Cell("webhook", "refused credentials", "a1_a2", refuse_webhook_token, accept_webhook_token,
         SILENT, check=never_given_up, lasting="webhook", defined=CHANNEL_DOWN),
]  # fmt: skip

LLAMACLOUD = [
    Cell("LlamaCloud", "5xx", "creativex", http("llamacloud", LLAMA_FILES, "POST", status=500, count=FOREVER),
         clear_http("llamacloud"), alerted("creativex")),
    Cell("LlamaCloud", "429 Retry-After", "creativex", http("llamacloud", LLAMA_FILES, "POST", retry_after=120, count=FOREVER),
         clear_http("llamacloud"), alerted("creativex")),
    Cell("LlamaCloud", "timeout (job never ends)", "creativex", stall_jobs, finish_jobs,
         alerted("creativex"), config=timeout_config("creativex")),
    Cell("LlamaCloud", "connection dropped", "creativex", http("llamacloud", LLAMA_FILES, "POST", drop=True, count=FOREVER),
         clear_http("llamacloud"), alerted("creativex")),
    Cell("LlamaCloud", "job ERROR", "creativex", error_job, return_set_aside,
         Expect(scored=True, set_aside_mails=1),
         defined="the scorecard is set aside with LlamaCloud's reason (one attention mail, no "
         "alert), and scored once the operator moves it back"),
    Cell("LlamaCloud", "refused credentials", "creativex", refuse_llama_key, accept_llama_key, alerted("creativex")),
]  # fmt: skip


async def _async(function: Callable[..., object], *args: object) -> None:
    function(*args)


CELLS = [*DAM, *OTDS, *BOX, *SMTP, *WEBHOOK, *LLAMACLOUD]
