"""Configuration: ``config.toml`` validated by pydantic, plus secrets.

Secrets never live in ``config.toml``. Each named secret is looked up, in order:

1. ``$CREDENTIALS_DIRECTORY/<name>`` (systemd ``LoadCredential=``),
2. the environment variable ``FERRERO_<NAME>`` (upper case),
3. the file named in ``[secrets] <name> = "/path"``.

A secret file that group or others can read is refused, with the ``chmod`` to run.
An invalid configuration reports every problem at once, each with its TOML key path.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ferrero_daemon import crontab
from ferrero_daemon.errors import ConfigError, SecretFileError

DEFAULT_CONFIG_PATH = Path("/etc/ferrero-daemon/config.toml")
SECRET_NAMES = (
    "dam_client_secret",
    "dam_mtls_cert_password",
    "db_password",
    "smtp_password",
    "webhook_token",
    "llama_cloud_api_key",
    "box_jwt_config",
)
MASK = "********"

NonEmpty = Annotated[str, Field(min_length=1)]
Seconds = Annotated[float, Field(gt=0)]


class Strict(BaseModel):
    """Base for every section: unknown keys are mistakes, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Environment(StrEnum):
    STAGING = "staging"
    PRODUCTION = "production"
    SANDBOX = "sandbox"
    TEST = "test"


class DamFields(Strict):
    """DAM metadata field ids; they differ per OTMM installation."""

    campaign_status: NonEmpty = "FERRERO.FIELD.CAMPAIGN_STATUS"
    campaign_type: NonEmpty = "FERRERO.FIELD.CAMPAIGN_TYPE"
    campaign_number: NonEmpty = "FERRERO.FIELD.CAMPAIGN_NUMBER"
    campaign_name: NonEmpty = "FERRERO.FIELD.CAMPAIGN_NAME"
    brand: NonEmpty = "FERRERO.FIELD.BRAND"
    market: NonEmpty = "FERRERO.FIELD.MARKET"
    asset_role: NonEmpty = "FERRERO.FIELD.ASSET_ROLE"
    approval: NonEmpty = "FERRERO.FIELD.APPROVAL_STATUS"
    comments: NonEmpty = "FERRERO.FIELD.REVIEW_COMMENTS"
    comments_tabular: bool = False
    tracking_id: NonEmpty = "FERRERO.FIELD.TRACKING_ID"
    country: NonEmpty = "FERRERO.FIELD.COUNTRY"
    language: NonEmpty = "FERRERO.FIELD.LANGUAGE"
    job_number: NonEmpty = "FERRERO.FIELD.JOB_NUMBER"
    creativex_score: NonEmpty = "FERRERO.FIELD.CREATIVEX_SCORE"
    creativex_status: NonEmpty = "FERRERO.FIELD.CREATIVEX_STATUS"
    creativex_guidelines: NonEmpty = "FERRERO.FIELD.CREATIVEX_GUIDELINES"


def _normal(text: str) -> str:
    """How the DAM's values are compared: case and runs of spaces do not matter."""
    return " ".join(text.split()).casefold()


def _all_distinct(values: Mapping[str, str], what: str) -> None:
    seen: dict[str, str] = {}
    for key, value in values.items():
        other = seen.setdefault(_normal(value), key)
        if other != key:
            raise ValueError(f"{other} and {key} are both {value!r}; each {what} must differ")


class DamValues(Strict):
    """The DAM's spellings of the pick-list values the workflows look for."""

    local_campaign_type: NonEmpty = "Local comm"
    global_campaign_type: NonEmpty = "Global comm"
    rejected: NonEmpty = "NOT APPROVED"

    @model_validator(mode="after")
    def _distinct(self) -> DamValues:
        _all_distinct(
            {"local_campaign_type": self.local_campaign_type,
             "global_campaign_type": self.global_campaign_type},
            "campaign type",
        )  # fmt: skip
        return self


