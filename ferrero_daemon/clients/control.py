"""The CLI side of the control socket: send one request, read one reply.

A daemon that is not running, or a socket the caller may not open, becomes one
``ControlError`` line, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
import tomllib
from pathlib import Path
from typing import Any

from ferrero_daemon.config import ControlConfig, config_path
from ferrero_daemon.errors import ControlError, JobBusyError


def request(path: Path, payload: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    """The daemon's reply; ``ControlError`` (``JobBusyError`` when busy) if it says no."""
    reply = _exchange(path, payload, timeout)
    if reply.get("ok"):
        return reply
    message = str(reply.get("error") or "the daemon refused the request")
    if reply.get("kind") == "JobBusyError":
        raise JobBusyError(message)
    raise ControlError(message)


def _exchange(path: Path, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise ControlError(
                f"the daemon is not running (nothing listens on {path}); "
                "start it with `systemctl start ferrero-daemon`"
            ) from None
        except PermissionError:
            raise ControlError(
                f"permission denied on {path}; run as root or as a member of the control group"
            ) from None
        try:
            sock.sendall(json.dumps(payload).encode() + b"\n")
            data = _read_line(sock)
        except TimeoutError:
            raise ControlError(f"the daemon did not answer within {timeout:g} s") from None
        except ConnectionError as exc:
            raise ControlError(f"the daemon closed the connection: {exc}") from None
    try:
        reply: dict[str, Any] = json.loads(data)
    except ValueError:
        raise ControlError("the daemon's answer is not JSON") from None
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


def socket_path(config: str | None, explicit: str | None) -> Path:
    """``--socket``, else ``control.socket_path`` of the config (no secrets needed), else
    the default. Operators may use the CLI without being able to read any secret."""
    if explicit:
        return Path(explicit)
    path = config_path(config)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, PermissionError) as exc:
        if config:
            raise ControlError(
                f"cannot read config file {path} ({exc.strerror}); pass --socket"
            ) from None
        # An operator need not read the daemon's config: the default path then.
        return ControlConfig().socket_path
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ControlError(
            f"cannot read {path} for the socket path: {exc}; pass --socket"
        ) from None
    control = data.get("control", {})
    try:
        return ControlConfig.model_validate(control).socket_path
    except ValueError:
        raise ControlError(f"{path}: [control] is invalid; run `ferrero-daemon config`") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file to read the socket path from (default: $FERRERO_CONFIG or /etc/ferrero-daemon/config.toml)",
    )
    parser.add_argument("--socket", metavar="PATH", help="the control socket (overrides --config)")


def who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"
