"""Figures for the comms area: CreativeX extraction through the real SDK, and outbox delivery.

    .venv/bin/python bench/comms.py [--pdfs 20] [--mails 200]

Prints the SDK's import time, the mean/p95 latency of one extraction (real
``llama-cloud-services`` against the LlamaCloud emulator, one PENDING poll at 20 ms),
and how many queued mails per second the outbox delivers over STARTTLS + AUTH to
the SMTP emulator (one connection per mail, as in production), all on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


async def bench_extraction(count: int) -> None:
    from ferrero_daemon.clients.creativex import CreativeXClient
    from ferrero_daemon.sandbox import scorecard
    from ferrero_daemon.sandbox.llamacloud import LlamaCloudEmulator

    async with LlamaCloudEmulator() as emulator:
        client = CreativeXClient(emulator.api_key, emulator.base_url, "Creativex-Extract", 60, 0.02)
        started = time.perf_counter()
        await client.extract(scorecard.render(scorecard.sample("warmup.mp4")), "warmup.pdf")
        print(
            f"sdk import + agent lookup + first extraction: {time.perf_counter() - started:.2f} s"
        )
        latencies = []
        for i in range(count):
            pdf = scorecard.render(scorecard.sample(f"DE_de_Spot_{i}.mp4"))
            t0 = time.perf_counter()
            await client.extract(pdf, f"DE_de_Spot_{i}.pdf")
            latencies.append(time.perf_counter() - t0)
        await client.aclose()
    p95 = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
    print(
        f"extraction latency over {count} PDFs: mean {statistics.mean(latencies) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms"
    )


async def bench_outbox(count: int) -> None:
    sys.path.insert(0, str(ROOT))
    import asyncpg

    from ferrero_daemon.clients import db
    from ferrero_daemon.clients.mail import Mailer
    from ferrero_daemon.clients.types import Email
    from ferrero_daemon.config import Environment, Recipients, SmtpConfig
    from ferrero_daemon.domain.mails import CheckMail
    from ferrero_daemon.outbox.deliver import deliver_pending
    from ferrero_daemon.outbox.queue import Outbox
    from ferrero_daemon.sandbox.smtp import SmtpEmulator
    from tests.postgres import build_template, create_database, start_server

    server = start_server()
    await build_template(server)
    name = await create_database(server)
    pool = await asyncpg.create_pool(**server.kwargs(name))
    database = db.Database(pool)
    outbox = Outbox(database)
    mail = Email("success", "Bench", CheckMail(list="success", server="bench", environment="test"))
    async with SmtpEmulator() as smtp:
        settings = SmtpConfig(sender="Bench <bench@example.com>", **smtp.config_overrides()["smtp"])
        lists = Recipients(errors=["e@x.com"], success=["s@x.com"], reports=["r@x.com"])
        mailer = Mailer(settings, lists, Environment.TEST, smtp.password)
        for i in range(count):
            await outbox.email(f"bench-{i}", mail)
        t0 = time.perf_counter()
        report = await deliver_pending(
            database, mailer, None, datetime.now(UTC) + timedelta(seconds=1)
        )
        elapsed = time.perf_counter() - t0
    await database.close()
    print(
        f"outbox: {report.sent} mails delivered in {elapsed:.2f} s "
        f"({report.sent / elapsed:.0f} mails/s, STARTTLS + AUTH per mail)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdfs", type=int, default=20)
    parser.add_argument("--mails", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(bench_extraction(args.pdfs))
    asyncio.run(bench_outbox(args.mails))


if __name__ == "__main__":
    main()