class DamStatuses(Strict):
    """The campaign status codes the workflows read and write (A4 is the DAM's own)."""

    a1: NonEmpty = "A1"
    a2: NonEmpty = "A2"
    a3: NonEmpty = "A3"
    a5: NonEmpty = "A5"
    a6: NonEmpty = "A6"
    b1: NonEmpty = "B1"
    b2: NonEmpty = "B2"

    @model_validator(mode="after")
    def _distinct(self) -> DamStatuses:
        _all_distinct(self.model_dump(), "status code")
        return self


class DamWire(Strict):
    """OTMM wire details that differ between installations (``[I]`` in `ref/otmm-api.md`).

    Each default is what the client did before these became settings;
    ``ferrero-daemon check --deep`` says which value the live system needs, or, where
    that cannot be seen without writing, what to try by hand.
    """

    # Search and folder-listing page; a server may cap it lower, or refuse a larger one.
    page_size: Annotated[int, Field(ge=1, le=1000)] = 100
    # A new version: "checkout" = check out, stage, check in; "checkout_lock" also locks
    # the asset after the check-out (the v5 flow of ref §7, some installs demand it).
    checkin_flow: Literal["checkout", "checkout_lock"] = "checkout"
    # Answers to a lock or check-out that mean "someone else holds it" (ref §8.1: 400/409).
    lock_conflict_statuses: list[Annotated[int, Field(ge=400, le=499)]] = Field(
        default_factory=lambda: [400, 409, 423], min_length=1
    )
    # The member of GET /jobs/{id} that holds the job's state (ref §7: shape not public).
    job_state_field: NonEmpty = "job_state"
    # How a pick-list value is written: "string" (a plain string, OTMM resolves the code)
    # or "domain_value" (the UI's DomainValue form), for the [dam.fields] named below.
    domain_value_form: Literal["string", "domain_value"] = "string"
    domain_fields: list[NonEmpty] = Field(default_factory=lambda: ["campaign_status", "approval"])

    @field_validator("domain_fields")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(DamFields.model_fields))
        if unknown:
            raise ValueError(f"not keys of [dam.fields]: {unknown}")
        return value


class DamConfig(Strict):
    auth_mode: Literal["oauth2", "mtls"] = "oauth2"
    base_url: NonEmpty
    auth_url: NonEmpty
    client_id: str = ""
    mtls_base_url: str = ""
    mtls_cert_path: Path | None = None
    ca_bundle: Path | None = None
    requested_by: NonEmpty = "ferrero-daemon"
    timeout_seconds: Seconds = 60.0
    master_role_value: NonEmpty = "Master"
    derivative_role_value: NonEmpty = "Derivative"
    masters_subfolder: str = ""
    derivatives_subfolder: str = ""
    metadata_model_id: NonEmpty = "FERRERO.MODEL.CAMPAIGN_ASSET"
    security_policy_ids: list[int] = Field(default_factory=lambda: [1])
    fields: DamFields = DamFields()
    values: DamValues = DamValues()
    statuses: DamStatuses = DamStatuses()
    derivative_field_map: dict[str, str] = Field(default_factory=dict)
    wire: DamWire = DamWire()

    @model_validator(mode="before")
    @classmethod
    def _page_size_moved(cls, data: Any) -> Any:
        """``dam.page_size`` moved to ``[dam.wire]``; an old config keeps working."""
        if isinstance(data, Mapping) and "page_size" in data:
            data = dict(data)
            wire = dict(data.get("wire") or {})
            wire.setdefault("page_size", data.pop("page_size"))
            data["wire"] = wire
        return data


BOX_ROOT_FOLDER = "0"


class BoxFolders(Strict):
    """One Box folder per workflow, by ID (the number in app.box.com/folder/<ID>)."""

    a1_a2: NonEmpty
    a2_a3: NonEmpty
    b1_b2: NonEmpty
    creativex: NonEmpty

    @field_validator("a1_a2", "a2_a3", "b1_b2", "creativex")
    @classmethod
    def _folder_id(cls, value: str) -> str:
        value = value.strip()
        if not value.isdigit():
            raise ValueError(
                f"{value!r} is not a Box folder ID: use the number at the end of the "
                "folder's address, app.box.com/folder/<ID>"
            )
        if value == BOX_ROOT_FOLDER:
            raise ValueError(
                "'0' is the root of the Box account, not a workflow folder: create the "
                "folder and put its ID here (app.box.com/folder/<ID>)"
            )
        return value

    @model_validator(mode="after")
    def _distinct(self) -> BoxFolders:
        _all_distinct(self.model_dump(), "workflow's Box folder")
        return self


