"""The whole lifecycle of a campaign, played against the local emulators.

``ferrero-daemon sandbox`` starts the stack (``stack.py``), then the real daemon as a
child process, and drives it the way operators, agencies and reviewers would: every
operator step is the real CLI (``config``, ``migrate``, ``check``, ``trigger --wait``,
``status``, ``backup``, ``report``), every agency or reviewer step is a change made
in the emulated Box or DAM. Each step checks what a person would check and prints one
line; the first failed step stops the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from ferrero_daemon.domain import tracking_id
from ferrero_daemon.sandbox import scorecard
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.daemon_process import DaemonProcess
from ferrero_daemon.sandbox.llamacloud import LlamaCloudEmulator
from ferrero_daemon.sandbox.otmm.server import OtmmEmulator
from ferrero_daemon.sandbox.smtp import SmtpEmulator
from ferrero_daemon.sandbox.stack import SandboxStack
from ferrero_daemon.sandbox.webhook import WebhookReceiver

MB = 1024 * 1024
# What the lifecycle did, as `report --json` must count it: one thing per thing.
REPORT_FIGURES = {
    ("a1_a2", "masters_delivered"): 3,
    ("b1_b2", "masters_delivered"): 2,
    ("a2_a3", "new_assets"): 3,
    ("a2_a3", "new_versions"): 1,
    ("a2_a3", "set_aside"): 1,
    ("creativex", "scorecards_scored"): 1,
    ("a5_a6", "rejections_returned"): 1,
}


async def table_digests(conn: asyncpg.Connection) -> dict[str, str]:
    """Every table of the schema: its rows (COPY, sorted) hashed, to tell if anything changed."""
    tables = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
    )
    found = {}
    for row in tables:
        out = io.BytesIO()
        await conn.copy_from_table(row["tablename"], output=out)
        lines = sorted(out.getvalue().splitlines())
        digest = hashlib.sha1(b"\n".join(lines), usedforsecurity=False).hexdigest()
        found[row["tablename"]] = f"{len(lines)}:{digest}"
    return found


class StepFailed(Exception):
    """A lifecycle step did not see what it expected."""


@dataclass
class StepResult:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class Cli:
    """The real command line, as an operator types it."""

    config: Path
    env: dict[str, str]
    transcript: list[str] = field(default_factory=list)

    async def __call__(
        self, *args: str, ok_codes: tuple[int, ...] = (0,), stdout_only: bool = False
    ) -> str:
        """The command's output (stdout and stderr, or stdout alone: a JSON document)."""
        stderr = asyncio.subprocess.PIPE if stdout_only else asyncio.subprocess.STDOUT
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ferrero_daemon", *args, "--config", str(self.config),
            env=self.env, stdout=asyncio.subprocess.PIPE, stderr=stderr,
            stdin=asyncio.subprocess.DEVNULL, start_new_session=True,  # Ctrl-C is the sandbox's
        )  # fmt: skip
        try:
            out, err = await process.communicate()
        except BaseException:  # the sandbox is stopping (a signal): no command outlives it
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise
        text = out.decode(errors="replace")
        errors = (err or b"").decode(errors="replace")
        self.transcript.append(f"$ ferrero-daemon {' '.join(args)}\n{text}{errors}")
        if process.returncode not in ok_codes:
            raise StepFailed(
                f"`ferrero-daemon {' '.join(args)}` exited {process.returncode}: "
                f"{(text + errors).strip()[-600:]}"
            )
        return text


