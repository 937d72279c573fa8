"""Everything a reliability test runs against: PostgreSQL, the five emulators, the daemon.

``open_world`` starts the OTMM, Box, LlamaCloud, SMTP and webhook emulators in the
test's own event loop (so a test injects a fault, or kills the daemon, from inside an
emulator's handler), writes a production-shaped config and a systemd credentials
directory holding a canary value for every secret, and makes a ``LiveDaemon`` of it.
The helpers seed what agencies and the DAM would hold, and read the end state back
the way an operator would check it: files in Box, rows in the database, the DAM's
status, mails and webhook events received.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import re
import secrets
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from ferrero_daemon.clients.control import ControlClient
from ferrero_daemon.clients.control_wire import StatusReply
from ferrero_daemon.jobs import JOBS
from ferrero_daemon.sandbox.box.auth import BoxApp
from ferrero_daemon.sandbox.box.server import BoxEmulator
from ferrero_daemon.sandbox.llamacloud import LlamaCloudEmulator
from ferrero_daemon.sandbox.otmm.server import CLIENT_ID, OtmmEmulator
from ferrero_daemon.sandbox.smtp import SmtpEmulator, StoredMessage
from ferrero_daemon.sandbox.webhook import WebhookReceiver
from tests.configs import database_settings, deep_merge, write_toml
from tests.fixtures.runtime import PINNED
from tests.postgres import PgServer
from tests.reliability.canaries import Canaries
from tests.reliability.daemon import LiveDaemon, child_env

ERRORS_TO = "dam-ops@reliability.test"
SUCCESS_TO = "campaign-team@reliability.test"
ALERT = re.compile(r"(Problem|Problem changed|Resolved): (?:job (\w+)$|(.*given up))")
MAIL_KEY = "X-Ferrero-Notification"
EVENT_KEY = "X-Ferrero-Event-Key"
WORKFLOWS = ("a1_a2", "a2_a3", "b1_b2", "a5_a6", "creativex")


@dataclass(frozen=True)
class Campaign:
    id: str
    number: str
    masters: tuple[str, ...]
    asset_ids: tuple[str, ...]


@dataclass
class World:
    workdir: Path
    pg: PgServer
    database: str
    canaries: Canaries
    otmm: OtmmEmulator
    box: BoxEmulator
    llamacloud: LlamaCloudEmulator
    smtp: SmtpEmulator
    webhook: WebhookReceiver
    daemon: LiveDaemon
    settings: dict[str, Any] = field(default_factory=dict)
    campaigns: list[Campaign] = field(default_factory=list)
    socket_replies: list[str] = field(default_factory=list)

    # -- the database, as an operator queries it ----------------------------------------
    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(**self.pg.kwargs(self.database))
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    async def count(self, query: str, *args: Any) -> int:
        return int((await self.sql(query, *args))[0][0])

    # -- what the DAM and the agencies hold ------------------------------------------------
    def seed_campaign(self, number: str, masters: int, size: int = 48 * 1024) -> Campaign:
        f = self.otmm.fields
        campaign = self.otmm.create_campaign(f"{number} Nutella Reliability", {
            f.campaign_status: "A1", f.campaign_type: "Local comm", f.campaign_number: number,
            f.campaign_name: "Nutella Reliability", f.brand: "Nutella", f.market: "IT",
        })  # fmt: skip
        names = tuple(f"Spot_{i:02d}.mp4" for i in range(masters))
        ids = tuple(
            self.otmm.create_asset(
                campaign, name, {f.asset_role: "Master"}, size=size + i, seed=int(number) + i
            )
            for i, name in enumerate(names)
        )
        self.campaigns.append(Campaign(campaign, number, names, ids))
        return self.campaigns[-1]

    def status_of(self, campaign: Campaign) -> Any:
        return self.otmm.metadata(campaign.id)[self.otmm.fields.campaign_status]

    def status_changes(self, campaign: Campaign) -> list[Any]:
        """Every status the DAM accepted for the campaign, in order."""
        field_id = self.otmm.fields.campaign_status
        return [
            values[field_id]
            for node, _login, values in self.otmm.patches()
            if node == campaign.id and field_id in values
        ]

    def box_files(self, key: str) -> list[str]:
        """Names of the files in a workflow folder's campaign sub-folders (one level)."""
        root = self.box.folder_ids[key]
        return [
            f.name
            for sub in self.box.store.children(root)
            if sub.type == "folder" and sub.name != "_needs_attention"
            for f in self.box.files_in(sub.id)
        ]

    def waiting_in(self, key: str) -> list[str]:
        return [f.name for f in self.box.files_in(self.box.folder_ids[key])]

    def set_aside(self, key: str) -> list[str]:
        root = self.box.folder_ids[key]
        return [
            f.name
            for sub in self.box.store.children(root)
            if sub.type == "folder" and sub.name == "_needs_attention"
            for f in self.box.files_in(sub.id)
        ]

    async def masters(self, campaign: Campaign) -> list[asyncpg.Record]:
        return await self.sql(
            "SELECT tracking_id, original_filename, box_filename, state FROM master_assets "
            "WHERE local_campaign_id = $1 ORDER BY original_filename",
            campaign.number,
        )

    async def agency_uploads(
        self, campaign: Campaign, markets: tuple[str, ...] = ("DE",)
    ) -> list[str]:
        """The agency's localised versions of every master, dropped into A2→A3."""
        folder = self.box.folder_ids["a2_a3"]
        names = []
        for row in await self.masters(campaign):
            stem = Path(row["original_filename"]).stem.replace("_", "")
            for market in markets:
                name = (
                    f"Nutella_{market}_{market.lower()}_{campaign.number}_{stem}_"
                    f"{row['tracking_id']}.mp4"
                )
                self.box.create_file(folder, name, size=32 * 1024, seed=len(names) + 7)
                names.append(name)
        return names

    # -- mails and webhook events ----------------------------------------------------------
    def alerts(self, scope: str) -> list[str]:
        """'Problem' / 'Problem changed' / 'Resolved' of the alert mails of a job (or of
        ``outbox``: notifications given up), in the order they arrived."""
        found = []
        for mail in self.smtp.messages:
            match = ALERT.search(mail.subject)
            if match is None or ERRORS_TO not in mail.rcpt_tos:
                continue
            if match.group(2) == scope or (match.group(3) and scope == "outbox"):
                found.append(match.group(1))
        return found

    async def retried(self, kind: str, tries: int, timeout: float = 120.0) -> list[int]:
        """Let the daemon's clock run from retry to retry while ``kind`` rows keep failing,
        for ``tries`` more outbox passes; the gaps between the tries, in seconds."""
        gaps: list[int] = []
        async with asyncio.timeout(timeout):
            for _ in range(tries):
                (due,) = await self.sql(
                    "SELECT min(next_attempt_at) AS at FROM notification_outbox "
                    "WHERE sent_at IS NULL AND kind = $1 AND outcome IS NULL",
                    kind,
                )
                ahead = (due["at"] - self.daemon.now()).total_seconds()
                gaps.append(round(ahead))
                mark = len(self.daemon.events)
                self.daemon.advance_clock(ahead + 1)
                await self.daemon.wait_log("outbox_delivered", after=mark)
        return gaps

    def webhook_events(self) -> Counter[str]:
        """How many times each event (by its outbox key) arrived."""
        return Counter(p.headers.get(EVENT_KEY, "") for p in self.webhook.posts)

    def mail_copies(self) -> Counter[str]:
        return Counter(m.headers.get(MAIL_KEY, m.subject) for m in self.smtp.messages)

    async def outbox(self) -> list[asyncpg.Record]:
        return await self.sql(
            "SELECT kind, dedupe_key, sent_at, outcome, attempts FROM notification_outbox "
            "ORDER BY id"
        )

    async def outbox_settled(self, timeout: float = 120.0) -> list[asyncpg.Record]:
        """Wait until the outbox holds nothing unsent. A row that is not due yet (a retry
        backing off, or one claimed by a process killed before it reported back) is
        made due by moving the daemon's clock, not by waiting."""
        async with asyncio.timeout(timeout):
            while True:
                mark = len(self.daemon.events)
                rows = await self.sql(
                    "SELECT dedupe_key, next_attempt_at FROM notification_outbox "
                    "WHERE sent_at IS NULL ORDER BY next_attempt_at"
                )
                if not rows:
                    return await self.outbox()
                ahead = (rows[0]["next_attempt_at"] - self.daemon.now()).total_seconds()
                if ahead > 0:
                    self.daemon.advance_clock(ahead + 1)
                await self.daemon.wait_log("outbox_delivered", after=mark, timeout=timeout)

    async def status(self) -> StatusReply:
        """``status`` on the control socket, as the CLI asks it; the reply is kept."""
        client = ControlClient(Path(self.settings["control"]["socket_path"]))
        reply = await asyncio.to_thread(client.status)
        self.socket_replies.append(json.dumps(reply))
        return reply

    # -- the secret scan --------------------------------------------------------------------
    async def leaks(self) -> list[str]:
        return self.canaries.scan(await self.exposed())

    async def exposed(self) -> list[tuple[str, str]]:
        texts: list[tuple[str, str]] = [("daemon log", "".join(self.daemon.lines))]
        texts += [
            (f"`ferrero-daemon {' '.join(r.args)}` output", r.text) for r in self.daemon.cli_results
        ]
        texts += [("control socket reply", reply) for reply in self.socket_replies]
        texts += [(f"mail {m.subject!r}", mail_text(m)) for m in self.smtp.messages]
        texts += [(f".eml {p.name}", p.read_text(errors="replace")) for p in self.eml_files()]
        for post in self.webhook.posts:
            headers = {k: v for k, v in post.headers.items() if k.lower() != "authorization"}
            texts.append((f"webhook {post.path}", f"{post.body}\n{headers}"))
        texts.append(("DAM writes", repr(self.otmm.patches())))
        texts.append(("Box changes", repr(self.box.changes())))
        texts += await self.database_text()
        return texts

    def eml_files(self) -> Iterator[Path]:
        yield from self.workdir.rglob("*.eml")

    async def database_text(self) -> list[tuple[str, str]]:
        tables = await self.sql(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        )
        conn = await asyncpg.connect(**self.pg.kwargs(self.database))
        try:
            return [
                (f"table {t[0]}", "\n".join(r[0] for r in await conn.fetch(
                    f"SELECT row_to_json(t)::text FROM {t[0]} AS t"  # names from format('%I')
                )))
                for t in tables
            ]  # fmt: skip
        finally:
            await conn.close()