class BoxConfig(Strict):
    api_url: NonEmpty = "https://api.box.com/2.0"
    upload_url: NonEmpty = "https://upload.box.com/api/2.0"
    oauth_url: NonEmpty = "https://api.box.com/oauth2/token"
    as_user_id: str = ""
    ca_bundle: Path | None = None
    timeout_seconds: Seconds = 120.0
    chunk_parallelism: Annotated[int, Field(ge=1, le=16)] = 4
    folders: BoxFolders
    needs_attention_folder: NonEmpty = "_needs_attention"
    set_aside_after_failed_runs: Annotated[int, Field(ge=1)] = 5
    rejected_folder: NonEmpty = "REJECTED"


class DatabaseConfig(Strict):
    host: NonEmpty = "localhost"
    port: Annotated[int, Field(ge=1, le=65535)] = 5432
    name: NonEmpty = "ferrero_tracking"
    user: NonEmpty = "ferrero_user"
    sslmode: Literal["disable", "prefer", "require", "verify-full"] = "prefer"
    pool_min: Annotated[int, Field(ge=1)] = 1
    pool_max: Annotated[int, Field(ge=1)] = 10
    command_timeout_seconds: Seconds = 60.0


class SmtpConfig(Strict):
    host: NonEmpty
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    username: str = ""
    starttls: bool = True
    use_tls: bool = False
    sender: NonEmpty
    ca_bundle: Path | None = None
    timeout_seconds: Seconds = 30.0


class Recipients(Strict):
    errors: list[NonEmpty] = Field(min_length=1)
    success: list[NonEmpty] = Field(min_length=1)
    reports: list[NonEmpty] = Field(min_length=1)


class WebhookConfig(Strict):
    url: str = ""
    ca_bundle: Path | None = None
    timeout_seconds: Seconds = 15.0


class CreativeXConfig(Strict):
    base_url: NonEmpty = "https://api.cloud.llamaindex.ai"
    agent_name: NonEmpty = "Creativex-Extract"
    ca_bundle: Path | None = None
    timeout_seconds: Seconds = 600.0
    poll_interval_seconds: Seconds = 2.0
    default_score: str = "N/A"
    default_status: str = "Not scored"


class JobConfig(Strict):
    enabled: bool = True
    schedule: NonEmpty
    max_duration_minutes: Annotated[float, Field(gt=0)] = 60.0
    parallelism: Annotated[int, Field(ge=1, le=32)] = 4

    @field_validator("schedule")
    @classmethod
    def _cron_line(cls, value: str) -> str:
        # The scheduler's own parser: what it would refuse at start is refused here.
        try:
            return crontab.validate(value, ZoneInfo("UTC"))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid cron line: {exc}") from None


MoveToA3 = Literal["off", "first_version", "every_master"]


class ReturnsJobConfig(JobConfig):
    """``[jobs.a2_a3]``: when the campaign moves A2→A3 (and the webhook is called).

    ``off``: never, the reviewers move it; ``first_version``: with its first localised
    version in the DAM; ``every_master``: once every master has a localised version.
    """

    schedule: NonEmpty = "*/5 * * * *"
    move_to_a3: MoveToA3 = "off"


def _job(schedule: str, max_minutes: float = 60.0) -> JobConfig:
    return JobConfig(schedule=schedule, max_duration_minutes=max_minutes)


