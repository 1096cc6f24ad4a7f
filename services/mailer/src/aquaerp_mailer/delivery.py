"""The delivery worker: claims due messages from the `messages` outbox and sends them.

Claiming takes a batch with FOR UPDATE SKIP LOCKED, sets it `sending` with a lease (due_at =
lease end) and commits, so two senders never hold the same message, and a sender that dies
leaves messages that another one takes over when the lease ends. Each SMTP connection of the
process runs its own claim-and-send loop.

At most `max_unrecorded_per_process` messages per process are ever between "the SMTP server
has the whole message" and "its status is committed as sent" (the DATA exchange and the status
update happen under one semaphore): a crash of the process resends at most that many messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from aquaerp_runtime.clock import SYSTEM_CLOCK, Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.waiting import wait_for_event
from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncConnection

from .config import MailerSettings
from .mime import Envelope, Part, compose
from .models import CLAIMABLE
from .repository import AttachmentRow, MailerRepository, MessageRow
from .smtp import SmtpConnection, SmtpFailure

log = logging.getLogger(__name__)

DELIVERIES = Counter("aquaerp_mailer_deliveries_total", "Delivery attempts by outcome", ["outcome"])
PENDING = Gauge("aquaerp_mailer_pending_emails", "Emails waiting to be sent, by status", ["status"])
OVERDUE = Gauge(
    "aquaerp_mailer_overdue_seconds", "How late the most overdue pending email is (0 when none)"
)
QUEUE_REPORT_INTERVAL = 15.0
# An idle connection is closed after this many seconds (providers drop them anyway).
IDLE_CONNECTION_SECONDS = 5.0


class AttachmentMissing(Exception):
    """The owning service says the document does not exist: sending can never succeed."""


class AttachmentUnavailable(Exception):
    """The owning service could not answer now: try again later."""


@dataclass(frozen=True)
class FetchedDocument:
    content: bytes
    file_name: str


class DocumentSource(Protocol):
    async def fetch(self, source: str, reference: str) -> FetchedDocument: ...


@dataclass(frozen=True)
class Claimed:
    message: MessageRow
    attachments: list[AttachmentRow]


@dataclass(frozen=True)
class Batch:
    lease_token: uuid.UUID
    items: list[Claimed]
    blobs: dict[str, bytes]
    # Monotonic time after which no send may start under this lease.
    send_before: float


class SentRecorder:
    """Records SMTP acceptances on a database connection of its own in autocommit mode: one
    round trip per message (no pool checkout and ping, no BEGIN, no COMMIT). This sits between
    two messages' DATA exchanges, so its latency is paid once per message."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self._connection: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    async def mark_sent(
        self, message_id: uuid.UUID, token: uuid.UUID, code: int, response: str
    ) -> bool:
        if self.database.engine is None:  # a database bound to one connection (tests)
            async with self.database.unit_of_work() as session:
                return await MailerRepository(session).mark_sent(
                    message_id, token, code, response, self.clock.now()
                )
        async with self._lock:
            try:
                if self._connection is None:
                    connection = await self.database.engine.connect()
                    self._connection = await connection.execution_options(
                        isolation_level="AUTOCOMMIT"
                    )
                return await MailerRepository(self._connection).mark_sent(
                    message_id, token, code, response, self.clock.now()
                )
            except Exception:
                await self.close()
                raise

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()