def mail_text(mail: StoredMessage) -> str:
    return "\n".join(
        [mail.raw.decode(errors="replace"), mail.text or "", mail.html or "", repr(mail.headers)]
    )


# -- building a world ----------------------------------------------------------------------
def box_app(canaries: Canaries) -> BoxApp:
    app = BoxApp.generate()
    return BoxApp(
        client_id=app.client_id,
        client_secret=canaries["box_client_secret"],
        public_key_id=app.public_key_id,
        enterprise_id=app.enterprise_id,
        passphrase=canaries["box_passphrase"],
        private_key=app.private_key,
    )


def daemon_settings(world: World, overrides: dict[str, Any]) -> dict[str, Any]:
    jobs: dict[str, Any] = {job: {"enabled": False, "schedule": PINNED} for job in JOBS}
    for job in WORKFLOWS:
        jobs[job] = {"enabled": True, "schedule": PINNED, "max_duration_minutes": 30}
    jobs["a2_a3"]["move_to_a3"] = "first_version"
    socket_dir = Path(tempfile.mkdtemp(prefix="rel-", dir="/tmp"))
    data: dict[str, Any] = {
        "environment": "test",
        "timezone": "Europe/Rome",
        "database": database_settings(world.pg, world.database),
        "recipients": {
            "errors": [ERRORS_TO],
            "success": [SUCCESS_TO],
            "reports": ["campaign-managers@reliability.test"],
        },
        "backups": {"root": str(world.workdir / "backups")},
        "control": {"socket_path": str(socket_dir / "control.sock"), "group": ""},
        "runtime": {
            "instance_name": "reliability",
            "service_user": getpass.getuser(),  # the daemon runs as whoever runs the suite
            "shutdown_deadline_seconds": 5.0,
            "outbox_interval_seconds": 0.5,
        },
        "jobs": jobs,
        "smtp": {"sender": "Ferrero Automation <automation@reliability.test>"},
    }
    for emulator in (world.otmm, world.box, world.llamacloud, world.smtp, world.webhook):
        data = deep_merge(data, emulator.config_overrides())
    return deep_merge(data, overrides)