class JobsConfig(Strict):
    a1_a2: JobConfig = _job("*/5 * * * *")
    a2_a3: ReturnsJobConfig = ReturnsJobConfig()
    a5_a6: JobConfig = _job("*/5 * * * *")
    b1_b2: JobConfig = _job("*/5 * * * *")
    creativex: JobConfig = _job("*/5 * * * *")
    daily_report: JobConfig = _job("0 19 * * *", 15)
    backup_daily: JobConfig = _job("0 2 * * *", 120)
    backup_weekly: JobConfig = _job("0 3 * * 0", 240)
    backup_check: JobConfig = _job("0 8 * * *", 60)

    def items(self) -> list[tuple[str, JobConfig]]:
        return [(name, getattr(self, name)) for name in type(self).model_fields]


class RetentionConfig(Strict):
    daily_keep: Annotated[int, Field(ge=1)] = 7
    weekly_keep: Annotated[int, Field(ge=1)] = 4
    safety_keep: Annotated[int, Field(ge=1)] = 5
    max_age_days: Annotated[int, Field(ge=1)] = 35
    floor: Annotated[int, Field(ge=1)] = 3


class BackupConfig(Strict):
    root: Path = Path("/var/lib/ferrero-daemon/backups")
    # "off" where a replication connection is impossible (a managed database service).
    weekly: Literal["base", "off"] = "base"
    pg_bin_dir: Path | None = None
    min_free_gb: Annotated[float, Field(ge=0)] = 10.0
    timeout_minutes: Annotated[float, Field(gt=0)] = 60.0
    daily_max_age_hours: Annotated[float, Field(gt=0)] = 26.0
    weekly_max_age_days: Annotated[float, Field(gt=0)] = 8.0
    size_drop_percent: Annotated[float, Field(gt=0, le=100)] = 50.0
    test_restore_every_days: Annotated[int, Field(ge=1)] = 7
    retention: RetentionConfig = RetentionConfig()


class ControlConfig(Strict):
    socket_path: Path = Path("/run/ferrero-daemon/control.sock")
    group: str = "ferrero-ops"


class RuntimeConfig(Strict):
    instance_name: str = ""
    # systemd User= of the unit: files a CLI run as root writes for the daemon go to it.
    service_user: NonEmpty = "ferrero-daemon"
    shutdown_deadline_seconds: Seconds = 60.0
    misfire_grace_seconds: Annotated[int, Field(ge=1)] = 300
    lease_seconds: Annotated[float, Field(ge=2)] = 30.0
    outbox_interval_seconds: Seconds = 30.0
    # Permanent errors (a refused login, a 4xx) before an outbox row fails for good.
    outbox_give_up_after: Annotated[int, Field(ge=1, le=100)] = 5


class LoggingConfig(Strict):
    level: Literal["debug", "info", "warning", "error"] = "info"


class Settings(Strict):
    """Everything in ``config.toml``. No secret values: see ``Secrets``."""

    environment: Environment
    timezone: NonEmpty = "Europe/Rome"
    dam: DamConfig
    box: BoxConfig
    database: DatabaseConfig = DatabaseConfig()
    smtp: SmtpConfig
    recipients: Recipients
    webhook: WebhookConfig = WebhookConfig()
    creativex: CreativeXConfig = CreativeXConfig()
    jobs: JobsConfig = JobsConfig()
    backups: BackupConfig = BackupConfig()
    control: ControlConfig = ControlConfig()
    runtime: RuntimeConfig = RuntimeConfig()
    logging: LoggingConfig = LoggingConfig()
    secrets: dict[str, Path] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name") from exc
        return value

    @field_validator("secrets")
    @classmethod
    def _known_secrets(cls, value: dict[str, Path]) -> dict[str, Path]:
        unknown = sorted(set(value) - set(SECRET_NAMES))
        if unknown:
            raise ValueError(f"unknown secret(s) {unknown}; known: {list(SECRET_NAMES)}")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def job_enabled(self, name: str) -> bool:
        """Scheduled at all: enabled, and for the weekly base backup, not ``backups.weekly = "off"``."""
        if name == "backup_weekly" and self.backups.weekly == "off":
            return False
        job: JobConfig = getattr(self.jobs, name)
        return job.enabled


