"""Fault tests with real sender processes (`python -m aquaerp_mailer`) sharing one database:
the SMTP server going away mid-batch, and senders killed with SIGKILL mid-batch."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aquaerp_mailer.app import SPEC
from aquaerp_mailer.models import messages
from aquaerp_mailer.service import message_id_for
from aquaerp_runtime.service import ServiceSpec
from aquaerp_runtime.testing.plugin import truncate_schema
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import SmtpSink

pytestmark = pytest.mark.slow
MESSAGES = 1000
DRAIN_SECONDS = 150
DUE_LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


async def enqueue(engine: AsyncEngine, count: int, prefix: str) -> None:
    rows = [
        {
            "idempotency_key": f"{prefix}-{n}",
            "message_id_header": message_id_for(f"{prefix}-{n}", "aquaerp.local"),
            "template": "payment_reminder",
            "sender": "factures@aquaerp.local",
            "recipients": {
                "to": [{"email": f"client{n}@example.fr", "name": f"Client {n}"}],
                "cc": [],
            },
            "subject": f"Rappel : facture F-{n}",
            "html_body": f"<p>Facture F-{n}</p>",
            "text_body": f"Facture F-{n}\n",
            # Due long ago on any clock: the sender processes decide with their own.
            "due_at": DUE_LONG_AGO,
        }
        for n in range(count)
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(messages), rows)


async def status_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(messages.c.status, func.count()).group_by(messages.c.status)
        )
        return dict(rows.all())  # type: ignore[arg-type]


class Sender:
    """One mailer process with its delivery worker."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "aquaerp_mailer"],
                env={**os.environ, **self.env},
                stdout=log,
                stderr=log,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


SenderFactory = Callable[[SmtpSink], list[Sender]]


@pytest_asyncio.fixture
async def senders(
    database_url: str, engine: AsyncEngine, migrate: Callable[[ServiceSpec], Any], tmp_path: Path
) -> AsyncIterator[SenderFactory]:
    await migrate(SPEC)
    await truncate_schema(engine, "mailer")
    started: list[Sender] = []

    def make(sink: SmtpSink) -> list[Sender]:
        env = {
            "MAILER_DATABASE_URL": database_url,
            "MAILER_DATABASE_POOL_SIZE": "4",
            "MAILER_GRPC_HOST": "127.0.0.1",
            "MAILER_GRPC_PORT": "0",
            "MAILER_PUBLISH_EVENTS": "false",
            "MAILER_LOG_LEVEL": "WARNING",
            "MAILER_SMTP_HOST": "127.0.0.1",
            "MAILER_SMTP_PORT": str(sink.port),
            "MAILER_SMTP_STARTTLS": "false",
            "MAILER_SMTP_TIMEOUT": "2",
            "MAILER_LEASE_SECONDS": "6",
            "MAILER_RETRY_BASE_DELAY": "0.2",
            "MAILER_RETRY_MAX_DELAY": "1",
            "MAILER_POLL_INTERVAL": "0.05",
            "MAILER_MAX_ATTEMPTS": "1000",
            "MAILER_DRAIN_DELAY": "0",
            "MAILER_SHUTDOWN_GRACE": "0.5",
        }
        made = [Sender(env, tmp_path / f"sender-{i}.log") for i in range(2)]
        started.extend(made)
        return made

    yield make
    for sender in started:
        sender.stop()


async def wait_until(
    condition: Callable[[], Any],
    timeout: float,
    what: str,
    progress: Callable[[], Any] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            seen = f" ({await progress()})" if progress else ""
            raise AssertionError(f"timed out waiting for {what}{seen}")
        await asyncio.sleep(0.05)


def delivered(sink: SmtpSink) -> collections.Counter[str]:
    return collections.Counter(item.message_id for item in sink.received)


async def test_smtp_server_down_mid_batch_loses_and_duplicates_nothing(
    senders: SenderFactory, smtp_sink: SmtpSink, engine: AsyncEngine
) -> None:
    await enqueue(engine, MESSAGES, "down")
    smtp_sink.handler.data_delay = 0.002
    processes = senders(smtp_sink)
    for sender in processes:
        sender.start()

    async def some_arrived() -> bool:
        return len(smtp_sink.received) >= 250

    await wait_until(some_arrived, DRAIN_SECONDS, "the first messages")
    smtp_sink.go_down()
    down_at = len(smtp_sink.received)
    await asyncio.sleep(2.0)
    assert len(smtp_sink.received) == down_at
    retrying = (await status_counts(engine)).get("failed_retrying", 0)
    smtp_sink.come_back()

    async def all_sent() -> bool:
        return (await status_counts(engine)).get("sent", 0) == MESSAGES

    # A deadline for a loaded machine (1,000 messages, restarted processes); what was sent by
    # then is in the failure message.
    await wait_until(all_sent, DRAIN_SECONDS, "all messages sent", lambda: status_counts(engine))
    counts = delivered(smtp_sink)
    assert down_at < MESSAGES and retrying > 0  # the outage really happened mid-batch
    assert len(counts) == MESSAGES  # nothing lost
    assert sum(counts.values()) == MESSAGES  # nothing sent twice
    assert counts.keys() == {message_id_for(f"down-{n}", "aquaerp.local") for n in range(MESSAGES)}


async def test_senders_killed_mid_batch_lose_nothing(
    senders: SenderFactory, smtp_sink: SmtpSink, engine: AsyncEngine
) -> None:
    await enqueue(engine, MESSAGES, "kill")
    smtp_sink.handler.data_delay = 0.004
    processes = senders(smtp_sink)
    for sender in processes:
        sender.start()

    async def flowing() -> bool:
        return len(smtp_sink.received) >= 100

    await wait_until(flowing, DRAIN_SECONDS, "the first messages")
    kills = 0
    for round_ in range(4):
        await asyncio.sleep(0.7)
        victim = processes[round_ % 2]
        victim.kill()
        kills += 1
        victim.start()
    assert len(smtp_sink.received) < MESSAGES  # killed mid-batch

    async def all_sent() -> bool:
        return (await status_counts(engine)).get("sent", 0) == MESSAGES

    # A deadline for a loaded machine (1,000 messages, restarted processes); what was sent by
    # then is in the failure message.
    await wait_until(all_sent, DRAIN_SECONDS, "all messages sent", lambda: status_counts(engine))
    counts = delivered(smtp_sink)
    assert len(counts) == MESSAGES  # nothing lost
    duplicates = sum(counts.values()) - MESSAGES
    assert duplicates <= kills, (duplicates, kills)
