"""The CLI side of the control socket: send one request, read one reply.

A daemon that is not running, or a socket the caller may not open, becomes one
error line, never a traceback; the error's class decides the exit code
(``exits.py``). Finding the socket needs no secret and survives a broken config:
``--socket``, else ``$FERRERO_SOCKET``, else ``[control] socket_path`` of the config
(read on its own, so a typo elsewhere in the file does not matter), else the default.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from ferrero_daemon.clients.control_wire import (
    PauseReply,
    ReloadReply,
    Request,
    ResumeReply,
    StatusReply,
    TriggerReply,
    WaitReply,
    error_for,
)
from ferrero_daemon.config import ControlConfig, config_path, read_section
from ferrero_daemon.errors import (
    BusyError,
    ConfigError,
    ControlDenied,
    ControlError,
    DaemonUnavailable,
)

SOCKET_ENV = "FERRERO_SOCKET"


@dataclass(frozen=True)
class ControlClient:
    """One daemon's control socket; each method is one request and its typed reply."""

    path: Path

    def status(self, timeout: float = 15.0) -> StatusReply:
        return cast(StatusReply, self._ask({"cmd": "status"}, timeout))

    def trigger(self, job: str, *, dry_run: bool, by: str) -> TriggerReply:
        request: Request = {"cmd": "trigger", "job": job, "dry_run": dry_run, "by": by}
        return cast(TriggerReply, self._ask(request, 30.0))

    def wait(self, run_id: str, timeout: float) -> WaitReply:
        request: Request = {"cmd": "wait", "run_id": run_id, "timeout": timeout}
        return cast(WaitReply, self._ask(request, timeout + 15))

    def pause(self, job: str, by: str, timeout: float = 30.0) -> PauseReply:
        return cast(PauseReply, self._ask({"cmd": "pause", "job": job, "by": by}, timeout))

    def resume(self, job: str, by: str, timeout: float = 30.0) -> ResumeReply:
        return cast(ResumeReply, self._ask({"cmd": "resume", "job": job, "by": by}, timeout))

    def reload(self, *, wait: bool) -> ReloadReply:
        return cast(ReloadReply, self._ask({"cmd": "reload", "wait": wait}, 120.0))

    def _ask(self, request: Request, timeout: float) -> dict[str, Any]:
        reply = _exchange(self.path, request, timeout)
        if reply.get("ok") is not True:
            raise error_for(reply)
        reply.pop("ok")
        return reply


def _exchange(path: Path, payload: Request, timeout: float) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise DaemonUnavailable(
                f"the daemon is not running (nothing listens on {path}); "
                "start it with `systemctl start ferrero-daemon`"
            ) from None
        except PermissionError:
            raise ControlDenied(
                f"permission denied on {path}; run as root or as a member of the control group"
            ) from None
        try:
            sock.sendall(json.dumps(payload).encode() + b"\n")
            data = _read_line(sock)
        except TimeoutError:
            raise BusyError(f"the daemon did not answer within {timeout:g} s; try again") from None
        except ConnectionError as exc:
            raise ControlError(f"the daemon closed the connection: {exc}") from None
    try:
        reply = json.loads(data)
    except ValueError:
        raise ControlError("the daemon's answer is not JSON") from None
    if not isinstance(reply, dict):
        raise ControlError("the daemon's answer is not a JSON object")
    return reply


def _read_line(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            break
    if not chunks:
        raise ConnectionError("no answer")
    return b"".join(chunks)


def socket_path(
    config: str | None, explicit: str | None, env: Mapping[str, str] | None = None
) -> Path:
    """Where the daemon listens; needs no secret, and no valid config beyond ``[control]``."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if env.get(SOCKET_ENV):
        return Path(env[SOCKET_ENV])
    path = config_path(config, env)
    try:
        section = read_section(path, "control")
    except FileNotFoundError as exc:
        if config:
            raise ConfigError(f"config file {path} does not exist; pass --socket") from exc
        return ControlConfig().socket_path  # no config here: the default socket
    except PermissionError:
        if config:
            raise ConfigError(
                f"cannot read config file {path} (permission denied); pass --socket"
            ) from None
        # An operator need not be able to read the daemon's config: the default then.
        return ControlConfig().socket_path
    try:
        return ControlConfig.model_validate(section).socket_path
    except ValueError:
        raise ConfigError(
            f"{path}: [control] is invalid; run `ferrero-daemon config`, or pass --socket"
        ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file to read the socket path from "
        "(default: $FERRERO_CONFIG or /etc/ferrero-daemon/config.toml)",
    )
    parser.add_argument(
        "--socket",
        metavar="PATH",
        help=f"the control socket (default: ${SOCKET_ENV}, else [control] socket_path)",
    )


def client(args: argparse.Namespace) -> ControlClient:
    """The control client for a command's ``--config`` / ``--socket``."""
    return ControlClient(socket_path(args.config, args.socket))


def who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"
