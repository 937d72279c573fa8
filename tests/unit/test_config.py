from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from ferrero_daemon import cli
from ferrero_daemon.config import effective_config, load_config, parse_settings
from ferrero_daemon.cron import build_triggers
from ferrero_daemon.errors import ConfigError
from tests.configs import BASE_SETTINGS, deep_merge
from tests.configs import TEST_BOX_CONFIG as BOX_CONFIG

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {"a1_a2": "1001", "a2_a3": "1002", "b1_b2": "1003", "creativex": "1004"}


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def shipped_example() -> str:
    return (REPO / "config.toml").read_text()


def example_text() -> str:
    """The example with its four Box folder IDs filled in, as an operator would."""
    text = shipped_example()
    for key, folder_id in FOLDERS.items():
        text = text.replace(f'\n{key} = "0"', f'\n{key} = "{folder_id}"', 1)
    return text


def problems_of(overrides: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_settings(deep_merge(BASE_SETTINGS, overrides))
    return info.value.problems


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


def test_the_shipped_example_names_the_four_folders_still_to_fill_in() -> None:
    with pytest.raises(ConfigError) as info:
        parse_settings(tomllib.loads(shipped_example()))
    problems = info.value.problems
    assert [p.split(":")[0] for p in problems] == [f"box.folders.{k}" for k in FOLDERS]
    assert all("root of the Box account" in p for p in problems)


@pytest.mark.parametrize(
    ("schedule", "why"),
    [
        ("61 * * * *", "61"),
        ("0 3 * * 8", "day of week 8 is out of range 0-7"),
        ("0 25 * * *", "25"),
        ("0 3 32 * *", "32"),
        ("0 3 * 13 *", "13"),
        ("*/0 * * * *", "Increment must be higher than 0"),
        ("0 3 * *", "5-field"),
    ],
)
def test_a_cron_line_the_scheduler_would_refuse_is_refused_by_its_key(
    schedule: str, why: str
) -> None:
    problems = problems_of({"jobs": {"backup_weekly": {"schedule": schedule}}})
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"jobs.backup_weekly.schedule: {schedule!r} is not a valid")
    assert why in problems[0]


def test_the_box_root_and_a_folder_used_twice_are_refused_by_their_keys() -> None:
    root = problems_of({"box": {"folders": {"a2_a3": "0"}}})
    assert len(root) == 1 and root[0].startswith("box.folders.a2_a3: '0' is the root")
    twice = problems_of({"box": {"folders": {"b1_b2": "1001"}}})
    assert twice == [
        "box.folders: a1_a2 and b1_b2 are both '1001'; each workflow's Box folder must differ"
    ]
    pasted = problems_of({"box": {"folders": {"creativex": "https://app.box.com/folder/77"}}})
    assert pasted[0].startswith("box.folders.creativex: 'https://app.box.com/folder/77' is not")


def test_the_dam_vocabulary_defaults_to_todays_values_and_must_stay_distinct() -> None:
    dam = parse_settings(BASE_SETTINGS).dam
    assert (dam.values.local_campaign_type, dam.values.global_campaign_type) == (
        "Local comm",
        "Global comm",
    )
    assert dam.values.rejected == "NOT APPROVED"
    assert list(dam.statuses.model_dump().values()) == ["A1", "A2", "A3", "A5", "A6", "B1", "B2"]
    assert problems_of({"dam": {"statuses": {"a6": " a5"}}}) == [
        "dam.statuses: a5 and a6 are both ' a5'; each status code must differ"
    ]
    assert problems_of({"dam": {"values": {"global_campaign_type": "LOCAL COMM"}}})[0].startswith(
        "dam.values: local_campaign_type and global_campaign_type"
    )


def test_weekly_base_backups_off_unschedules_the_weekly_job() -> None:
    on = parse_settings(BASE_SETTINGS)
    off = parse_settings(deep_merge(BASE_SETTINGS, {"backups": {"weekly": "off"}}))
    assert on.job_enabled("backup_weekly") and "backup_weekly" in build_triggers(on)
    assert not off.job_enabled("backup_weekly") and "backup_weekly" not in build_triggers(off)
    assert problems_of({"backups": {"weekly": "sometimes"}})[0].startswith("backups.weekly:")