class ConnectionTrouble(Exception):
    """The SMTP server cannot be used right now; back off before trying again."""


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: base * 2^(attempt-1), capped, times a factor in [0.5, 1]."""
    return float(min(cap, base * 2 ** max(0, attempt - 1)) * (0.5 + rng.random() / 2))


class DeliveryWorker:
    def __init__(
        self,
        database: Database,
        settings: MailerSettings,
        documents: DocumentSource,
        *,
        rng: random.Random | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.database = database
        self.settings = settings
        self.documents = documents
        self.rng = rng or random.Random()
        # Decides what is due and stamps attempts; the loops still pace on real sleeps.
        self.clock = clock
        self.gate = asyncio.Semaphore(max(1, settings.max_unrecorded_per_process))
        self.recorder = SentRecorder(database, clock)
        self._wakeup = asyncio.Event()
        # DATA exchanges with their status update, which a stop lets finish...
        self._handovers: set[asyncio.Future[None]] = set()
        # ...and their messages, which a stop never gives back.
        self._in_handover: set[uuid.UUID] = set()

    def notify(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        """Runs until cancelled: one claim-and-send loop per SMTP connection. When cancelled
        (the service stops), a message being handed over to the SMTP server is finished and
        recorded, and the rest of the claimed messages are given back."""
        loops = max(1, self.settings.smtp_connections)
        try:
            await asyncio.gather(*(self._connection_loop() for _ in range(loops)))
        finally:
            await self._finish_handovers()
            await self.recorder.close()

    async def report_queue(self) -> None:
        """Runs until cancelled: exports the queue's size and lag for dashboards and alerts."""
        while True:
            try:
                async with self.database.unit_of_work() as session:
                    counts, overdue = await MailerRepository(session).pending_by_status(
                        self.clock.now()
                    )
                for status in CLAIMABLE:
                    PENDING.labels(status).set(counts.get(status, 0))
                OVERDUE.set(overdue)
            except Exception:
                log.exception("reading the queue size failed")
            await asyncio.sleep(QUEUE_REPORT_INTERVAL)

    async def _finish_handovers(self) -> None:
        if self._handovers:
            await asyncio.wait(self._handovers, timeout=2 * self.settings.smtp_timeout)

    async def _connection_loop(self) -> None:
        connection = SmtpConnection(self.settings)
        troubles = 0
        last_used = time.monotonic()
        try:
            while True:
                try:
                    batch = await self.claim()
                except Exception:
                    log.exception("claiming messages failed")
                    await asyncio.sleep(self.settings.poll_interval)
                    continue
                if batch is None:
                    if (
                        connection.connected
                        and time.monotonic() - last_used > IDLE_CONNECTION_SECONDS
                    ):
                        await connection.close()
                    await self._idle()
                    continue
                try:
                    await self.deliver(connection, batch)
                    troubles = 0
                except ConnectionTrouble as trouble:
                    troubles += 1
                    delay = self._backoff(troubles)
                    log.warning("SMTP server unusable (%s); next try in %.1fs", trouble, delay)
                    await asyncio.sleep(delay)
                except Exception:
                    log.exception("delivery failed")
                    await asyncio.sleep(self.settings.poll_interval)
                last_used = time.monotonic()
        finally:
            await self._finish_handovers()  # one of them may be using this connection
            await connection.close()

    async def _idle(self) -> None:
        self._wakeup.clear()
        await wait_for_event(self._wakeup, self.settings.poll_interval)

    def _backoff(self, attempt: int) -> float:
        s = self.settings
        return backoff_delay(attempt, s.retry_base_delay, s.retry_max_delay, self.rng)

    async def claim(self) -> Batch | None:
        s = self.settings
        lease_token = uuid.uuid4()
        async with self.database.unit_of_work() as session:
            repo = MailerRepository(session)
            wanted = s.claim_batch_size
            if s.send_rate_per_second > 0:
                wanted = await repo.take_send_tokens(
                    s.smtp_provider, s.send_rate_per_second, s.send_rate_burst, wanted
                )
                if not wanted:
                    return None
            messages = await repo.claim(wanted, s.lease_seconds, lease_token, self.clock.now())
            if s.send_rate_per_second > 0:
                await repo.return_send_tokens(s.smtp_provider, wanted - len(messages))
            if not messages:
                return None
            attachments = await repo.attachments_of(m.id for m in messages)
            blobs = await repo.blob_contents(
                a.blob_sha256 for rows in attachments.values() for a in rows if a.blob_sha256
            )
        # Leave time for the slowest send to finish before the lease ends.
        send_before = time.monotonic() + s.lease_seconds - 2 * s.smtp_timeout
        return Batch(
            lease_token, [Claimed(m, attachments[m.id]) for m in messages], blobs, send_before
        )

    async def deliver(self, connection: SmtpConnection, batch: Batch) -> None:
        """Sends a claimed batch in order. Raises ConnectionTrouble (after giving the rest of
        the batch back) when the server cannot be used."""
        for index, item in enumerate(batch.items):
            rest = [i.message.id for i in batch.items[index:]]
            if time.monotonic() > batch.send_before:
                await self._release(rest, batch.lease_token, 0.0)
                return
            try:
                await self._deliver_one(connection, item, batch)
            except ConnectionTrouble:
                await self._release(rest[1:], batch.lease_token, self._backoff(1))
                raise
            except asyncio.CancelledError:
                # Stopping: what was not handed over goes back to the queue at once.
                # (A message already recorded keeps its status: its lease token is gone.)
                pending = [i for i in rest if i not in self._in_handover]
                await self._release(pending, batch.lease_token, 0.0)
                raise

    async def _deliver_one(self, connection: SmtpConnection, item: Claimed, batch: Batch) -> None:
        message, token = item.message, batch.lease_token
        try:
            parts = await self._parts(item, batch.blobs)
        except AttachmentMissing as error:
            await self._failed(message, token, 0, "", f"attachment unavailable for good: {error}")
            return
        except AttachmentUnavailable as error:
            await self._retrying(message, token, 0, "", f"attachment not fetched: {error}")
            return
        content = compose(self._envelope(message, parts))
        if len(content) > self.settings.max_message_bytes:
            await self._failed(message, token, 0, "", f"message too large ({len(content)} bytes)")
            return
        recipients = [
            r["email"] for r in message.recipients["to"] + message.recipients.get("cc", [])
        ]
        try:
            refused = await self._envelope_on_live_connection(
                connection, message.sender, recipients
            )
            async with self.gate:
                handover = asyncio.ensure_future(
                    self._hand_over(connection, content, message, token, refused)
                )
                self._handovers.add(handover)
                handover.add_done_callback(self._handovers.discard)
                # A stop cancels this wait, not the hand-over: run() lets it finish.
                await asyncio.shield(handover)
        except SmtpFailure as failure:
            if failure.temporary:
                await self._retrying(message, token, failure.code, failure.response, failure.error)
            else:
                await self._failed(message, token, failure.code, failure.response, failure.error)
            if failure.connection:
                raise ConnectionTrouble(failure.error) from failure

    async def _hand_over(
        self,
        connection: SmtpConnection,
        content: bytes,
        message: MessageRow,
        token: uuid.UUID,
        refused: dict[str, str],
    ) -> None:
        """DATA, then the status update: in between, the message is sent but not recorded."""
        self._in_handover.add(message.id)
        try:
            code, response = await connection.data(content)
            if refused:
                response += " (refused: " + "; ".join(f"{r}: {t}" for r, t in refused.items()) + ")"
            await self._sent(message, token, code, response)
        finally:
            self._in_handover.discard(message.id)

    async def _envelope_on_live_connection(
        self, connection: SmtpConnection, sender: str, recipients: Sequence[str]
    ) -> dict[str, str]:
        reused = connection.connected
        if not reused:
            await connection.connect()
        try:
            return await connection.envelope(sender, recipients)
        except SmtpFailure as failure:
            if not (failure.connection and reused):
                raise
        # The server dropped a connection we kept open: once more on a fresh one.
        await connection.connect()
        return await connection.envelope(sender, recipients)

    async def _parts(self, item: Claimed, blobs: dict[str, bytes]) -> list[Part]:
        parts = []
        for attachment in item.attachments:
            if attachment.blob_sha256:
                parts.append(
                    Part(
                        attachment.file_name, attachment.content_type, blobs[attachment.blob_sha256]
                    )
                )
            else:
                document = await self.documents.fetch(attachment.source, attachment.reference)
                parts.append(
                    Part(
                        attachment.file_name or document.file_name,
                        attachment.content_type,
                        document.content,
                    )
                )
        return parts

    def _envelope(self, message: MessageRow, parts: list[Part]) -> Envelope:
        return Envelope(
            message_id=message.message_id_header,
            sender=message.sender,
            sender_name=self.settings.company.name,
            to=[(r["email"], r["name"]) for r in message.recipients["to"]],
            cc=[(r["email"], r["name"]) for r in message.recipients.get("cc", [])],
            reply_to=message.reply_to,
            subject=message.subject,
            text=message.text_body,
            html=message.html_body,
            attachments=parts,
            date=self.clock.now(),
        )

    # -- recording outcomes (one unit of work each) ------------------------------------------
    async def _sent(self, message: MessageRow, token: uuid.UUID, code: int, response: str) -> None:
        recorded = await self.recorder.mark_sent(message.id, token, code, response)
        DELIVERIES.labels("sent").inc()
        if not recorded:
            log.warning("email %s was sent after its lease ended", message.id)

    async def _retrying(
        self, message: MessageRow, token: uuid.UUID, code: int, response: str, error: str
    ) -> None:
        if message.attempts >= self.settings.max_attempts:
            await self._failed(
                message,
                token,
                code,
                response,
                f"gave up after {message.attempts} attempts: {error}",
            )
            return
        delay = self._backoff(message.attempts)
        async with self.database.unit_of_work() as session:
            await MailerRepository(session).mark_retrying(
                message, token, self._due_in(delay), code, response, error
            )
        DELIVERIES.labels("retrying").inc()
        log.info("email %s: %s; retry in %.1fs", message.id, error, delay)

    async def _failed(
        self, message: MessageRow, token: uuid.UUID, code: int, response: str, error: str
    ) -> None:
        async with self.database.unit_of_work() as session:
            await MailerRepository(session).mark_failed(
                message, token, code, response, error, self.clock.now()
            )
        DELIVERIES.labels("failed").inc()
        log.warning("email %s failed for good: %s", message.id, error)

    async def _release(self, message_ids: list[uuid.UUID], token: uuid.UUID, delay: float) -> None:
        if message_ids:
            async with self.database.unit_of_work() as session:
                await MailerRepository(session).release(message_ids, token, self._due_in(delay))

    def _due_in(self, delay: float) -> datetime:
        return self.clock.now() + timedelta(seconds=delay)
