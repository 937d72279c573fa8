from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ferrero_daemon.config import effective_config, load_config, parse_settings
from ferrero_daemon.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def example_text() -> str:
    return (REPO / "config.toml").read_text()


def secrets_config(tmp_path: Path, secret_file: Path) -> Path:
    text = example_text().replace(
        'box_jwt_config = "/etc/ferrero-daemon/box-config.json"',
        f'box_jwt_config = "{secret_file}"',
    )
    return write_config(tmp_path, text)


def test_example_config_is_complete_and_valid() -> None:
    settings = parse_settings(tomllib.loads(example_text()))
    assert settings.environment == "staging"
    assert settings.zone.key == "Europe/Rome"
    assert {name for name, _ in settings.jobs.items()} == {
        "a1_a2",
        "a2_a3",
        "a5_a6",
        "b1_b2",
        "creativex",
        "daily_report",
        "backup_daily",
        "backup_weekly",
        "backup_check",
    }


def test_three_mistakes_are_reported_together_with_their_key_paths(tmp_path: Path) -> None:
    secret = tmp_path / "box.json"
    secret.write_text("{}")
    secret.chmod(0o600)
    text = secrets_config(tmp_path, secret).read_text()
    text = text.replace('timezone = "Europe/Rome"', 'timezone = "Europe/Nowhere"')
    text = text.replace("port = 5437", 'port = "five"')
    text = text.replace('schedule = "0 19 * * *"', 'schedule = "every evening"')
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, text), env={})
    problems = info.value.problems
    assert any(p.startswith("timezone:") for p in problems), problems
    assert any(p.startswith("database.port:") for p in problems), problems
    assert any(p.startswith("jobs.daily_report.schedule:") for p in problems), problems
    assert len(problems) == 3


def test_failed_runs_before_a_file_is_set_aside_default_to_five_and_must_be_positive(
    tmp_path: Path,
) -> None:
    assert parse_settings(tomllib.loads(example_text())).box.set_aside_after_failed_runs == 5
    text = example_text().replace(
        "set_aside_after_failed_runs = 5", "set_aside_after_failed_runs = 0"
    )
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, text), env={})
    assert any(p.startswith("box.set_aside_after_failed_runs:") for p in info.value.problems)


def test_unknown_key_is_named(tmp_path: Path) -> None:
    text = example_text().replace("[webhook]\n", "[webhook]\nurll = 'x'\n")
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, text), env={})
    assert "webhook.urll: unknown key (check its spelling and section)" in info.value.problems


def test_world_readable_secret_file_is_refused_with_the_chmod_to_run(tmp_path: Path) -> None:
    secret = tmp_path / "box-config.json"
    secret.write_text('{"boxAppSettings": {}}')
    secret.chmod(0o644)
    env = {"FERRERO_DAM_CLIENT_SECRET": "s3cret-value", "FERRERO_LLAMA_CLOUD_API_KEY": "llx-1"}
    with pytest.raises(ConfigError) as info:
        load_config(secrets_config(tmp_path, secret), env=env)
    assert f"chmod 600 {secret}" in str(info.value)


def test_secret_sources_in_order_and_masked_output(tmp_path: Path) -> None:
    secret = tmp_path / "box-config.json"
    secret.write_text('{"boxAppSettings": {"clientSecret": "box-client-secret-xyz"}}')
    secret.chmod(0o600)
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "dam_client_secret").write_text("from-credentials-dir\n")
    env = {
        "CREDENTIALS_DIRECTORY": str(creds),
        "FERRERO_DAM_CLIENT_SECRET": "from-env",
        "FERRERO_LLAMA_CLOUD_API_KEY": "llx-from-env",
        "FERRERO_SMTP_PASSWORD": "smtp-pass-123",
    }
    config = load_config(secrets_config(tmp_path, secret), env=env)
    assert config.secrets.require("dam_client_secret") == "from-credentials-dir"
    assert config.secrets.require("llama_cloud_api_key") == "llx-from-env"
    shown = str(effective_config(config))
    for value in ("from-credentials-dir", "llx-from-env", "box-client-secret-xyz"):
        assert value not in shown
    assert "box-client-secret-xyz" in config.secrets.all_values()


def test_missing_required_secret_says_where_to_put_it(tmp_path: Path) -> None:
    secret = tmp_path / "box.json"
    secret.write_text("{}")
    secret.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        load_config(
            secrets_config(tmp_path, secret),
            env={"FERRERO_LLAMA_CLOUD_API_KEY": "k", "FERRERO_SMTP_PASSWORD": "p"},
        )
    assert any(
        "dam_client_secret" in p and "CREDENTIALS_DIRECTORY" in p for p in info.value.problems
    )