class Secret:
    """A secret value: masked in repr/str, revealed only on purpose."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK}, source={self.source!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class Secrets:
    values: Mapping[str, Secret] = field(default_factory=dict)

    def get(self, name: str) -> Secret | None:
        return self.values.get(name)

    def require(self, name: str) -> str:
        secret = self.values.get(name)
        if secret is None:
            raise ConfigError(_missing_secret_message(name))
        return secret.reveal()

    def optional(self, name: str) -> str | None:
        secret = self.values.get(name)
        return secret.reveal() if secret else None

    def all_values(self) -> list[str]:
        """Every loaded secret value and, for JSON secrets, every string inside it."""
        found: list[str] = []
        for secret in self.values.values():
            found.append(secret.reveal())
            found.extend(_json_strings(secret.reveal()))
        return [v for v in found if len(v) >= 4]


@dataclass(frozen=True)
class Config:
    settings: Settings
    secrets: Secrets
    path: Path | None = None
    # What an operator should change although the config works (an obsolete key):
    # `config` prints each, `run` logs each as a warning.
    notices: tuple[str, ...] = ()

    @property
    def instance(self) -> str:
        return self.settings.runtime.instance_name or os.uname().nodename


def _missing_secret_message(name: str) -> str:
    return (
        f"secret {name!r} is not set: put it in $CREDENTIALS_DIRECTORY/{name} "
        f"(systemd LoadCredential=), the environment variable FERRERO_{name.upper()}, "
        f"or a 0600 file named in [secrets] {name}"
    )


def _json_strings(text: str) -> list[str]:
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return []
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str) and len(node) >= 8:
            out.append(node)

    walk(data)
    return out


def read_secret_file(path: Path, name: str) -> str:
    """Read a secret file, refusing one that group or others may read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise SecretFileError(f"secret {name!r}: file {path} does not exist") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretFileError(
            f"secret {name!r}: file {path} is readable by group or others "
            f"(mode {stat.filemode(mode)}); run: chmod 600 {path}"
        )
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        raise SecretFileError(f"secret {name!r}: file {path} is empty")
    return value


BOX_CONFIG_KEYS = (
    ("boxAppSettings", "clientID"),
    ("boxAppSettings", "clientSecret"),
    ("boxAppSettings", "appAuth", "publicKeyID"),
    ("boxAppSettings", "appAuth", "privateKey"),
    ("enterpriseID",),
)


def box_config_problem(text: str) -> str | None:
    """Why a ``Box-config.json`` cannot be a JWT app's, or None; never quotes its content."""
    import json

    try:
        data = json.loads(text)
    except ValueError as exc:
        return (
            f"is not valid JSON ({exc.__class__.__name__} at character {getattr(exc, 'pos', '?')} "
            f"of {len(text)}: cut short or edited?); download Box-config.json again from "
            "the Box Developer Console"
        )
    missing = [".".join(path) for path in BOX_CONFIG_KEYS if not _dig(data, path)]
    if not isinstance(_dig(data, ("boxAppSettings", "appAuth", "passphrase")), str):
        missing.append("boxAppSettings.appAuth.passphrase")
    if missing:
        return (
            f"is not the Box-config.json of a JWT app: {', '.join(missing)} missing or empty; "
            "download it again from the Box Developer Console (app → Configuration → "
            "Generate a Public/Private Keypair)"
        )
    return None


def _dig(data: object, path: tuple[str, ...]) -> object:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _load_secret(
    name: str, files: Mapping[str, Path], env: Mapping[str, str], base: Path | None
) -> Secret | None:
    cred_dir = env.get("CREDENTIALS_DIRECTORY")
    if cred_dir and (Path(cred_dir) / name).is_file():
        # systemd already made the credential private to this unit; no mode check needed.
        value = (Path(cred_dir) / name).read_text(encoding="utf-8").strip()
        return Secret(value, "credentials directory") if value else None
    env_name = f"FERRERO_{name.upper()}"
    if env.get(env_name):
        return Secret(env[env_name], f"environment {env_name}")
    if name in files:
        path = files[name] if files[name].is_absolute() or base is None else base / files[name]
        return Secret(read_secret_file(path, name), f"file {path}")
    return None