@dataclass
class Lifecycle:
    stack: SandboxStack
    cli: Cli
    keep_running: bool = False
    daemon: DaemonProcess | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        """Stop the daemon if one runs (the end, Ctrl-C, SIGTERM, ``sandbox --stop``)."""
        if self.daemon is not None:
            daemon, self.daemon = self.daemon, None
            await daemon.stop()
        self.stack.daemon_pid_file.unlink(missing_ok=True)

    # -- emulators, typed ------------------------------------------------------------
    @property
    def otmm(self) -> OtmmEmulator:
        emulator = self.stack.emulators["otmm"]
        assert isinstance(emulator, OtmmEmulator)
        return emulator

    @property
    def box(self) -> BoxEmulator:
        emulator = self.stack.emulators["box"]
        assert isinstance(emulator, BoxEmulator)
        return emulator

    @property
    def smtp(self) -> SmtpEmulator:
        emulator = self.stack.emulators["smtp"]
        assert isinstance(emulator, SmtpEmulator)
        return emulator

    @property
    def webhook(self) -> WebhookReceiver:
        emulator = self.stack.emulators["webhook"]
        assert isinstance(emulator, WebhookReceiver)
        return emulator

    @property
    def llamacloud(self) -> LlamaCloudEmulator:
        emulator = self.stack.emulators["llamacloud"]
        assert isinstance(emulator, LlamaCloudEmulator)
        return emulator

    @property
    def fields(self) -> Any:
        return self.otmm.fields

    def folder(self, key: str) -> str:
        folder_id: str = self.box.folder_ids[key]
        return folder_id

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        pg = self.stack.postgres
        assert pg is not None
        conn = await asyncpg.connect(host=pg.host, port=pg.port, user=pg.user, database=pg.database)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def wait_mail(self, count: int, timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            await self.smtp.wait_for(count)

    # -- the steps ---------------------------------------------------------------------
    def steps(self) -> list[tuple[str, Callable[[], Awaitable[str]]]]:
        kept = [("daemon running for you (READY=1)", self.start_daemon)]
        return [
            ("configuration is valid", self.validate_config),
            ("schema migrated", self.migrate),
            ("every connection checks out", self.check),
            ("campaigns seeded in the DAM", self.seed),
            ("deep check passes, changes nothing", self.deep_check),
            ("daemon started (READY=1)", self.start_daemon),
            ("status lists every job", self.status),
            ("A1→A2 dry run changes nothing", self.a1_a2_dry_run),
            ("A1→A2 delivers the local masters", self.a1_a2),
            ("B1→B2 delivers the global masters", self.b1_b2),
            ("agency uploads localised versions", self.agency_uploads),
            ("CreativeX scorecard scored", self.creativex),
            ("A2→A3 brings the versions into the DAM", self.a2_a3),
            ("reviewers reject one version (A5)", self.review),
            ("A5→A6 sends the rejection back", self.a5_a6),
            ("re-delivery becomes a new version", self.redelivery),
            ("backup taken and verified", self.backup),
            ("report --json counts each thing once", self.report),
            ("reload on SIGHUP", self.reload),
            ("clean stop on SIGTERM", self.stop_daemon),
            *(kept if self.keep_running else []),
        ]

    async def validate_config(self) -> str:
        await self.cli("config")
        return f"{self.stack.config_path}"

    async def migrate(self) -> str:
        return (await self.cli("migrate")).strip().splitlines()[-1]

    async def check(self) -> str:
        out = await self.cli("check", "--auth-pfx", "--send-test-email", "--send-test-webhook")
        if not any(line.startswith("✓ DAM mTLS") for line in out.splitlines()):
            raise StepFailed(f"`check --auth-pfx` did not pass the DAM mTLS check:\n{out}")
        return out.strip().splitlines()[-1] + " (DAM mTLS with the .pfx included)"

    async def seed(self) -> str:
        f = self.fields
        self.facts["local"] = self._campaign("1001", "Nutella Summer", "A1", "Local comm",
                                             [("Summer_15s.mp4", 3 * MB), ("Summer_30s.mp4", 24 * MB),
                                              ("Summer Key Visual.jpg", MB // 2)])  # fmt: skip
        self.facts["global"] = self._campaign("2001", "Kinder Global", "B1", "Global comm",
                                              [("Kinder_Hero.mp4", 2 * MB), ("Kinder_Cutdown.mp4", MB)])  # fmt: skip
        self.facts["stray"] = self._campaign(
            "3001", "Ferrero Rocher", "B1", "Local comm", [("Rocher.mp4", MB)]
        )
        # At A10: the A1 search (CONTAINS) finds it too, and the workflow filters it out.
        self.facts["archived"] = self._campaign(
            "1010", "Nutella Winter", "A10", "Local comm", [("Winter.mp4", MB)]
        )
        del f
        return (
            "local 1001 at A1 (3 masters, one of 24 MB), global 2001 at B1 (2), local 3001 at "
            "B1 (left alone), local 1010 at A10 (archived)"
        )

    async def deep_check(self) -> str:
        before = await self.state()
        out = await self.cli("check", "--deep", "--campaign", self.facts["local"])
        if await self.state() != before:
            raise StepFailed("`check --deep` changed an emulator or the database")
        self.facts["deep_check"] = out
        return out.strip().splitlines()[-1] + "; nothing changed"

    async def state(self) -> dict[str, Any]:
        """Everything a read-only command must leave as it was."""
        pg = self.stack.postgres
        assert pg is not None
        conn = await asyncpg.connect(host=pg.host, port=pg.port, user=pg.user, database=pg.database)
        try:
            digest = await table_digests(conn)
        finally:
            await conn.close()
        return {
            "otmm": self.otmm.snapshot(),
            "box": self.box.snapshot(),
            "llamacloud": (len(self.llamacloud.files), len(self.llamacloud.jobs)),
            "mails": len(self.smtp.messages),
            "webhooks": len(self.webhook.posts),
            "database": digest,
        }

    def _campaign(
        self, number: str, name: str, status: str, kind: str, masters: list[tuple[str, int]]
    ) -> str:
        f = self.fields
        campaign = self.otmm.create_campaign(f"{number} {name}", {
            f.campaign_status: status, f.campaign_type: kind, f.campaign_number: number,
            f.campaign_name: name, f.brand: name.split(maxsplit=1)[0], f.market: "IT",
        })  # fmt: skip
        for i, (file, size) in enumerate(masters):
            self.otmm.create_asset(
                campaign, file, {f.asset_role: "Master"}, size=size, seed=int(number) + i
            )
        return campaign

    def status_of(self, key: str) -> Any:
        return self.otmm.metadata(self.facts[key])[self.fields.campaign_status]

    async def start_daemon(self) -> str:
        log = self.stack.workdir / "daemon.log"
        self.daemon = DaemonProcess(self.stack.config_path, self.stack.daemon_env(), log)
        await self.daemon.start(timeout=90)
        assert self.daemon.process is not None
        self.stack.daemon_pid_file.write_text(f"{self.daemon.process.pid}\n", encoding="utf-8")
        ready = next(m for m in self.daemon.notify.messages if m.get("READY") == "1")
        return ready.get("STATUS", "ready")

    async def status(self) -> str:
        out = await self.cli("status")
        missing = [
            job for job in ("a1_a2", "a2_a3", "a5_a6", "b1_b2", "creativex") if job not in out
        ]
        if missing:
            raise StepFailed(f"status does not list {missing}:\n{out}")
        return f"{len(out.strip().splitlines())} lines, every job listed"

    def box_tree(self, key: str) -> dict[str, list[str]]:
        tree: dict[str, list[str]] = {}
        for sub in self.box.store.children(self.folder(key)):
            if sub.type == "folder":
                tree[sub.name] = sorted(f.name for f in self.box.files_in(sub.id))
        return tree

    async def a1_a2_dry_run(self) -> str:
        before = len(self.box.changes())
        await self.cli("trigger", "a1_a2", "--dry-run", "--wait")
        if len(self.box.changes()) != before or self.status_of("local") != "A1":
            raise StepFailed("the dry run changed Box or the DAM")
        return "nothing uploaded, campaign still at A1"

    async def a1_a2(self) -> str:
        mails = len(self.smtp.messages)
        await self.cli("trigger", "a1_a2", "--wait")
        if self.status_of("local") != "A2":
            raise StepFailed(f"campaign 1001 is at {self.status_of('local')}, not A2")
        files = [n for names in self.box_tree("a1_a2").values() for n in names]
        ids = [Path(n).stem.rsplit("_", 1)[-1] for n in files]
        if len(files) != 3 or not all(tracking_id.is_valid(t) for t in ids):
            raise StepFailed(f"expected 3 files with tracking IDs in Box, found {files}")
        await self.wait_mail(mails + 1)
        rows = await self.sql("SELECT tracking_id, original_filename, box_filename FROM master_assets "
                              "WHERE local_campaign_id = '1001'")  # fmt: skip
        self.facts["masters"] = {r["original_filename"]: r for r in rows}
        return f"{len(files)} files in Box ({', '.join(files)}), status A2, mail and webhook sent"

    async def b1_b2(self) -> str:
        hooks = len(self.webhook.posts)
        await self.cli("trigger", "b1_b2", "--wait")
        files = [n for names in self.box_tree("b1_b2").values() for n in names]
        if (
            self.status_of("global") != "B2"
            or not all("MASTERS_" in n for n in files)
            or len(files) != 2
        ):
            raise StepFailed(f"global campaign at {self.status_of('global')}, Box files {files}")
        if self.status_of("stray") != "B1":
            raise StepFailed("the B1 campaign of type 'Local comm' was touched")
        await asyncio.sleep(0)  # webhook events go out from the outbox: none is due for B1→B2
        if any(p.body.get("new_status") == "B2" for p in self.webhook.posts[hooks:]):
            raise StepFailed("B1→B2 sent a webhook")
        return f"{', '.join(files)}; status B2; the local B1 campaign left alone"

    def localised_name(self, master: str, country: str, language: str) -> str:
        row = self.facts["masters"][master]
        ext = Path(master).suffix
        return f"Nutella_{country}_{language}_1001_OMG999_{row['tracking_id']}{ext}"

    async def agency_uploads(self) -> str:
        folder = self.folder("a2_a3")
        names = [self.localised_name("Summer_15s.mp4", "DE", "de"),
                 self.localised_name("Summer_30s.mp4", "DE", "de"),
                 self.localised_name("Summer_15s.mp4", "FR", "fr")]  # fmt: skip
        for i, name in enumerate(names):
            self.box.create_file(folder, name, size=(i + 1) * MB, seed=500 + i)
        typo = names[0].replace("_DE_de_", "_AT_de_")[:-5]
        bad = typo[:-1] + ("0" if typo[-1] != "0" else "1") + ".mp4"  # a wrong check character
        self.box.create_file(folder, bad, size=MB, seed=900)
        self.facts["localised"], self.facts["typo"] = names, bad
        return f"{len(names)} localised files and one with a mistyped tracking ID in A2→A3"

    async def creativex(self) -> str:
        name = self.facts["localised"][0]
        pdf = scorecard.render(scorecard.sample(name, seed="sandbox"))
        self.box.create_file(self.folder("creativex"), f"{Path(name).stem}_scorecard.pdf", data=pdf)
        await self.cli("trigger", "creativex", "--wait")
        rows = await self.sql("SELECT asset_filename, cqs_pct FROM creativex_scores")
        if len(rows) != 1 or self.box.files_in(self.folder("creativex")):
            raise StepFailed(f"expected one score and an empty CreativeX folder, found {rows}")
        return f"{rows[0]['asset_filename']}: {rows[0]['cqs_pct']:g}%; PDF deleted from Box"

    async def a2_a3(self) -> str:
        await self.cli("trigger", "a2_a3", "--wait", ok_codes=(0, 2))
        rows = await self.sql(
            "SELECT original_filename, dam_asset_id, cqs_pct FROM derivative_assets"
        )
        if len(rows) != 3 or self.status_of("local") != "A3":
            raise StepFailed(f"derivatives {len(rows)}, campaign at {self.status_of('local')}")
        left = [f.name for f in self.box.files_in(self.folder("a2_a3"))]
        aside = [f.name for sub in self.box.store.children(self.folder("a2_a3")) if sub.type == "folder"
                 for f in self.box.files_in(sub.id)]  # fmt: skip
        if left or aside != [self.facts["typo"]]:
            raise StepFailed(f"left in A2→A3: {left}; set aside: {aside}")
        scored = sum(r["cqs_pct"] is not None for r in rows)
        self.facts["derivatives"] = {r["original_filename"]: r["dam_asset_id"] for r in rows}
        return f"3 derivatives in the DAM ({scored} with a CreativeX score), status A3; the typo set aside"

    async def review(self) -> str:
        f = self.fields
        rejected = self.facts["derivatives"][self.facts["localised"][1]]
        for asset_id in self.facts["derivatives"].values():
            self.otmm.node(asset_id).metadata[f.approval] = "APPROVED"
        self.otmm.node(rejected).metadata[f.approval] = "NOT APPROVED"
        self.otmm.node(rejected).metadata[f.comments] = (
            "Logo too small in the last frame; use the 2026 end card."
        )
        self.otmm.node(self.facts["local"]).metadata[f.campaign_status] = "A5"
        self.facts["rejected"] = rejected
        return f"{self.facts['localised'][1]} NOT APPROVED, campaign at A5"

    async def a5_a6(self) -> str:
        await self.cli("trigger", "a5_a6", "--wait")
        if self.status_of("local") != "A6":
            raise StepFailed(f"campaign at {self.status_of('local')}, not A6")
        rejected = [
            n for sub, names in self.box_tree("a1_a2").items() for n in names if "REJECTED" in sub
        ]
        rejected += [f.name for sub in self.box.store.children(self.folder("a1_a2")) if sub.type == "folder"
                     for r in self.box.store.children(sub.id) if r.type == "folder" and r.name == "REJECTED"
                     for f in self.box.files_in(r.id)]  # fmt: skip
        if not any(n.endswith(".comments.txt") for n in rejected):
            raise StepFailed(f"no rejected file with its comments in Box: {rejected}")
        return f"{', '.join(sorted(set(rejected)))}; status A6"

    async def redelivery(self) -> str:
        name = self.facts["localised"][1]
        self.box.create_file(self.folder("a2_a3"), name, size=3 * MB, seed=777)
        await self.cli("trigger", "a2_a3", "--wait")
        versions = self.otmm.versions(self.facts["rejected"])
        count = (await self.sql("SELECT count(*) AS n FROM derivative_assets"))[0]["n"]
        if len(versions) < 2 or count != 3:
            raise StepFailed(
                f"{len(versions)} version(s) of the rejected asset, {count} derivative rows"
            )
        return (
            f"{name} is version {versions[-1].version} of the same DAM asset; still 3 derivatives"
        )

    async def backup(self) -> str:
        await self.cli("backup", "manual")
        out = await self.cli("backup", "list")
        return out.strip().splitlines()[-1] if out.strip() else "backup listed"

    async def report(self) -> str:
        out = await self.cli("report")
        if not out.startswith("Ferrero automation: daily report"):
            raise StepFailed(f"`report` printed:\n{out}")
        document = json.loads(await self.cli("report", "--json", stdout_only=True))
        flows = document["workflows"]
        seen = {(flow, figure): flows[flow][figure] for flow, figure in REPORT_FIGURES}
        if seen != REPORT_FIGURES:
            wrong = {k: v for k, v in seen.items() if REPORT_FIGURES[k] != v}
            raise StepFailed(f"report --json says {wrong}, expected {REPORT_FIGURES}")
        return f"{document['period_start']} to {document['period_end']}: " + ", ".join(
            f"{flow} {figure} {n}" for (flow, figure), n in seen.items()
        )

    async def reload(self) -> str:
        assert self.daemon is not None
        seen = len(self.daemon.notify.messages)
        self.daemon.send(signal.SIGHUP)
        reloading = await self.daemon.notify.wait_for("RELOADING", after=seen, timeout=30)
        await self.daemon.notify.wait_for("READY", after=reloading, timeout=30)
        return "RELOADING=1 then READY=1"

    async def stop_daemon(self) -> str:
        assert self.daemon is not None
        code = await self.daemon.stop(timeout=60)
        self.daemon = None
        self.stack.daemon_pid_file.unlink(missing_ok=True)
        if code != 0:
            raise StepFailed(f"the daemon exited {code} on SIGTERM")
        mails = len(self.smtp.messages)
        files = (
            sorted(self.stack.mail_dir.glob("*.eml")),
            sorted(self.stack.mail_dir.glob("*.html")),
        )
        if not mails or len(files[0]) != mails or len(files[1]) != mails:
            raise StepFailed(
                f"{mails} mails, but {len(files[0])} .eml and {len(files[1])} .html files "
                f"in {self.stack.mail_dir}"
            )
        return (
            f"exit 0; {mails} mails (each as .eml and .html in {self.stack.mail_dir}) and "
            f"{len(self.webhook.posts)} webhook events in all"
        )


async def play(lifecycle: Lifecycle, report: Callable[[StepResult], None]) -> list[StepResult]:
    results: list[StepResult] = []
    for name, step in lifecycle.steps():
        started = time.monotonic()
        try:
            detail, ok = await step(), True
        except (StepFailed, RuntimeError, TimeoutError, OSError) as exc:
            detail, ok = str(exc) or type(exc).__name__, False
        result = StepResult(name, ok, detail, round(time.monotonic() - started, 2))
        results.append(result)
        report(result)
        if not ok:
            break
    return results