def test_a_truncated_box_config_is_refused_without_quoting_it(tmp_path: Path) -> None:
    secret = tmp_path / "box-config.json"
    secret.write_text(BOX_CONFIG[: len(BOX_CONFIG) // 2])
    secret.chmod(0o600)
    env = {"FERRERO_DAM_CLIENT_SECRET": "s3cret-value", "FERRERO_LLAMA_CLOUD_API_KEY": "llx-1"}
    env["FERRERO_SMTP_PASSWORD"] = "smtp-pass"
    with pytest.raises(ConfigError) as info:
        load_config(secrets_config(tmp_path, secret), env=env)
    [problem] = info.value.problems
    assert problem.startswith(f"secrets.box_jwt_config: the value from file {secret} is not valid")
    assert "box-client-secret-xyz" not in problem and "box-client-id" not in problem
    secret.write_text(json.dumps({"boxAppSettings": {"clientID": "x"}}))
    with pytest.raises(ConfigError, match=r"clientSecret, boxAppSettings\.appAuth\.publicKeyID"):
        load_config(secrets_config(tmp_path, secret), env=env)
    secret.write_text(BOX_CONFIG)
    assert load_config(secrets_config(tmp_path, secret), env=env).secrets.require("box_jwt_config")


def test_three_mistakes_are_reported_together_with_their_key_paths(tmp_path: Path) -> None:
    secret = tmp_path / "box.json"
    secret.write_text(BOX_CONFIG)
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


def test_a2_a3_moves_no_campaign_unless_told_and_names_the_choices(tmp_path: Path) -> None:
    assert parse_settings(tomllib.loads(example_text())).jobs.a2_a3.move_to_a3 == "off"
    text = example_text().replace('move_to_a3 = "off"', 'move_to_a3 = "all"')
    with pytest.raises(ConfigError) as info:
        load_config(write_config(tmp_path, text), env={})
    [problem] = [p for p in info.value.problems if p.startswith("jobs.a2_a3.move_to_a3:")]
    assert "'off', 'first_version' or 'every_master'" in problem
    # Only the choice, without a schedule: the job keeps its default schedule.
    minimal = parse_settings(
        {**tomllib.loads(example_text()), "jobs": {"a2_a3": {"move_to_a3": "every_master"}}}
    )
    assert minimal.jobs.a2_a3.schedule == "*/5 * * * *"


def test_a_typo_elsewhere_does_not_make_relative_secret_files_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    etc = tmp_path / "etc"
    (etc / "credentials").mkdir(parents=True)
    secret = etc / "credentials" / "box.json"
    secret.write_text(BOX_CONFIG)
    secret.chmod(0o600)
    text = example_text().replace(
        'box_jwt_config = "/etc/ferrero-daemon/box-config.json"',
        'box_jwt_config = "credentials/box.json"',  # relative to config.toml, as import-env writes
    )
    text = text.replace('timezone = "Europe/Rome"', 'timezone = "Europe/Nowhere"')
    monkeypatch.chdir(tmp_path)  # an operator runs `config` from elsewhere
    with pytest.raises(ConfigError) as info:
        load_config(write_config(etc, text), env={})
    assert [p.split(":")[0] for p in info.value.problems] == ["timezone"]


def test_the_previous_releases_manual_keep_is_accepted_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "box.json"
    secret.write_text(BOX_CONFIG)
    secret.chmod(0o600)
    text = secrets_config(tmp_path, secret).read_text()
    text = text.replace("weekly_keep = 4\n", "weekly_keep = 4\nmanual_keep = 10\n")  # as shipped
    env = {"FERRERO_DAM_CLIENT_SECRET": "s", "FERRERO_LLAMA_CLOUD_API_KEY": "k"}
    env["FERRERO_SMTP_PASSWORD"] = "p"

    config = load_config(write_config(tmp_path, text), env=env)

    [notice] = config.notices
    assert notice.startswith("backups.retention.manual_keep: no longer used, ignored")
    assert "never pruned" in notice and "delete the line" in notice
    assert "manual_keep" not in json.dumps(effective_config(config))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["config", "--config", str(config.path)]) == 0
    assert f"warning: {notice}" in capsys.readouterr().err


def test_the_webhook_urls_path_is_masked_in_the_effective_config(tmp_path: Path) -> None:
    secret = tmp_path / "box.json"
    secret.write_text(BOX_CONFIG)
    secret.chmod(0o600)
    text = secrets_config(tmp_path, secret).read_text()
    text = text.replace('\nurl = ""', "\nurl = 'https://hook.eu1.make.com/x7k2secretpath?t=1'")
    env = {"FERRERO_DAM_CLIENT_SECRET": "s", "FERRERO_LLAMA_CLOUD_API_KEY": "k"}
    config = load_config(write_config(tmp_path, text), env={**env, "FERRERO_SMTP_PASSWORD": "p"})

    shown = json.dumps(effective_config(config))

    assert "x7k2secretpath" not in shown and "t=1" not in shown
    assert effective_config(config)["webhook"]["url"] == "https://hook.eu1.make.com/********"
    assert config.settings.webhook.url.endswith("/x7k2secretpath?t=1")  # used as it is


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
    secret.write_text(BOX_CONFIG)
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
    secret.write_text(BOX_CONFIG)
    secret.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        load_config(
            secrets_config(tmp_path, secret),
            env={"FERRERO_LLAMA_CLOUD_API_KEY": "k", "FERRERO_SMTP_PASSWORD": "p"},
        )
    assert any(
        "dam_client_secret" in p and "CREDENTIALS_DIRECTORY" in p for p in info.value.problems
    )