def write_credentials(directory: Path, canaries: Canaries, box: BoxEmulator) -> None:
    directory.mkdir(mode=0o700)
    values = {
        **{k: canaries[k] for k in ("dam_client_secret", "dam_mtls_cert_password")},
        **{k: canaries[k] for k in ("db_password", "smtp_password", "webhook_token")},
        "llama_cloud_api_key": canaries["llama_cloud_api_key"],
        "box_jwt_config": box.app_config_json(),
    }
    for name, value in values.items():
        path = directory / name
        path.write_text(value, encoding="utf-8")
        path.chmod(0o600)


def private_key_body(box: BoxEmulator) -> str:
    pem = box.app.config()["boxAppSettings"]["appAuth"]["privateKey"]
    return "".join(pem.splitlines()[1:3])


@asynccontextmanager
async def open_world(
    workdir: Path, pg: PgServer, database: str, overrides: dict[str, Any] | None = None
) -> AsyncIterator[World]:
    canaries = Canaries()
    otmm = OtmmEmulator(data_dir=workdir / "otmm")
    otmm.client_secret = canaries["dam_client_secret"]
    otmm.auth.add_client(CLIENT_ID, otmm.client_secret)
    box = BoxEmulator(data_dir=workdir / "box", app=box_app(canaries))
    llamacloud = LlamaCloudEmulator(api_key=canaries["llama_cloud_api_key"], pending_polls=1)
    smtp = SmtpEmulator(data_dir=workdir / "smtp", password=canaries["smtp_password"])
    webhook = WebhookReceiver(token=canaries["webhook_token"])
    started = []
    try:
        for emulator in (otmm, box, llamacloud, smtp, webhook):
            await emulator.start()
            started.append(emulator)
        canaries = canaries.with_extra(box_private_key=private_key_body(box))
        env = child_env({"CREDENTIALS_DIRECTORY": str(workdir / "credentials")})
        daemon = LiveDaemon(workdir / "config.toml", env, workdir / "clock")
        world = World(workdir, pg, database, canaries, otmm, box, llamacloud, smtp, webhook, daemon)
        world.settings = daemon_settings(world, overrides or {})
        write_toml(daemon.config_path, world.settings)
        write_credentials(workdir / "credentials", canaries, box)
        try:
            yield world
        finally:
            await daemon.stop()
    finally:
        for emulator in reversed(started):
            await emulator.stop()


def new_number() -> str:
    return str(4000 + secrets.randbelow(5000))
