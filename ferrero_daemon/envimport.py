"""The old scripts' ``.env`` (and ``Box-config.json``) as a ``config.toml`` and secret files.

``ferrero-daemon config import-env`` reads the file the operators already have, maps
each variable to its key (``MAPPING``, mirrored by the table in README.md), and writes:

    <out>/config.toml               every mapped setting, commented with the old name
    <out>/credentials/<secret>      one 0600 file per secret, named for LoadCredential=

``translate`` is pure (text in, text and values out); ``write`` refuses to replace any
file that exists. Secret values are written to their files and never printed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ferrero_daemon.config import box_config_problem, masked_url

Convert = Callable[[str, Path], Any]

_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*?)\s*$")
_EMAILS = re.compile(r"[,;\s]+")
_ENVIRONMENTS = {
    "production": "production",
    "prod": "production",
    "staging": "staging",
    "stage": "staging",
    "preprod": "staging",
    "ppr": "staging",
}


def parse_dotenv(text: str) -> dict[str, str]:
    """``KEY=value`` lines as python-dotenv reads them: quotes, ``export``, ``#`` comments."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        values[match["key"]] = _unquote(match["value"])
    return values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        inner = value[1:-1]
        return inner.replace('\\"', '"').replace("\\n", "\n") if value[0] == '"' else inner
    return re.split(r"\s+#", value, maxsplit=1)[0].strip()


# -- converters: text of the .env to the value in config.toml (ValueError says why not) --


def text(value: str, _base: Path) -> str:
    return value.strip()


def environment(value: str, _base: Path) -> str:
    found = _ENVIRONMENTS.get(value.strip().lower())
    if found is None:
        raise ValueError(f"{value!r} is neither production nor staging")
    return found


def port(value: str, _base: Path) -> int:
    number = int(value) if value.strip().isdigit() else 0
    if not 1 <= number <= 65535:
        raise ValueError(f"{value!r} is not a port number")
    return number


def emails(value: str, _base: Path) -> list[str]:
    found = [a for a in _EMAILS.split(value.strip()) if a]
    bad = [a for a in found if "@" not in a]
    if not found or bad:
        raise ValueError(f"{value!r} is not a list of e-mail addresses")
    return found


def path(value: str, base: Path) -> str:
    # The scripts ran from the directory holding .env: relative paths start there.
    given = Path(value.strip())
    return str(given if given.is_absolute() else (base / given).resolve())


def log_level(value: str, _base: Path) -> str:
    level = value.strip().lower()
    level = {"warn": "warning", "critical": "error"}.get(level, level)
    if level not in ("debug", "info", "warning", "error"):
        raise ValueError(f"{value!r} is not debug, info, warning or error")
    return level


@dataclass(frozen=True)
class Setting:
    """An old variable (or its aliases) that becomes one or more config keys."""

    old: str
    keys: tuple[str, ...]
    convert: Convert = text
    aliases: tuple[str, ...] = ()
    shown: Callable[[Any], Any] = lambda value: value  # as printed: a credential masked


@dataclass(frozen=True)
class SecretVar:
    """An old variable that becomes a secret file."""

    old: str
    name: str
    aliases: tuple[str, ...] = ()


MAPPING: tuple[Setting | SecretVar, ...] = (
    Setting("ENV", ("environment",), environment),
    Setting("DAM_BASE_URL", ("dam.base_url",)),
    Setting("DAM_AUTH_URL", ("dam.auth_url",)),
    Setting("DAM_CLIENT_ID", ("dam.client_id",)),
    SecretVar("DAM_CLIENT_SECRET", "dam_client_secret"),
    Setting("DAM_MTLS_BASE_URL", ("dam.mtls_base_url",)),
    Setting("DAM_MTLS_CERT_PATH", ("dam.mtls_cert_path",), path),
    SecretVar("DAM_MTLS_CERT_PASSWORD", "dam_mtls_cert_password"),
    Setting("BOX_ROOT_FOLDER_A1_A2", ("box.folders.a1_a2",)),
    Setting("BOX_ROOT_FOLDER_A2_A3", ("box.folders.a2_a3",)),
    Setting("BOX_ROOT_FOLDER_B1_B2", ("box.folders.b1_b2",)),
    Setting("BOX_ROOT_FOLDER_CREATIVEX", ("box.folders.creativex",)),
    Setting("DB_HOST", ("database.host",)),
    Setting("DB_PORT", ("database.port",), port),
    Setting("DB_NAME", ("database.name",), aliases=("DB_DATABASE",)),
    Setting("DB_USER", ("database.user",), aliases=("DB_USERNAME",)),
    SecretVar("DB_PASSWORD", "db_password"),
    Setting("SMTP_HOST", ("smtp.host",), aliases=("SMTP_SERVER",)),
    Setting("SMTP_PORT", ("smtp.port",), port),
    Setting("SMTP_USER", ("smtp.username",), aliases=("SMTP_USERNAME",)),
    SecretVar("SMTP_PASSWORD", "smtp_password"),
    Setting("SMTP_FROM", ("smtp.sender",), aliases=("SMTP_SENDER", "SENDER_EMAIL", "EMAIL_FROM")),
    Setting("ERROR_EMAIL", ("recipients.errors",), emails, aliases=("ERROR_EMAILS",)),
    # The old scripts mailed both their success notices and the daily report here.
    Setting("REPORT_EMAILS", ("recipients.success", "recipients.reports"), emails),
    # Make.com's path is a credential: written to config.toml, never printed.
    Setting("CAMPAIGN_STATUS_WEBHOOK_URL", ("webhook.url",), shown=masked_url),
    SecretVar("CAMPAIGN_STATUS_WEBHOOK_TOKEN", "webhook_token", aliases=("WEBHOOK_AUTH_TOKEN",)),
    SecretVar("LLAMA_CLOUD_API_KEY", "llama_cloud_api_key"),
    Setting("LOG_LEVEL", ("logging.level",), log_level),
)