def load_secrets(
    settings: Settings,
    env: Mapping[str, str] | None = None,
    base: Path | None = None,
    names: Collection[str] | None = None,
) -> tuple[Secrets, list[str]]:
    """Load the secrets named (every one by default); return them with the problems found.

    A command loads only what it uses: ``status`` none, ``report`` only ``db_password``,
    so an operator without the DAM, Box, SMTP or LlamaCloud secrets can still run it.
    """
    env = os.environ if env is None else env
    wanted = [n for n in SECRET_NAMES if names is None or n in names]
    values: dict[str, Secret] = {}
    problems: list[str] = []
    for name in wanted:
        try:
            secret = _load_secret(name, settings.secrets, env, base)
        except (SecretFileError, OSError) as exc:
            problems.append(f"secrets.{name}: {exc}")
            continue
        if secret is not None:
            values[name] = secret
    box = values.get("box_jwt_config")
    if box is not None and (problem := box_config_problem(box.reveal())):
        problems.append(f"secrets.box_jwt_config: the value from {box.source} {problem}")
    problems.extend(
        f"secrets.{n}: {_missing_secret_message(n)}"
        for n in _required(settings)
        if n in wanted and n not in values
    )
    return Secrets(values), problems


def _required(settings: Settings) -> list[str]:
    needed = ["box_jwt_config"]
    needed.append(
        "dam_client_secret" if settings.dam.auth_mode == "oauth2" else "dam_mtls_cert_password"
    )
    if settings.smtp.username:
        needed.append("smtp_password")
    if settings.jobs.creativex.enabled:
        needed.append("llama_cloud_api_key")
    return needed


def _semantic_problems(settings: Settings) -> list[str]:
    problems: list[str] = []
    dam = settings.dam
    if dam.auth_mode == "oauth2" and not dam.client_id:
        problems.append("dam.client_id: required when dam.auth_mode = 'oauth2'")
    if dam.auth_mode == "mtls":
        if not dam.mtls_base_url:
            problems.append("dam.mtls_base_url: required when dam.auth_mode = 'mtls'")
        if dam.mtls_cert_path is None:
            problems.append("dam.mtls_cert_path: required when dam.auth_mode = 'mtls'")
    if settings.database.pool_min > settings.database.pool_max:
        problems.append("database.pool_min: must not exceed database.pool_max")
    return problems


def format_validation_error(exc: ValidationError) -> list[str]:
    """One line per problem: ``dotted.key.path: what is expected``."""
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown key (check its spelling and section)"
        lines.append(f"{path}: {message}")
    return lines


# Keys an earlier release accepted and this one no longer uses: dropped with a notice, so
# the previous config.toml keeps working after an upgrade (a key that moved is moved by
# its model instead, as ``DamConfig._page_size_moved`` does for dam.page_size).
OBSOLETE_KEYS: dict[tuple[str, ...], str] = {
    ("backups", "retention", "manual_keep"): (
        "manual backups are never pruned now: each one stays until you delete it"
    ),
}


