"""``ferrero-daemon config import-env``: the old scripts' .env becomes a config `config` accepts."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from ferrero_daemon.envimport import MAPPING
from tests.configs import TEST_BOX_CONFIG

ROOT = Path(__file__).resolve().parents[2]

# Every variable the checklist names, as an operator's production .env holds them.
OLD_ENV = """\
# Ferrero automation
ENV=production
DAM_BASE_URL=https://dam.ferrero.example/otmmapi
DAM_AUTH_URL="https://dam.ferrero.example/otdsws/oauth2/token"
DAM_CLIENT_ID=ferrero-automation
DAM_CLIENT_SECRET='dam-s3cr#t'
BOX_ROOT_FOLDER_A1_A2=111111111111
BOX_ROOT_FOLDER_A2_A3=222222222222
BOX_ROOT_FOLDER_B1_B2=333333333333
BOX_ROOT_FOLDER_CREATIVEX=444444444444
DB_HOST=localhost
DB_PORT=5437
DB_NAME=ferrero_tracking
DB_USER=ferrero_user
DB_PASSWORD=pg-password-1
SMTP_HOST=smtp.mailgun.org
SMTP_PORT=587
SMTP_USER=postmaster@mg.ferrero.example
SMTP_PASSWORD=smtp-password-1
SMTP_FROM="Ferrero Automation <automation@mg.ferrero.example>"
ERROR_EMAIL=dam-ops@ferrero.example
REPORT_EMAILS=managers@ferrero.example, team@ferrero.example
CAMPAIGN_STATUS_WEBHOOK_URL=https://hook.eu1.make.example/abc
export LLAMA_CLOUD_API_KEY=llx-key-1
DAM_MTLS_BASE_URL=https://mtls.dam.ferrero.example/otmmapi
DAM_MTLS_CERT_PATH=config/certificates/dam-mtls-prod.pfx
DAM_MTLS_CERT_PASSWORD=pfx-password-1
LOG_DIR=logs
SOMETHING_ELSE=1
"""

SETTINGS: dict[str, Any] = {
    "environment": "production",
    "dam.base_url": "https://dam.ferrero.example/otmmapi",
    "dam.auth_url": "https://dam.ferrero.example/otdsws/oauth2/token",
    "dam.client_id": "ferrero-automation",
    "dam.mtls_base_url": "https://mtls.dam.ferrero.example/otmmapi",
    "box.folders.a1_a2": "111111111111",
    "box.folders.a2_a3": "222222222222",
    "box.folders.b1_b2": "333333333333",
    "box.folders.creativex": "444444444444",
    "database.host": "localhost",
    "database.port": 5437,
    "database.name": "ferrero_tracking",
    "database.user": "ferrero_user",
    "smtp.host": "smtp.mailgun.org",
    "smtp.port": 587,
    "smtp.username": "postmaster@mg.ferrero.example",
    "smtp.sender": "Ferrero Automation <automation@mg.ferrero.example>",
    "recipients.errors": ["dam-ops@ferrero.example"],
    "recipients.success": ["managers@ferrero.example", "team@ferrero.example"],
    "recipients.reports": ["managers@ferrero.example", "team@ferrero.example"],
    "webhook.url": "https://hook.eu1.make.example/abc",
}
SECRETS = {
    "dam_client_secret": "dam-s3cr#t",
    "db_password": "pg-password-1",
    "smtp_password": "smtp-password-1",
    "llama_cloud_api_key": "llx-key-1",
    "dam_mtls_cert_password": "pfx-password-1",
    "box_jwt_config": TEST_BOX_CONFIG,
}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FERRERO_", "CREDENTIALS_"))}
    return subprocess.run(
        [sys.executable, "-m", "ferrero_daemon", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def dig(data: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        data = data[part]
    return data


@pytest.fixture
def old_setup(tmp_path: Path) -> Path:
    """/opt/ferrero-automation as the old checklist left it: .env, ../Box-config.json."""
    scripts = tmp_path / "ferrero-automation" / "Python-Version"
    scripts.mkdir(parents=True)
    (scripts / ".env").write_text(OLD_ENV, encoding="utf-8")
    (scripts.parent / "Box-config.json").write_text(TEST_BOX_CONFIG, encoding="utf-8")
    return scripts


def test_every_old_variable_becomes_its_key_and_config_accepts_the_result(
    old_setup: Path, tmp_path: Path
) -> None:
    out = tmp_path / "etc"
    done = cli(
        "config", "import-env", ".env", "--box-config", "../Box-config.json", "--out", str(out),
        cwd=old_setup,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr

    config = tomllib.loads((out / "config.toml").read_text(encoding="utf-8"))
    for key, value in SETTINGS.items():
        assert dig(config, key) == value, key
    cert = old_setup / "config" / "certificates" / "dam-mtls-prod.pfx"
    assert dig(config, "dam.mtls_cert_path") == str(cert)  # relative to the old scripts
    assert stat.S_IMODE((out / "config.toml").stat().st_mode) == 0o640
    assert stat.S_IMODE((out / "credentials").stat().st_mode) == 0o700
    for name, value in SECRETS.items():
        path = out / "credentials" / name
        assert path.read_text(encoding="utf-8") == value, name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        assert value not in done.stdout + done.stderr  # secrets are written, never shown
        assert value not in (out / "config.toml").read_text(encoding="utf-8")

    # Each old name is printed with what it became; what is not mapped is listed.
    for item in MAPPING:
        if item.old in OLD_ENV:
            assert re.search(rf"^{item.old}\s+→", done.stdout, re.M), item.old
    assert "LOG_DIR: logs go to the journal" in done.stdout
    assert "SOMETHING_ELSE: not used by the daemon" in done.stdout
    assert f"ferrero-daemon config accepts {out / 'config.toml'}" in done.stdout

    checked = cli("config", "--config", str(out / "config.toml"), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr


def test_existing_files_are_never_overwritten(old_setup: Path, tmp_path: Path) -> None:
    out = tmp_path / "etc"
    (out / "credentials").mkdir(parents=True)
    (out / "credentials" / "db_password").write_text("the one in use")
    refused = cli("config", "import-env", ".env", "--out", str(out), cwd=old_setup)

    assert refused.returncode == 1
    assert f"refusing to overwrite {out / 'credentials' / 'db_password'}" in refused.stderr
    assert "nothing was written" in refused.stderr
    assert sorted(p.name for p in out.rglob("*")) == ["credentials", "db_password"]
    assert (out / "credentials" / "db_password").read_text() == "the one in use"


def test_the_readme_maps_every_old_name() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {m[1] for m in re.finditer(r"^\| `([A-Z0-9_]+)`", readme, re.M)}
    names = {name for item in MAPPING for name in (item.old, *item.aliases)}
    assert names <= rows, sorted(names - rows)
