"""``ferrero-daemon sandbox`` as an operator rehearses with it.

One kept-running sandbox for the module: the whole lifecycle (``check --auth-pfx``
included), then every command run as an operator would after ``source env.sh``, with
no flag, then ``sandbox --stop`` (SIGTERM to the sandbox) and nothing left running.
A second, short sandbox is stopped by SIGINT in the middle of its lifecycle, started
the way a shell starts a background job (SIGINT ignored).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from ferrero_daemon.sandbox.webhook import POSTS_FILE
from tests.fixtures.runtime import Collector
from tests.webhook_schema import problems

REPO = Path(__file__).resolve().parents[2]
LIFECYCLE_S = 400.0


@dataclass
class Sandbox:
    proc: subprocess.Popen[str]
    workdir: Path
    lines: Collector

    def operator(self, command: str) -> subprocess.CompletedProcess[str]:
        """A new shell that sources the printed line, then runs ``ferrero-daemon …``."""
        script = f"source {self.workdir / 'env.sh'} && cd / && ferrero-daemon {command}"
        return subprocess.run(
            ["bash", "-c", script], capture_output=True, text=True, timeout=120, check=False,
            env={"PATH": "/usr/bin:/bin", "HOME": str(self.workdir)},
        )  # fmt: skip


def start(workdir: Path, *args: str) -> tuple[subprocess.Popen[str], Collector]:
    # SIGINT ignored, as `cmd &` in a non-interactive shell leaves a background job.
    background = ["bash", "-c", 'trap "" INT; exec "$@"', "bash"]
    workdir.parent.mkdir(parents=True, exist_ok=True)
    with stderr_file(workdir).open("w") as stderr:
        proc = subprocess.Popen(
            [*background, sys.executable, "-m", "ferrero_daemon", "sandbox", "--workdir", str(workdir), *args],
            cwd=REPO, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL, text=True,
        )  # fmt: skip
    lines = Collector()

    def read() -> None:
        assert proc.stdout is not None
        with proc.stdout:
            for line in proc.stdout:
                lines.add(line.rstrip("\n"))
        lines.add(None)  # EOF

    threading.Thread(target=read, daemon=True).start()
    return proc, lines


def stderr_file(workdir: Path) -> Path:
    return workdir.with_name(workdir.name + ".stderr")


def left_running(workdir: Path) -> list[str]:
    """Processes whose command line names the work directory (PostgreSQL, the daemon…)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(workdir) in cmdline:
                found.append(f"{entry.name}: {cmdline}")
    return found


def log_tail(workdir: Path) -> str:
    log = workdir / "daemon.log"
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(no daemon.log)"


