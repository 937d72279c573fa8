"""The .env of the old scripts, read and mapped: the rules, on text."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ferrero_daemon.envimport import parse_dotenv, render, translate

BASE = Path("/opt/ferrero-automation/Python-Version")


def test_dotenv_quotes_comments_and_export_are_read_as_python_dotenv_reads_them() -> None:
    text = """
# a comment
export A=1
B = "two words"
C='single # not a comment'
D=plain # a comment
E=
not a line
"""
    assert parse_dotenv(text) == {
        "A": "1",
        "B": "two words",
        "C": "single # not a comment",
        "D": "plain",
        "E": "",
    }


def test_values_that_cannot_be_used_are_listed_not_guessed() -> None:
    found = translate(
        {"ENV": "qa", "DB_PORT": "54x", "ERROR_EMAIL": "ops", "DB_USER": "a", "DB_USERNAME": "b"},
        BASE,
    )
    assert dict(found.unmapped) == {
        "ENV": "'qa' is neither production nor staging",
        "DB_PORT": "'54x' is not a port number",
        "ERROR_EMAIL": "'ops' is not a list of e-mail addresses",
        "DB_USER / DB_USERNAME": "they disagree; keep one in the .env",
    }
    assert "environment" in found.missing and "database.user" not in found.settings


def test_an_mtls_only_dam_and_implicit_tls_smtp_are_derived() -> None:
    found = translate(
        {
            "DAM_MTLS_CERT_PATH": "config/certificates/dam.pfx",
            "DAM_MTLS_CERT_PASSWORD": "pw",
            "SMTP_PORT": "465",
            "SMTP_SENDER": "ops@example.com",
            "LOG_LEVEL": "WARNING",
        },
        BASE,
    )
    s = found.settings
    assert s["dam.auth_mode"] == "mtls"
    assert s["dam.mtls_cert_path"] == str(BASE / "config/certificates/dam.pfx")
    assert (s["smtp.use_tls"], s["smtp.starttls"]) == (True, False)
    assert s["smtp.sender"] == "ops@example.com" and s["logging.level"] == "warning"


def test_a_cut_short_box_config_is_not_written() -> None:
    found = translate({}, BASE, box_config='{"boxAppSettings": {"clientID": "x"')
    assert "box_jwt_config" not in found.secrets
    [(what, why)] = found.unmapped
    assert what == "--box-config" and why.startswith("is not valid JSON")


def test_the_webhook_urls_path_is_written_but_never_printed() -> None:
    url = "https://hook.eu1.make.com/x7k2secretpath"
    found = translate({"CAMPAIGN_STATUS_WEBHOOK_URL": url}, BASE)
    shown = dict(found.mapped)["CAMPAIGN_STATUS_WEBHOOK_URL"]
    assert "x7k2secretpath" not in shown
    assert shown == 'webhook.url = "https://hook.eu1.make.com/********"'
    assert tomllib.loads(render(found, ".env"))["webhook"]["url"] == url


def test_every_value_is_written_as_valid_toml_with_its_origin_comment() -> None:
    env = {
        "SMTP_FROM": "Ferrero Ops \x7f <ops@example.com>",  # a DEL pasted in by accident
        "REPORT_EMAILS": "a@example.com, b@example.com",
        "DB_PORT": "5437",
    }
    text = render(translate(env, BASE), ".env")
    data = tomllib.loads(text)
    assert data["smtp"]["sender"] == env["SMTP_FROM"]
    assert data["recipients"]["reports"] == ["a@example.com", "b@example.com"]
    assert data["database"]["port"] == 5437
    assert "# SMTP_FROM" in text and "# REPORT_EMAILS" in text and "# DB_PORT" in text


def test_missing_required_keys_are_commented_lines_that_config_will_name() -> None:
    found = translate({"ENV": "staging", "DAM_BASE_URL": "https://dam"}, BASE)
    text = render(found, ".env")
    assert "# auth_url = ..." in text and "# not in the .env: fill this in" in text
    data = tomllib.loads(text)
    assert data["environment"] == "staging" and data["dam"] == {"base_url": "https://dam"}
    assert "secrets" not in data
