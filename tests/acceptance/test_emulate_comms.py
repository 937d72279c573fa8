"""``ferrero-daemon emulate llamacloud|smtp`` as a user runs it: a process printing its URL."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def start(name: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ferrero_daemon", "emulate", name, *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=10)
    assert process.stdout is not None
    process.stdout.close()
    return code


def test_emulate_llamacloud_serves_the_agent_to_the_sandbox_key() -> None:
    process, url = start("llamacloud")
    try:
        response = httpx.get(
            f"{url}/api/v1/extraction/extraction-agents/by-name/Creativex-Extract",
            headers={"Authorization": "Bearer llx-sandbox-key"},
        )
        assert response.status_code == 200
        assert response.json()["name"] == "Creativex-Extract"
    finally:
        assert stop(process) == 0


def test_emulate_smtp_greets_and_offers_starttls(tmp_path: Path) -> None:
    import smtplib

    process, url = start("smtp", "--data-dir", str(tmp_path))
    try:
        assert url.startswith("smtp://127.0.0.1:")
        with smtplib.SMTP("127.0.0.1", int(url.rsplit(":", 1)[1]), timeout=10) as client:
            client.ehlo()
            assert client.has_extn("starttls")
        assert (tmp_path / "smtp-ca.pem").is_file()  # what [smtp] ca_bundle points at
    finally:
        assert stop(process) == 0
