"""The control commands as an operator scripts them: exit codes, ``--json``, no secrets.

One daemon per test, the real ``ferrero-daemon`` CLI as a subprocess.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from collections.abc import Callable

from tests.fixtures.runtime import ROOT, DaemonProcess
from tests.postgres import PgServer

MakeDaemon = Callable[..., DaemonProcess]
JOBS = "a1_a2=tests.jobs:partial,a2_a3=tests.jobs:quick,a5_a6=tests.jobs:fail"


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ferrero_daemon", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def without_secrets(env: dict[str, str]) -> dict[str, str]:
    """An operator's shell: no secret in the environment, no credentials directory."""
    return {
        k: v
        for k, v in env.items()
        if not k.startswith("FERRERO_") and k != "CREDENTIALS_DIRECTORY"
    }


def sql(pg: PgServer, database: str, *statements: str) -> None:
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(**pg.kwargs(database))
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(go())


def test_a_second_run_is_refused_and_leaves_the_live_daemons_socket(
    make_daemon: MakeDaemon,
) -> None:
    alpha = make_daemon().start()
    alpha.wait_notify("READY")
    assert alpha.proc is not None
    env = {k: v for k, v in alpha.env.items() if k != "NOTIFY_SOCKET"}

    second = run_cli("run", "--config", str(alpha.config_path), env=env)

    assert second.returncode == 75, second.stderr
    [line] = second.stderr.splitlines()  # one JSON line at error priority, for journald
    event = json.loads(line.removeprefix("<3>"))
    assert (event["event"], event["reason"], event["exit_code"]) == ("startup_failed", "busy", 75)
    assert event["error"].startswith(
        f"another daemon (pid {alpha.proc.pid}) owns the control socket {alpha.socket_path}; "
        "stop it first"
    )
    assert alpha.socket_path.is_socket()
    answer = json.loads(alpha.cli("status", "--json").stdout)
    assert answer["pid"] == alpha.proc.pid and answer["active_holder"] == answer["holder"]

    # A daemon that died without cleaning up leaves a stale file: the next start takes it.
    alpha.signal(signal.SIGKILL)
    alpha.wait_exit()
    assert alpha.socket_path.exists()
    again = make_daemon().start()
    again.wait_notify("READY")
    assert again.proc is not None
    assert json.loads(again.cli("status", "--json").stdout)["pid"] == again.proc.pid


def test_operators_need_no_secret_and_a_typo_elsewhere_does_not_stop_them(
    make_daemon: MakeDaemon, pg: PgServer, pg_database: str
) -> None:
    daemon = make_daemon(jobs=JOBS).start()
    daemon.wait_notify("READY")
    sql(
        pg,
        pg_database,
        "INSERT INTO attention_items (box_file_id, workflow, file_name, reason) VALUES "
        "('f1', 'a2_a3', 'Nutella_AT_de_1001_OMG999_X.mp4', 'tracking ID check failed')",
        "INSERT INTO notification_outbox (kind, dedupe_key, payload, attempts, next_attempt_at,"
        " last_error) VALUES ('email', 'k1', '{}', 2, now() + interval '1 day',"
        " 'SMTP 451 4.3.0 Try again later')",
    )
    # The daemon keeps its config; the file on disk gets a TOML syntax error in [dam].
    text = daemon.config_path.read_text()
    daemon.config_path.write_text(text.replace("[dam]\n", '[dam]\nbroken = "no end\n', 1))
    env = {**without_secrets(daemon.env), "FERRERO_CONFIG": str(daemon.config_path)}

    table = run_cli("status", env=env)
    assert table.returncode == 0, table.stderr
    assert "outbox: 1 waiting (1 mails, 0 webhook events), oldest " in table.stdout
    assert "1 failing, last error: SMTP 451 4.3.0 Try again later" in table.stdout
    assert (
        "  a2_a3/_needs_attention: 1 since " in table.stdout
        and ": Nutella_AT_de_1001_OMG999_X.mp4" in table.stdout
    )
    answer = json.loads(run_cli("status", "--json", env=env).stdout)
    assert answer["outbox"]["pending"] == 1 and answer["outbox"]["oldest_age_s"] >= 0
    [folder] = answer["set_aside"]
    assert (folder["folder"], folder["count"], folder["box_folder_id"]) == ("a2_a3", 1, "1002")
    assert folder["oldest_at"].endswith(("+01:00", "+02:00"))  # Europe/Rome, named on top
    assert answer["timezone"] == "Europe/Rome"

    waited = run_cli("trigger", "a2_a3", "--wait", "--json", env=env)
    assert waited.returncode == 0, waited.stderr
    document = json.loads(waited.stdout)
    assert document["result"]["outcome"] == "succeeded"
    assert document["run"]["run_id"] == document["result"]["run_id"]
    assert run_cli("pause", "a1_a2", env=env).returncode == 0
    resumed = run_cli("resume", "a1_a2", env=env)
    assert resumed.returncode == 0 and "(Europe/Rome)" in resumed.stdout


def test_the_exit_codes_of_a_run_and_of_a_refusal(make_daemon: MakeDaemon) -> None:
    daemon = make_daemon(jobs=JOBS).start()
    daemon.wait_notify("READY")

    partial = daemon.cli("trigger", "a1_a2", "--wait")
    assert partial.returncode == 3 and "a1_a2: partial in" in partial.stdout
    failed = daemon.cli("trigger", "a5_a6", "--wait", "--json")
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["result"]["error"] == (
        "RuntimeError: the test job fails on purpose"
    )
    unknown = daemon.cli("trigger", "a9_a9", "--json")
    assert unknown.returncode == 64
    assert "unknown job 'a9_a9'; known jobs: a1_a2, " in unknown.stderr
    assert json.loads(unknown.stdout)["error"]["exit_code"] == 64
    assert daemon.cli("trigger").returncode == 64  # argparse: JOB missing