# Variables of the old set-up that the daemon no longer needs, and why.
OBSOLETE = {
    "LOG_DIR": "logs go to the journal: journalctl -u ferrero-daemon",
    "LOG_FILE": "logs go to the journal: journalctl -u ferrero-daemon",
    "TEMP_DIR": "transfers stream from the DAM to Box: no temporary files",
    "TMP_DIR": "transfers stream from the DAM to Box: no temporary files",
    "BACKUP_DIR": "backups live under [backups] root (default /var/lib/ferrero-daemon/backups)",
    "BOX_CONFIG_PATH": "the Box JWT app config is a secret now: pass the file as --box-config",
    "BOX_CONFIG_FILE": "the Box JWT app config is a secret now: pass the file as --box-config",
}

# What `config` needs that a .env may not hold; named in the report when missing.
REQUIRED = (
    "environment",
    "dam.base_url",
    "dam.auth_url",
    "box.folders.a1_a2",
    "box.folders.a2_a3",
    "box.folders.b1_b2",
    "box.folders.creativex",
    "smtp.host",
    "smtp.sender",
    "recipients.errors",
    "recipients.success",
    "recipients.reports",
)


@dataclass
class Translation:
    """What one ``.env`` becomes, and the report of how."""

    settings: dict[str, Any] = field(default_factory=dict)  # dotted key -> value
    origin: dict[str, str] = field(default_factory=dict)  # dotted key -> old variable
    secrets: dict[str, str] = field(default_factory=dict)  # secret name -> value
    mapped: list[tuple[str, str]] = field(default_factory=list)  # (old variable, what it became)
    unmapped: list[tuple[str, str]] = field(default_factory=list)  # (old variable, why not)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (old variable, why)
    notes: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [k for k in REQUIRED if k not in self.settings]


def _pick(
    env: Mapping[str, str], names: tuple[str, ...], out: Translation
) -> tuple[str, str] | None:
    """The first non-empty of a name and its aliases; disagreeing aliases are reported."""
    present = [(n, env[n]) for n in names if env.get(n, "").strip()]
    if not present:
        return None
    if len({v.strip() for _, v in present}) > 1:
        out.unmapped.append(
            (" / ".join(n for n, _ in present), "they disagree; keep one in the .env")
        )
        return None
    return present[0]


def _setting(item: Setting, env: Mapping[str, str], base: Path, out: Translation) -> None:
    picked = _pick(env, (item.old, *item.aliases), out)
    if picked is None:
        return
    name, raw = picked
    try:
        value = item.convert(raw, base)
    except ValueError as exc:
        out.unmapped.append((name, str(exc)))
        return
    for key in item.keys:
        out.settings[key] = value
        out.origin[key] = name
    shown = ", ".join(f"{k} = {_toml(item.shown(value))}" for k in item.keys)
    out.mapped.append((name, shown))


def _secret(item: SecretVar, env: Mapping[str, str], out: Translation) -> None:
    picked = _pick(env, (item.old, *item.aliases), out)
    if picked is None:
        return
    name, raw = picked
    out.secrets[item.name] = raw
    out.mapped.append((name, f"secret {item.name} (credentials/{item.name}, mode 0600)"))


def translate(env: Mapping[str, str], base: Path, box_config: str | None = None) -> Translation:
    """Map the variables of a ``.env`` whose directory is ``base``; pure, no I/O."""
    out = Translation()
    known: set[str] = set()
    for item in MAPPING:
        known.update((item.old, *item.aliases))
        if isinstance(item, Setting):
            _setting(item, env, base, out)
        else:
            _secret(item, env, out)
    _derive(out)
    if box_config is not None:
        problem = box_config_problem(box_config)
        if problem is not None:
            out.unmapped.append(("--box-config", problem))
        else:
            out.secrets["box_jwt_config"] = box_config
            out.mapped.append(
                ("Box-config.json", "secret box_jwt_config (credentials/box_jwt_config, mode 0600)")
            )
    for name in sorted(set(env) - known):
        why = OBSOLETE.get(name, "not used by the daemon")
        out.ignored.append((name, why))
    return out