@pytest.fixture
def outside_pytest_tmp() -> Iterator[Path]:
    """Not under /tmp/pytest-of-<user>: another pytest session starting on this machine
    resets that to 0700 and would lock out the embedded PostgreSQL's own user."""
    directory = Path(tempfile.mkdtemp(prefix="fd-sbx-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    base = Path(tempfile.mkdtemp(prefix="fd-sbx-"))  # see outside_pytest_tmp
    workdir = base / "kept"
    proc, lines = start(workdir, "--keep-running")
    try:
        source = lines.wait(lambda line: line is None or line.startswith("source "), LIFECYCLE_S)
        assert source == f"source {workdir / 'env.sh'}", (
            lines.items,
            stderr_file(workdir).read_text()[-3000:],
            log_tail(workdir),
        )
        yield Sandbox(proc, workdir, lines)
    finally:
        if proc.poll() is None:
            proc.kill()  # the tests below stop it properly; this is only a failed test's net
            proc.wait()
            subprocess.run(
                [sys.executable, "-m", "ferrero_daemon", "sandbox", "--stop", "--workdir", str(workdir)],
                cwd=REPO, capture_output=True, timeout=120, check=False,
            )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def test_the_lifecycle_passes_with_mutual_tls_checked_and_every_mail_on_disk(
    sandbox: Sandbox,
) -> None:
    steps = [line for line in sandbox.lines.items if line and line[:2] in ("✓ ", "✗ ")]
    failed = [line for line in steps if line.startswith("✗")]
    assert not failed, f"{failed}\n--- daemon.log (tail) ---\n{log_tail(sandbox.workdir)}"
    assert f"{len(steps)} of {len(steps)} steps passed" in sandbox.lines.items
    check = next(line for line in steps if "every connection checks out" in line)
    assert "(DAM mTLS with the .pfx included)" in check
    assert steps[-2].startswith("✓ clean stop on SIGTERM")
    assert steps[-1].startswith("✓ daemon running for you (READY=1)")
    mail = sandbox.workdir / "mail"
    emls, pages = sorted(mail.glob("*.eml")), sorted(mail.glob("*.html"))
    assert len(emls) == len(pages) >= 5
    assert [p.stem for p in emls] == [p.stem for p in pages]
    assert any("A1-A2-masters-delivered" in p.name for p in emls)
    assert "<" in pages[0].read_text(encoding="utf-8")
    _every_webhook_matches_the_schema(sandbox.workdir / "webhook" / POSTS_FILE)


def _every_webhook_matches_the_schema(posts_file: Path) -> None:
    """What Make.com would have received, as the sandbox's webhook receiver kept it."""
    posts = [json.loads(line) for line in posts_file.read_text().splitlines()]
    assert {p["event"]: problems(p) for p in posts if problems(p)} == {}
    moves = [(p["old_status"], p["new_status"]) for p in posts if p["event"] != "test"]
    assert moves == [("A1", "A2"), ("A2", "A3"), ("A5", "A6")]  # B1→B2 posts none
    assert [p["event"] for p in posts].count("test") == 1  # check --send-test-webhook


def test_after_source_every_command_works_without_flags_and_json_is_pure(
    sandbox: Sandbox,
) -> None:
    commands = {
        "status": 0,
        "status --json": 0,
        "check --json --auth-pfx": 0,
        "trigger a2_a3 --wait --json": 0,
        "backup list --json": 0,
        "restore --list --json": 0,
        "report --json": 0,
        "trigger a9_a9 --json": 64,
        "status --no-such-flag": 64,
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = dict(zip(commands, pool.map(sandbox.operator, commands), strict=True))
    for command, expected in commands.items():
        out = done[command]
        assert out.returncode == expected, f"{command}: {out.returncode}\n{out.stderr}"
        if "--json" in command:
            json.loads(out.stdout)  # exactly one document, nothing else on stdout
    status = json.loads(done["status --json"].stdout)
    assert status["role"] == "active" and status["timezone"] == "Europe/Rome"
    assert status["config"] == str(sandbox.workdir / "config.toml")
    [folder] = status["set_aside"]
    assert folder["folder"] == "a2_a3" and folder["count"] == 1
    text = done["status"].stdout
    assert f"pid {status['pid']}, up " in text and "times in Europe/Rome (" in text
    assert "a2_a3/_needs_attention: 1 since " in text
    check = json.loads(done["check --json --auth-pfx"].stdout)
    assert check["ok"] and "DAM mTLS" in [c["name"] for c in check["connections"]]
    assert (
        json.loads(done["trigger a2_a3 --wait --json"].stdout)["result"]["outcome"] == "succeeded"
    )
    assert json.loads(done["trigger a9_a9 --json"].stdout)["error"]["exit_code"] == 64
    backups = json.loads(done["backup list --json"].stdout)["backups"]
    assert [b["kind"] for b in backups] == ["manual"] and backups[0]["valid"]


def test_sandbox_stop_from_another_shell_ends_every_child_postgres_included(
    sandbox: Sandbox,
) -> None:
    assert any("/pg" in p and "postgres" in p for p in left_running(sandbox.workdir))
    stopped = sandbox.operator(f"sandbox --stop --workdir {sandbox.workdir}")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.startswith(f"stopped the sandbox (pid {sandbox.proc.pid})")
    assert sandbox.proc.wait(timeout=60) == 0  # SIGTERM ends a kept sandbox normally
    sandbox.lines.wait(lambda line: line is None, 10)  # stdout closed
    assert left_running(sandbox.workdir) == []
    assert sandbox.operator("status").returncode == 69
    assert sandbox.operator(f"sandbox --stop --workdir {sandbox.workdir}").returncode == 69


def test_ctrl_c_mid_lifecycle_stops_a_background_sandbox_and_its_postgres(
    outside_pytest_tmp: Path,
) -> None:
    workdir = outside_pytest_tmp / "interrupted"
    proc, lines = start(workdir)
    try:
        first = lines.wait(lambda line: line is None or line.startswith(("✓", "✗")), 240)
        assert first is not None and first.startswith("✓"), (
            lines.items,
            stderr_file(workdir).read_text()[-3000:],
        )
        assert left_running(workdir)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=120) == 130
        lines.wait(lambda line: line is None, 10)  # stdout closed
        assert left_running(workdir) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