def drop_obsolete(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``data`` without the keys of ``OBSOLETE_KEYS``, and a notice for each one found."""
    out = dict(data)
    notices = []
    for path, why in OBSOLETE_KEYS.items():
        *parents, key = path
        node: Any = out
        for part in parents:
            node = node.get(part) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping) or key not in node:
            continue
        # Copy the tables on the way down, so the caller's data stays as it was.
        table: dict[str, Any] = out
        for part in parents:
            table[part] = dict(table[part])
            table = table[part]
        del table[key]
        notices.append(f"{'.'.join(path)}: no longer used, ignored: {why}; delete the line")
    return out, notices


def parse_settings(data: Mapping[str, Any]) -> Settings:
    data, _ = drop_obsolete(data)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(problems=format_validation_error(exc)) from None
    problems = _semantic_problems(settings)
    if problems:
        raise ConfigError(problems=problems)
    return settings


def config_path(explicit: str | Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ if env is None else env
    return Path(env.get("FERRERO_CONFIG") or DEFAULT_CONFIG_PATH)


def read_section(path: Path, name: str) -> dict[str, Any]:
    """One top-level table of the config, as data, even when another part of the file
    is broken: a TOML syntax error elsewhere falls back to parsing this table alone.

    Raises ``FileNotFoundError``/``PermissionError`` as they come; ``ConfigError`` when the
    table itself cannot be read.
    """
    text = path.read_text(encoding="utf-8")
    try:
        section = tomllib.loads(text).get(name, {})
    except tomllib.TOMLDecodeError as exc:
        try:
            section = tomllib.loads(_table_text(text, name)).get(name, {})
        except tomllib.TOMLDecodeError:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    if not isinstance(section, dict):
        raise ConfigError(f"config file {path}: {name} is not a table")
    return section


def _table_text(text: str, name: str) -> str:
    """The lines of ``[name]`` up to the next table header."""
    lines: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.split("#", 1)[0].strip() == f"[{name}]"
        if inside:
            lines.append(line)
    return "\n".join(lines)


def load_config(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    secrets: Collection[str] | None = None,
) -> Config:
    """Load, validate and attach secrets; raise ``ConfigError`` listing every problem.

    ``secrets`` names the secrets the caller uses (default: all of them); only those are
    read, and only those may be missing or unreadable.
    """
    file = config_path(path, env)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {file} does not exist; pass --config PATH") from None
    except PermissionError:
        raise ConfigError(
            f"cannot read config file {file} (permission denied); run as root or pass --config"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {file} is not valid TOML: {exc}") from None
    data, notices = drop_obsolete(raw)
    problems: list[str] = []
    try:
        settings = parse_settings(data)
    except ConfigError as exc:
        secret_problems = _secret_file_problems(data, env, base=file.parent, names=secrets)
        raise ConfigError(problems=[*exc.problems, *secret_problems]) from None
    loaded, secret_problems = load_secrets(settings, env, base=file.parent, names=secrets)
    problems.extend(secret_problems)
    if problems:
        raise ConfigError(problems=problems)
    return Config(settings=settings, secrets=loaded, path=file, notices=tuple(notices))


def _secret_file_problems(
    data: Mapping[str, Any],
    env: Mapping[str, str] | None,
    base: Path,
    names: Collection[str] | None = None,
) -> list[str]:
    """Report secret-file problems too when the rest of the config is invalid: each secret
    the caller uses looked up as ``load_secrets`` would (a relative path from the config
    file's directory; the credentials directory and the environment first), so no problem
    is made up."""
    files = data.get("secrets")
    if not isinstance(files, dict):
        return []
    env = os.environ if env is None else env
    paths = {n: Path(raw) for n, raw in files.items() if n in SECRET_NAMES and isinstance(raw, str)}
    problems = []
    for name in paths:
        if names is not None and name not in names:
            continue
        try:
            _load_secret(name, paths, env, base)
        except (SecretFileError, OSError) as exc:
            problems.append(f"secrets.{name}: {exc}")
    return problems


def url_origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL: no user, no path, no query."""
    parts = urlsplit(url)
    if not parts.hostname:
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def masked_url(url: str) -> str:
    """A URL whose path is a credential (Make.com's webhook), fit to print: its origin and
    ``MASK`` for the rest (the webhook client names it the same way in its errors)."""
    origin = url_origin(url)
    if not origin:
        return MASK if url else ""
    rest = url.split("://", 1)[-1].partition("/")[2] or urlsplit(url).query
    return f"{origin}/{MASK}" if rest else origin


def effective_config(config: Config) -> dict[str, Any]:
    """The settings as plain data, with every secret shown only by where it came from, and
    the webhook URL's path (a credential) masked."""
    data = config.settings.model_dump(mode="json")
    data["webhook"]["url"] = masked_url(config.settings.webhook.url)
    data["secrets"] = {
        name: (f"{MASK} (from {s.source})" if (s := config.secrets.get(name)) else "(not set)")
        for name in SECRET_NAMES
    }
    return data
