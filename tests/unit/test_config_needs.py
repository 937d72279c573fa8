"""Each command reads only what it needs: the secrets it uses, the one table it needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ferrero_daemon.clients.control import socket_path
from ferrero_daemon.config import ControlConfig, load_config, read_section
from ferrero_daemon.errors import ConfigError
from tests.unit.test_config import example_text, write_config

BROKEN_DAM = '[dam]\nbase_url = "https://dam.example.com/otmmapi\n'  # the quote never closes


def filled(tmp_path: Path, socket: Path) -> Path:
    """The shipped example, valid, with the socket moved."""
    text = example_text().replace('"/run/ferrero-daemon/control.sock"', f'"{socket}"', 1)
    return write_config(tmp_path, text)


def test_a_command_that_uses_only_the_database_password_needs_no_other_secret(
    tmp_path: Path,
) -> None:
    box = tmp_path / "box.json"
    box.write_text("{}")
    box.chmod(0o644)  # readable by others: refused, but only by whoever reads it
    path = write_config(
        tmp_path,
        example_text().replace(
            'box_jwt_config = "/etc/ferrero-daemon/box-config.json"', f'box_jwt_config = "{box}"'
        ),
    )
    config = load_config(path, env={"FERRERO_DB_PASSWORD": "pw"}, secrets=("db_password",))
    assert config.secrets.require("db_password") == "pw"
    assert config.secrets.get("dam_client_secret") is None
    with pytest.raises(ConfigError) as everything:
        load_config(path, env={"FERRERO_DB_PASSWORD": "pw"})
    assert any("box_jwt_config" in p and "chmod 600" in p for p in everything.value.problems)
    assert any("dam_client_secret" in p for p in everything.value.problems)


def test_one_table_is_read_even_when_another_has_a_toml_syntax_error(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        f'{BROKEN_DAM}\n[control]\nsocket_path = "/run/x/control.sock"  # ours\ngroup = "ops"\n'
        '\n[backups]\nroot = "/srv/backups"\n',
    )
    assert read_section(path, "control") == {"socket_path": "/run/x/control.sock", "group": "ops"}
    assert read_section(path, "backups") == {"root": "/srv/backups"}
    assert read_section(path, "webhook") == {}
    broken_control = write_config(tmp_path, '[control]\nsocket_path = "/run/x\n')
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_section(broken_control, "control")


def test_status_finds_the_socket_without_secrets_or_a_valid_config(tmp_path: Path) -> None:
    sock = tmp_path / "control.sock"
    good = filled(tmp_path, sock)
    assert socket_path(str(good), None, env={}) == sock

    typo = write_config(tmp_path, f'{BROKEN_DAM}\n[control]\nsocket_path = "{sock}"\n')
    assert socket_path(None, None, env={"FERRERO_CONFIG": str(typo)}) == sock
    assert socket_path(None, "/explicit.sock", env={}) == Path("/explicit.sock")
    assert socket_path(str(typo), None, env={"FERRERO_SOCKET": "/env.sock"}) == Path("/env.sock")
    nowhere = {"FERRERO_CONFIG": str(tmp_path / "absent.toml")}
    assert socket_path(None, None, env=nowhere) == ControlConfig().socket_path
    with pytest.raises(ConfigError, match="does not exist; pass --socket"):
        socket_path(str(tmp_path / "absent.toml"), None, env={})
