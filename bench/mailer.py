"""Mailer delivery throughput: 2,000 emails, each with its own 100 KB PDF, from the outbox to the
development SMTP sink (aiosmtpd writing .eml files, in its own process). Baseline, in the same
run: raw aiosmtplib sending the same message bytes one after the other on one reused
connection, no database.

    uv run python bench/mailer.py [--messages 2000] [--rounds 4] [--connections 3] [--unrecorded 1]

The development machine is shared, and its load changes within a minute, so the two are
interleaved: each round sends a quarter of the messages with the baseline, then the same
quarter with ours, and the rates are totals over all rounds.

Ours: the delivery worker as the service runs it (claims batches with FOR UPDATE SKIP LOCKED
and a lease, loads attachments, builds MIME, sends on a few connections, records each message
as sent before the next DATA exchange may end: at most `--unrecorded` (default 1) unrecorded
messages per process, so a crash resends at most that many).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path

import aiosmtplib
from aquaerp_mailer.app import SPEC
from aquaerp_mailer.config import MailerSettings
from aquaerp_mailer.delivery import DeliveryWorker, FetchedDocument
from aquaerp_mailer.mime import Envelope, Part, compose
from aquaerp_mailer.models import messages
from aquaerp_mailer.service import AttachmentInput, EmailRequest, MailerService, Recipient
from aquaerp_mailer.templates import TemplateCatalog
from aquaerp_runtime.context import Principal, principal_var
from aquaerp_runtime.db import Database
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.testing.ports import free_port
from common import bench_database, start_process
from sqlalchemy import func, select, update

CUSTOMER = ("claire.dupont@example.fr", "Mme Claire Dupont")


class InlineOnly:
    async def fetch(self, source: str, reference: str) -> FetchedDocument:
        raise AssertionError("the benchmark attaches inline PDFs only")


def pdf(number: int) -> bytes:
    return b"%PDF-1.7\n" + random.randbytes(100 * 1024) + f"\n% {number}\n%%EOF\n".encode()


class Sink:
    """The development mail sink in its own process."""

    def __init__(self, workdir: Path, name: str) -> None:
        self.port = free_port()
        self.directory = workdir / name
        arguments = ["--port", str(self.port), "--dir", str(self.directory)]
        self.process = start_process(
            ["-m", "aquaerp_stack.mail_sink", *arguments], {}, workdir / f"sink-{name}.log"
        )

    async def ready(self) -> None:
        for _ in range(300):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.1)
        raise RuntimeError("the sink did not start")

    def close_and_count(self, expected: int) -> None:
        """Stops the sink and checks every message arrived exactly once (by Message-ID)."""
        self.process.terminate()
        self.process.wait()
        parser = BytesHeaderParser()
        ids = []
        for path in self.directory.glob("*.eml"):
            with path.open("rb") as file:
                ids.append(str(parser.parse(file)["Message-ID"]))
        shutil.rmtree(self.directory)
        if len(ids) != expected or len(set(ids)) != expected:
            raise AssertionError(f"{len(ids)} files, {len(set(ids))} distinct of {expected}")


async def baseline(sink: Sink, sender: str, bodies: list[bytes]) -> float:
    """Seconds to send `bodies` one after the other on one connection."""
    client = aiosmtplib.SMTP(
        hostname="127.0.0.1", port=sink.port, start_tls=False, local_hostname="bench"
    )
    await client.connect()
    started = time.perf_counter()
    for body in bodies:
        await client.sendmail(sender, [CUSTOMER[0]], body)
    elapsed = time.perf_counter() - started
    await client.quit()
    return elapsed


async def ours(worker: DeliveryWorker, database: Database, keys: list[str]) -> float:
    """Seconds for the worker to deliver the messages with these idempotency keys."""
    async with database.unit_of_work() as session:
        await session.execute(
            update(messages)
            .where(messages.c.idempotency_key.in_(keys))
            .values(status="queued", attempts=0, due_at=func.now())
        )
    started = time.perf_counter()
    task = asyncio.create_task(worker.run())
    while True:
        async with database.unit_of_work() as session:
            sent = await session.scalar(
                select(func.count()).where(
                    messages.c.idempotency_key.in_(keys), messages.c.status == "sent"
                )
            )
        if sent == len(keys):
            break
        # Not too often: these queries use the CPU the measured work needs.
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - started
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=3)
    parser.add_argument("--unrecorded", type=int, default=1)
    options = parser.parse_args()
    count = options.messages

    url = await bench_database("bench_mailer")
    assert SPEC.migrations is not None
    await upgrade_async(SPEC.migrations, url, SPEC.schema)
    workdir = Path(tempfile.mkdtemp(prefix="bench-mailer-"))
    settings = MailerSettings(
        database_url=url,
        smtp_host="127.0.0.1",
        smtp_starttls=False,
        smtp_connections=options.connections,
        claim_batch_size=20,
        poll_interval=0.05,
        max_unrecorded_per_process=options.unrecorded,
    )
    database = Database.from_url(url, pool_size=options.connections + 2)
    catalog = TemplateCatalog(settings.company)
    service = MailerService(database, settings, catalog)
    variables = catalog.info("invoice_issued").sample
    pdfs = [pdf(n) for n in range(count)]
    keys = [f"bench-{n}" for n in range(count)]

    principal_var.set(Principal(subject="bench", roles=frozenset({"service"})))
    started = time.perf_counter()
    for n in range(count):
        await service.send(
            EmailRequest(
                template="invoice_issued",
                to=[Recipient(*CUSTOMER)],
                variables=variables,
                idempotency_key=keys[n],
                document_type="invoice",
                document_id=f"inv-{n}",
                attachments=[AttachmentInput(f"F-{n}.pdf", "application/pdf", content=pdfs[n])],
            )
        )
    queue_rate = count / (time.perf_counter() - started)
    # Parked until their round.
    async with database.unit_of_work() as session:
        await session.execute(update(messages).values(status="failed_permanent"))

    # The baseline sends the messages the worker builds: same headers, parts and sizes.
    rendered = catalog.render("invoice_issued", variables)
    company = settings.company.name
    bodies = [
        compose(
            Envelope(
                message_id=f"<bench-{n}@baseline>",
                sender=settings.from_address,
                sender_name=company,
                to=[CUSTOMER],
                cc=[],
                reply_to="",
                subject=rendered.subject,
                text=rendered.text,
                html=rendered.html,
                attachments=[Part(f"F-{n}.pdf", "application/pdf", pdfs[n])],
                date=datetime.now(UTC),
            )
        )
        for n in range(count)
    ]

    baseline_sink, our_sink = Sink(workdir, "baseline"), Sink(workdir, "ours")
    await baseline_sink.ready()
    await our_sink.ready()
    worker = DeliveryWorker(
        database, settings.model_copy(update={"smtp_port": our_sink.port}), InlineOnly()
    )
    baseline_seconds = our_seconds = 0.0
    try:
        size = -(-count // options.rounds)
        for start in range(0, count, size):
            baseline_seconds += await baseline(
                baseline_sink, settings.from_address, bodies[start : start + size]
            )
            our_seconds += await ours(worker, database, keys[start : start + size])
        baseline_sink.close_and_count(count)
        our_sink.close_and_count(count)
    finally:
        for sink in (baseline_sink, our_sink):
            sink.process.terminate()
        await database.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    reference, rate = count / baseline_seconds, count / our_seconds
    lines = [
        f"mailer delivery: {count} emails of {len(bodies[0]) / 1024:.0f} KB"
        f" (a distinct 100 KB PDF each), {options.rounds} interleaved rounds",
        "  sink: aiosmtpd writing .eml files (the development sink), own process",
        f"  queueing (SendEmail)         {queue_rate:7.1f} emails/s (validate, render, insert)",
        f"  baseline raw aiosmtplib      {reference:7.1f} sends/s (1 connection, no DB)",
        f"  ours (delivery worker)       {rate:7.1f} messages/s"
        f" ({options.connections} connections, {options.unrecorded} unrecorded/process)",
        f"  ratio ours/baseline          {rate / reference:7.2f}",
        f"  every message arrived once (by Message-ID); load average at end"
        f" {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