def _derive(out: Translation) -> None:
    """Settings that follow from others: the DAM's auth mode, implicit TLS on port 465."""
    out.settings.setdefault("timezone", "Europe/Rome")
    out.origin.setdefault("timezone", "the old crontab's zone? check: timedatectl")
    has_oauth = "dam.client_id" in out.settings and "dam_client_secret" in out.secrets
    has_mtls = "dam.mtls_cert_path" in out.settings and "dam_mtls_cert_password" in out.secrets
    if has_mtls and not has_oauth:
        out.settings["dam.auth_mode"] = "mtls"
        out.origin["dam.auth_mode"] = "DAM_MTLS_* without DAM_CLIENT_SECRET"
        out.notes.append("dam.auth_mode = mtls: the .env has mTLS settings but no OAuth2 secret")
    if has_mtls:
        out.notes.append(
            "the DAM certificate stays at "
            f"{out.settings['dam.mtls_cert_path']}: the service user must be able to read it "
            "(or move it under /etc/ferrero-daemon/ and change dam.mtls_cert_path)"
        )
    for optional in ("dam_mtls_cert_password", "webhook_token"):
        if optional in out.secrets:
            out.notes.append(
                f"uncomment `LoadCredential={optional}:…` in ferrero-daemon.service: the unit "
                "hands this secret to the daemon only when that line is on"
            )
    if "database.name" in out.settings:
        out.notes.append(
            f"database.name = {out.settings['database.name']!r} is the old scripts' database: "
            "the daemon keeps its own tables and `migrate` refuses that one. Create a database "
            "for the daemon on the same server and put its name here (deploy/CUTOVER.md, step 7)"
        )
    if out.settings.get("smtp.port") == 465:
        out.settings["smtp.use_tls"], out.settings["smtp.starttls"] = True, False
        out.origin["smtp.use_tls"] = out.origin["smtp.starttls"] = "SMTP_PORT = 465"


# -- rendering ----------------------------------------------------------------------

SECTIONS = ("", "dam", "box.folders", "database", "smtp", "recipients", "webhook", "logging")
HEADER = """\
# ferrero-daemon configuration, written by `ferrero-daemon config import-env`
# from {source}.
# Each setting says which variable of the old scripts it came from. Everything not
# here keeps its default (the old crontab's schedules among them): the repository's
# config.toml documents every setting, and `ferrero-daemon config` prints them all.
# Secrets are not in this file. They are the 0600 files under credentials/, which
# systemd hands to the service (LoadCredential=, deploy/ferrero-daemon.service); the
# [secrets] section at the end lets commands run by hand find them too.
"""


def _toml(value: Any) -> str:
    """A value as tomli-w (the project's one TOML writer) writes it; a list inline, so
    each setting stays one line with its origin comment."""
    import tomli_w  # only `config import-env` writes TOML: the daemon never loads it

    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return tomli_w.dumps({"v": value}).removeprefix("v = ").rstrip("\n")


def render(out: Translation, source: str) -> str:
    """The commented ``config.toml``; a required key that is missing is a commented line."""
    lines = [HEADER.format(source=source).rstrip("\n")]
    for section in SECTIONS:
        body = _section_lines(out, section)
        if body:
            lines.append(f"[{section}]" if section else "")
            lines.extend(body)
            lines.append("")
    if out.secrets:
        lines.append("# Relative to this file: copy it together with credentials/.")
        lines.append("[secrets]")
        lines.extend(f'{name} = "credentials/{name}"' for name in sorted(out.secrets))
        lines.append("")
    return "\n".join(lines)


def _section_lines(out: Translation, section: str) -> list[str]:
    prefix = f"{section}." if section else ""
    body = []
    for key in [*out.settings, *(k for k in REQUIRED if k not in out.settings)]:
        if not key.startswith(prefix) or "." in key[len(prefix) :]:
            continue
        name = key[len(prefix) :]
        if key in out.settings:
            line = f"{name} = {_toml(out.settings[key])}"
            body.append(f"{line:<52} # {out.origin[key]}")
        else:
            body.append(f"# {name} = ...{'':<40} # not in the .env: fill this in")
    return body


# -- writing -------------------------------------------------------------------------


def targets(out_dir: Path, translation: Translation) -> list[Path]:
    credentials = out_dir / "credentials"
    return [out_dir / "config.toml", *(credentials / n for n in sorted(translation.secrets))]


def existing(out_dir: Path, translation: Translation) -> list[Path]:
    return [p for p in targets(out_dir, translation) if p.exists() or p.is_symlink()]


def _create(path: Path, content: str, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, content.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def write(out_dir: Path, translation: Translation, config_text: str) -> list[Path]:
    """Create the files; any that exists already is an error and nothing is written."""
    taken = existing(out_dir, translation)
    if taken:
        raise FileExistsError(", ".join(str(p) for p in taken))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if translation.secrets:
        credentials = out_dir / "credentials"
        credentials.mkdir(mode=0o700, exist_ok=True)
        credentials.chmod(0o700)
        for name in sorted(translation.secrets):
            _create(credentials / name, translation.secrets[name], 0o600)
            written.append(credentials / name)
    _create(out_dir / "config.toml", config_text, 0o640)
    return [out_dir / "config.toml", *written]
