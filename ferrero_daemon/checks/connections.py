"""Connection checks of the operators' step 9, as plain data: one result per check.

``ferrero-daemon check`` runs these in order and prints one line each. A check is an
async function that returns a short detail on success and raises on failure; the
runner turns our errors (and timeouts, OS errors) into a failed result with the
reason and the error's ``hint``, so one broken system never hides the state of the
others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

from ferrero_daemon.backups import prerequisites
from ferrero_daemon.clients import db
from ferrero_daemon.clients.box.client import BoxApiClient
from ferrero_daemon.clients.creativex import CreativeXClient
from ferrero_daemon.clients.mail import Mailer
from ferrero_daemon.clients.otmm.client import OtmmClient
from ferrero_daemon.clients.webhook import WebhookClient
from ferrero_daemon.config import Config
from ferrero_daemon.errors import ConfigError, FerreroError, NotFoundError, TransientError
from ferrero_daemon.store.migrations import require_current

Probe = Callable[[], Awaitable[str]]


@dataclass(frozen=True)
class Check:
    name: str
    probe: Probe
    hint: str


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    hint: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


async def run_check(check: Check, timeout: float) -> CheckResult:
    started = time.monotonic()
    try:
        detail = await asyncio.wait_for(check.probe(), timeout)
    except TimeoutError:
        error: FerreroError = TransientError(f"no answer within {timeout:g} s")
    except OSError as exc:
        error = TransientError(str(exc) or type(exc).__name__)
    except FerreroError as exc:
        error = exc
    else:
        return CheckResult(check.name, True, detail, "", time.monotonic() - started)
    return CheckResult(
        check.name, False, str(error), _hint(error, check), time.monotonic() - started
    )


def _hint(error: FerreroError, check: Check) -> str:
    """The error's own hint when its raiser gave one; else its class's, and where to look."""
    return error.hint if error.own_hint else f"{error.hint}; {check.hint}"


async def run_checks(checks: list[Check], timeout: float = 30.0) -> list[CheckResult]:
    return [await run_check(check, timeout) for check in checks]


def render(results: list[CheckResult]) -> str:
    width = max((len(r.name) for r in results), default=0)
    lines = []
    for r in results:
        mark = "✓" if r.ok else "✗"
        line = f"{mark} {r.name.ljust(width)}  {r.detail}"
        if not r.ok and r.hint:
            line += f"\n  {' ' * width}  hint: {r.hint}"
        lines.append(line)
    failed = sum(not r.ok for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} checks passed")
    return "\n".join(lines)


@dataclass(frozen=True)
class CheckOptions:
    auth_pfx: bool = False
    send_test_email: bool = False
    send_test_webhook: bool = False


class ConnectionChecks:
    """The checks of step 9 for one configuration; clients are opened lazily and closed."""

    def __init__(self, config: Config, options: CheckOptions) -> None:
        self.config = config
        self.options = options
        self._stack = AsyncExitStack()
        self._box_client: BoxApiClient | None = None
        self._db: db.Database | None = None

    async def aclose(self) -> None:
        await self._stack.aclose()

    def checks(self) -> list[Check]:
        s = self.config.settings
        found: list[Check] = [Check("database", self.database, "check [database] and db_password")]
        found.extend(self.backup_checks())
        mode = "mTLS" if s.dam.auth_mode == "mtls" else "OAuth2"
        found.append(
            Check(f"DAM {mode}", lambda: self.dam(s.dam.auth_mode), "check [dam] and its secret")
        )
        if self.options.auth_pfx and s.dam.auth_mode != "mtls":
            found.append(Check("DAM mTLS", lambda: self.dam("mtls"), MTLS_HINT))
        found.append(
            Check("Box JWT", self.box_token, "check the box_jwt_config secret (Box-config.json)")
        )
        for key, folder_id in s.box.folders.model_dump().items():
            found.append(
                Check(f"Box folder {key}", self._box_folder(key, folder_id), BOX_FOLDER_HINT)
            )
        found.append(Check("SMTP", self.smtp, "check [smtp] and smtp_password"))
        if self.options.send_test_email:
            found.append(
                Check("test email", self.test_email, "check [recipients] and the SMTP account")
            )
        found.append(Check("webhook", self.webhook, "check [webhook] url and webhook_token"))
        if self.options.send_test_webhook:
            found.append(
                Check("test webhook", self.test_webhook, "check the Make.com scenario is on")
            )
        found.append(
            Check("LlamaCloud agent", self.llamacloud, "check llama_cloud_api_key and [creativex]")
        )
        return found

    async def _database(self) -> db.Database:
        if self._db is None:
            self._db = await db.connect(self.config, min_size=1)
            self._stack.push_async_callback(self._db.close)
        return self._db

    async def database(self) -> str:
        version = await require_current(await self._database())
        d = self.config.settings.database
        return f"connected to {d.host}:{d.port}/{d.name} as {d.user}; schema version {version}"

    def backup_checks(self) -> list[Check]:
        """What the backups need: client tools, a replication connection, a writable root."""
        found = [Check("backup tools", self.backup_tools, TOOLS_HINT)]
        if self.config.settings.backups.weekly == "base":
            found.append(Check("backup replication", self.backup_replication, REPLICATION_HINT))
        found.append(Check("backup root", self.backup_root, ROOT_HINT))
        return found

    async def backup_tools(self) -> str:
        return await prerequisites.client_tools(self.config, await self._database())

    async def backup_replication(self) -> str:
        return await prerequisites.replication(self.config, await self._database())

    async def backup_root(self) -> str:
        return prerequisites.backup_root(self.config)

    async def dam(self, mode: str) -> str:
        config = self.config
        if mode != config.settings.dam.auth_mode:
            dam = config.settings.dam.model_copy(update={"auth_mode": mode})
            if not dam.mtls_base_url or dam.mtls_cert_path is None:
                raise ConfigError("dam.mtls_base_url and dam.mtls_cert_path are not set")
            config = replace(config, settings=config.settings.model_copy(update={"dam": dam}))
        client = OtmmClient.from_config(config)
        self._stack.push_async_callback(client.aclose)
        return await client.probe()

    async def _box(self) -> BoxApiClient:
        if self._box_client is None:
            self._box_client = BoxApiClient.from_config(self.config)
            self._stack.push_async_callback(self._box_client.aclose)
        return self._box_client

    async def box_token(self) -> str:
        await (await self._box()).probe_token()
        return "token minted for the JWT app"

    def _box_folder(self, key: str, folder_id: str) -> Probe:
        async def probe() -> str:
            [result] = await (await self._box()).probe({key: folder_id})
            if not result.ok:
                raise NotFoundError(result.detail, hint=BOX_FOLDER_HINT)
            return f"{folder_id}: {result.detail}"

        return probe

    async def smtp(self) -> str:
        return await Mailer.from_config(self.config).probe()

    async def test_email(self) -> str:
        sent = await Mailer.from_config(self.config).send_test(("errors", "reports"))
        return "sent to " + ", ".join(sent)

    async def _webhook(self) -> WebhookClient:
        client = WebhookClient.from_config(self.config)
        self._stack.push_async_callback(client.aclose)
        return client

    async def webhook(self) -> str:
        return await (await self._webhook()).probe()

    async def test_webhook(self) -> str:
        status = await (await self._webhook()).send_test(datetime.now(UTC))
        return f"test event accepted (HTTP {status})"

    async def llamacloud(self) -> str:
        client = CreativeXClient.from_config(self.config)
        self._stack.push_async_callback(client.aclose)
        return await client.probe()


TOOLS_HINT = "install postgresql-client-<server major> or set backups.pg_bin_dir"
REPLICATION_HINT = (
    'give the role REPLICATION and a pg_hba replication line, or set backups.weekly = "off"'
)
ROOT_HINT = "check backups.root, its owner (runtime.service_user) and backups.min_free_gb"
MTLS_HINT = "set dam.mtls_base_url, dam.mtls_cert_path and the dam_mtls_cert_password secret"
BOX_FOLDER_HINT = (
    "check the folder id in [box.folders] and that the JWT app's user is a collaborator"
)
