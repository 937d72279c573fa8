from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ferrero_daemon.cron import LocalCronTrigger
from ferrero_daemon.runtime.notify import SystemdNotifier
from ferrero_daemon.runtime.scheduler import JobScheduler

ROME = ZoneInfo("Europe/Rome")


def triggers(**schedules: str) -> dict[str, LocalCronTrigger]:
    return {name: LocalCronTrigger(s, ROME) for name, s in schedules.items()}


async def test_a_reload_leaves_unchanged_jobs_alone_and_a_due_job_fires() -> None:
    fired: asyncio.Queue[str] = asyncio.Queue()

    async def fire(job: str) -> None:
        await fired.put(job)

    scheduler = JobScheduler(fire, 300)
    scheduler.start()
    try:
        scheduler.apply(triggers(a1_a2="*/5 * * * *", b1_b2="0 2 * * *"), set(), 300)
        kept = scheduler._require().get_job("a1_a2")
        changes = scheduler.apply(triggers(a1_a2="*/5 * * * *", b1_b2="0 3 * * 0"), set(), 300)
        assert (changes.changed, changes.added, changes.removed) == (("b1_b2",), (), ())
        assert scheduler._require().get_job("a1_a2") is kept
        next_b1 = scheduler.next_run("b1_b2")
        assert next_b1 is not None and next_b1.astimezone(ROME).strftime("%a %H:%M") == "Sun 03:00"

        scheduler._require().modify_job("a1_a2", next_run_time=datetime.now(UTC))
        assert await asyncio.wait_for(fired.get(), 5) == "a1_a2"
    finally:
        scheduler.stop()


async def test_a_paused_job_has_no_next_run_until_resumed() -> None:
    async def fire(job: str) -> None:
        raise AssertionError("a paused job must not fire")

    scheduler = JobScheduler(fire, 300)
    scheduler.start()
    try:
        scheduler.apply(triggers(a1_a2="*/5 * * * *"), {"a1_a2"}, 300)
        assert scheduler.next_run("a1_a2") is None
        scheduler.resume("a1_a2")
        assert scheduler.next_run("a1_a2") is not None
    finally:
        scheduler.stop()


def test_sd_notify_sends_one_datagram_per_message(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(str(path))
        notifier = SystemdNotifier({"NOTIFY_SOCKET": str(path)})
        notifier.ready("active:\n3 jobs")
        notifier.reloading()
        assert listener.recv(4096) == b"READY=1\nSTATUS=active: 3 jobs"
        reloading = listener.recv(4096).decode().splitlines()
        assert reloading[0] == "RELOADING=1" and reloading[1].startswith("MONOTONIC_USEC=")
