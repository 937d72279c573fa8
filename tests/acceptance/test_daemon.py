"""``ferrero-daemon run`` as systemd sees it: a subprocess with its own NOTIFY_SOCKET."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ferrero_daemon.config import Config
from ferrero_daemon.sandbox.smtp import SmtpEmulator
from tests import configs
from tests.fixtures.runtime import DaemonProcess, LoopThread
from tests.jobs import RELEASE_CHANNEL
from tests.postgres import PgServer

MakeDaemon = Callable[..., DaemonProcess]


def status(daemon: DaemonProcess) -> dict:
    out = daemon.cli("status", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def job(reply: dict, name: str) -> dict:
    return next(j for j in reply["jobs"] if j["job"] == name)


def job_rows(table: str) -> dict[str, str]:
    """The rows of the job table in ``status``'s text, by job."""
    lines = table.split("\nJOB ", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    return {line.split()[0]: line for line in lines}


def release(pg: PgServer, database: str) -> None:
    sql(pg, database, f"NOTIFY {RELEASE_CHANNEL}")


def sql(pg: PgServer, database: str, query: str) -> list[Any]:
    import asyncpg

    async def run() -> list[Any]:
        conn = await asyncpg.connect(**pg.kwargs(database))
        try:
            return list(await conn.fetch(query))
        finally:
            await conn.close()

    return asyncio.run(run())


def test_ready_watchdog_and_triggered_runs_report_their_outcome(
    make_daemon: MakeDaemon, smtp_thread: tuple[LoopThread, SmtpEmulator]
) -> None:
    daemon = make_daemon().start(watchdog_usec=200_000)
    ready = daemon.wait_notify("READY")
    assert ready["STATUS"] == "active: 3 jobs scheduled, 0 running"
    daemon.wait_notify("WATCHDOG")

    ok = daemon.cli("trigger", "a2_a3", "--wait")
    assert ok.returncode == 0, ok.stderr
    assert "a2_a3: succeeded in" in ok.stdout and "(checked 1)" in ok.stdout

    failed = daemon.cli("trigger", "a5_a6", "--wait")
    assert failed.returncode == 1
    assert "a5_a6: failed in" in failed.stdout
    assert "RuntimeError: the test job fails on purpose" in failed.stdout
    thread, smtp = smtp_thread
    (mail,) = thread.call(smtp.wait_for(1))
    assert mail.subject.endswith("Problem: job a5_a6") and mail.rcpt_tos == ("ops@example.com",)
    assert "the test job fails on purpose" in (mail.text or "")

    table = daemon.cli("status")
    assert table.returncode == 0
    assert daemon.proc is not None
    lines = table.stdout.splitlines()
    assert lines[1].startswith("version ") and f", pid {daemon.proc.pid}, up " in lines[1]
    assert lines[2].startswith("times in Europe/Rome (")
    rows = job_rows(table.stdout)
    assert "(manual)  succeeded" in rows["a2_a3"] and "(manual)  failed" in rows["a5_a6"]
    errors = table.stdout.split("last errors:\n", 1)[1].splitlines()
    assert errors[0].split()[0] == "a5_a6"
    assert errors[0].endswith("failed   RuntimeError: the test job fails on purpose")


def test_a_busy_job_is_refused_and_status_shows_the_running_progress(
    make_daemon: MakeDaemon, pg: PgServer, pg_database: str
) -> None:
    daemon = make_daemon().start()
    daemon.wait_notify("READY")
    assert daemon.cli("trigger", "a1_a2").returncode == 0
    daemon.wait_log("test_job_holding")

    busy = daemon.cli("trigger", "a1_a2")
    assert busy.returncode == 75
    assert "job a1_a2 is already running (run " in busy.stderr and "Traceback" not in busy.stderr
    running = job(status(daemon), "a1_a2")["running"]
    assert running["progress"] == {
        "done": 1,
        "total": 2,
        "bytes": 5 * 1024 * 1024,
        "current": "master_01.mp4",
    }
    release(pg, pg_database)
    daemon.wait_log("run_finished", job="a1_a2", outcome="succeeded", trigger="manual")
    assert job(status(daemon), "a1_a2")["running"] is None


def test_sigterm_while_a_run_finishes_within_the_deadline_stops_cleanly(
    make_daemon: MakeDaemon, pg: PgServer, pg_database: str
) -> None:
    # `systemctl restart` during a short job: the run ends inside the shutdown window.
    daemon = make_daemon(overrides={"runtime": {"shutdown_deadline_seconds": 30.0}}).start()
    daemon.wait_notify("READY")
    assert sql(pg, pg_database, "SELECT holder FROM scheduler_lease") != []
    assert daemon.cli("trigger", "a1_a2").returncode == 0
    daemon.wait_log("test_job_holding")

    daemon.signal(signal.SIGTERM)
    daemon.wait_log("daemon_stopping", running=["a1_a2"])
    release(pg, pg_database)

    assert daemon.wait_exit() == 0
    daemon.wait_log("run_finished", job="a1_a2", outcome="succeeded")
    assert daemon.wait_log("daemon_stopped")["interrupted"] == []
    assert sql(pg, pg_database, "SELECT holder FROM scheduler_lease") == []  # released
    assert not daemon.socket_path.exists()


def test_sighup_applies_a_new_schedule_and_refuses_an_invalid_config(
    make_daemon: MakeDaemon,
) -> None:
    daemon = make_daemon().start()
    daemon.wait_notify("READY")
    before = job(status(daemon), "a5_a6")["next_run"]
    text = daemon.config_path.read_text()
    daemon.config_path.write_text(
        text.replace(
            '[jobs.a2_a3]\nenabled = true\nschedule = "0 12 1 1 *"',
            '[jobs.a2_a3]\nenabled = true\nschedule = "30 9 * * mon"',
        )
    )

    mark = len(daemon.notes.items)
    daemon.signal(signal.SIGHUP)
    reloading = daemon.wait_notify("RELOADING", start=mark)
    assert int(reloading["MONOTONIC_USEC"]) > 0
    daemon.wait_notify("READY", start=mark)
    after = status(daemon)
    assert job(after, "a2_a3")["schedule"] == "30 9 * * mon"
    assert job(after, "a5_a6")["next_run"] == before  # an unchanged job keeps its phase

    daemon.config_path.write_text(
        text.replace('schedule = "0 12 1 1 *"', 'schedule = "99 * * * *"', 1)
    )
    mark = len(daemon.notes.items)
    daemon.signal(signal.SIGHUP)
    daemon.wait_notify("RELOADING", start=mark)
    refused = daemon.wait_notify("READY", start=mark)
    assert (
        "reload refused, running on the previous config: jobs.a1_a2.schedule" in refused["STATUS"]
    )
    daemon.wait_log("reload_refused")
    still = status(daemon)
    assert job(still, "a2_a3")["schedule"] == "30 9 * * mon"
    assert still["reload_error"].startswith(
        "jobs.a1_a2.schedule: '99 * * * *' is not a valid cron line"
    )

    sync = daemon.cli("reload", "--wait")
    assert sync.returncode == 78 and "jobs.a1_a2.schedule" in sync.stderr


def test_a_standby_takes_over_after_kill_9_of_the_active_daemon(make_daemon: MakeDaemon) -> None:
    alpha = make_daemon("alpha").start()
    alpha.wait_notify("READY")
    beta = make_daemon("beta").start()
    assert beta.wait_notify("READY")["STATUS"] == "standby: waiting for the scheduler lease"
    standby = status(beta)
    assert standby["role"] == "standby" and standby["active_holder"].startswith("alpha/")
    refused = beta.cli("trigger", "a2_a3")
    assert refused.returncode == 69 and "is the standby" in refused.stderr

    alpha.signal(signal.SIGKILL)
    alpha.wait_exit()
    beta.wait_log("lease_acquired", timeout=6)
    assert status(beta)["role"] == "active"
    assert beta.cli("trigger", "a2_a3", "--wait").returncode == 0


def test_a_daemon_that_is_not_running_gets_one_line(
    tmp_path: Path, make_config: Callable[..., Config]
) -> None:
    config = configs.write_toml(
        tmp_path / "c.toml", {"control": {"socket_path": str(tmp_path / "none.sock")}}
    )
    daemon = DaemonProcess(config, tmp_path / "none.sock", tmp_path / "n", env={})
    out = daemon.cli("status")
    assert out.returncode == 69
    assert out.stderr.strip().splitlines() == [
        f"ferrero-daemon status: the daemon is not running (nothing listens on {tmp_path / 'none.sock'}); "
        "start it with `systemctl start ferrero-daemon`"
    ]
