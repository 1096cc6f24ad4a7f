"""All SQL of the mailer service."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aquaerp_runtime.outbox import record_event
from sqlalchemy import case, func, insert, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from .models import CLAIMABLE, attachments, blobs, messages, outbox, rate_buckets

EMAIL_FAILED = "mailer.email.failed"


@dataclass(frozen=True)
class MessageRow:
    id: uuid.UUID
    idempotency_key: str
    message_id_header: str
    template: str
    document_type: str
    document_id: str
    sender: str
    reply_to: str
    recipients: dict[str, list[dict[str, str]]]
    subject: str
    html_body: str
    text_body: str
    status: str
    attempts: int
    due_at: datetime
    lease_token: uuid.UUID | None
    last_smtp_code: int
    last_smtp_response: str
    last_error: str
    created_at: datetime
    last_attempt_at: datetime | None
    sent_at: datetime | None
    failed_at: datetime | None


@dataclass(frozen=True)
class AttachmentRow:
    message_id: uuid.UUID
    position: int
    file_name: str
    content_type: str
    source: str
    reference: str
    blob_sha256: str | None
    size: int


def _message(row: Any) -> MessageRow:
    return MessageRow(**{name: row[name] for name in MessageRow.__dataclass_fields__})


_MESSAGE_COLUMNS = [messages.c[name] for name in MessageRow.__dataclass_fields__]


class MailerRepository:
    def __init__(self, session: AsyncSession | AsyncConnection) -> None:
        # A unit of work's session; the delivery worker's recorder passes an autocommit connection.
        self.session = session

    # -- queueing ---------------------------------------------------------------------------
    async def insert_message(self, values: dict[str, Any]) -> MessageRow | None:
        """Returns None when a message with the same idempotency key exists."""
        row = (
            (
                await self.session.execute(
                    pg_insert(messages)
                    .values(**values)
                    .on_conflict_do_nothing(index_elements=["idempotency_key"])
                    .returning(*_MESSAGE_COLUMNS)
                )
            )
            .mappings()
            .first()
        )
        return _message(row) if row else None

    async def message_by_key(self, idempotency_key: str) -> MessageRow | None:
        row = (
            (
                await self.session.execute(
                    select(*_MESSAGE_COLUMNS).where(messages.c.idempotency_key == idempotency_key)
                )
            )
            .mappings()
            .first()
        )
        return _message(row) if row else None

    async def message_by_id(
        self, message_id: uuid.UUID, *, for_update: bool = False
    ) -> MessageRow | None:
        query = select(*_MESSAGE_COLUMNS).where(messages.c.id == message_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return _message(row) if row else None

    async def store_blob(self, sha256: str, content: bytes) -> None:
        await self.session.execute(
            pg_insert(blobs)
            .values(sha256=sha256, content=content, size=len(content))
            .on_conflict_do_nothing(index_elements=["sha256"])
        )

    async def insert_attachments(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(attachments), list(rows))

    async def attachments_of(
        self, message_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, list[AttachmentRow]]:
        ids = list(message_ids)
        result: dict[uuid.UUID, list[AttachmentRow]] = {i: [] for i in ids}
        if not ids:
            return result
        rows = (
            await self.session.execute(
                select(attachments)
                .where(attachments.c.message_id.in_(ids))
                .order_by(attachments.c.message_id, attachments.c.position)
            )
        ).mappings()
        for row in rows:
            result[row["message_id"]].append(AttachmentRow(**row))
        return result

    async def blob_contents(self, sha256s: Iterable[str]) -> dict[str, bytes]:
        wanted = sorted(set(sha256s))
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(blobs.c.sha256, blobs.c.content).where(blobs.c.sha256.in_(wanted))
        )
        return {sha: bytes(content) for sha, content in rows}

    async def count_messages_of(
        self, document_type: str, document_id: str, templates: Sequence[str]
    ) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).where(
                    messages.c.document_type == document_type,
                    messages.c.document_id == document_id,
                    messages.c.template.in_(templates),
                )
            )
            or 0
        )

    # -- queries ----------------------------------------------------------------------------
    async def list_messages(
        self,
        *,
        document_type: str,
        document_id: str,
        status: str | None,
        before: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[MessageRow]:
        query = (
            select(*_MESSAGE_COLUMNS)
            .order_by(messages.c.created_at.desc(), messages.c.id.desc())
            .limit(limit)
        )
        if document_type:
            query = query.where(
                messages.c.document_type == document_type, messages.c.document_id == document_id
            )
        if status:
            query = query.where(messages.c.status == status)
        if before is not None:
            query = query.where(tuple_(messages.c.created_at, messages.c.id) < before)
        return [_message(r) for r in (await self.session.execute(query)).mappings()]

    async def requeue(self, message_id: uuid.UUID, now: datetime) -> MessageRow:
        row = (
            (
                await self.session.execute(
                    update(messages)
                    .where(messages.c.id == message_id)
                    .values(
                        status="queued",
                        attempts=0,
                        due_at=now,
                        lease_token=None,
                        failed_at=None,
                        last_error="",
                    )
                    .returning(*_MESSAGE_COLUMNS)
                )
            )
            .mappings()
            .one()
        )
        return _message(row)

    # -- delivery ---------------------------------------------------------------------------
    async def take_send_tokens(self, provider: str, rate: float, burst: int, wanted: int) -> int:
        """Token bucket shared by all senders: refills at `rate`/s up to `burst`; takes up to
        `wanted` whole tokens and returns how many it took (the row lock serialises senders)."""
        await self.session.execute(
            pg_insert(rate_buckets)
            .values(provider=provider, tokens=float(burst))
            .on_conflict_do_nothing(index_elements=["provider"])
        )
        available = (
            await self.session.execute(
                text(
                    "UPDATE mailer.rate_buckets SET tokens = LEAST(:burst, tokens + :rate *"
                    " EXTRACT(EPOCH FROM clock_timestamp() - updated_at)),"
                    " updated_at = clock_timestamp() WHERE provider = :provider RETURNING tokens"
                ),
                {"provider": provider, "rate": rate, "burst": float(burst)},
            )
        ).scalar_one()
        taken = max(0, min(wanted, int(available)))
        if taken:
            await self.session.execute(
                update(rate_buckets)
                .where(rate_buckets.c.provider == provider)
                .values(tokens=rate_buckets.c.tokens - taken)
            )
        return taken

    async def return_send_tokens(self, provider: str, unused: int) -> None:
        if unused > 0:
            await self.session.execute(
                update(rate_buckets)
                .where(rate_buckets.c.provider == provider)
                .values(tokens=rate_buckets.c.tokens + unused)
            )

    async def claim(
        self, limit: int, lease_seconds: float, lease_token: uuid.UUID, now: datetime
    ) -> list[MessageRow]:
        """Claims due messages (and ones whose sender's lease ran out) for this sender: status
        `sending`, due_at = lease end, one more attempt. Rows locked by another claim are
        skipped. `now` is the service clock's: what is due is a business decision."""
        due = (
            select(messages.c.id)
            .where(messages.c.status.in_(CLAIMABLE), messages.c.due_at <= now)
            .order_by(messages.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due")
        )
        rows = (
            (
                await self.session.execute(
                    update(messages)
                    .where(messages.c.id == due.c.id)
                    .values(
                        status="sending",
                        attempts=messages.c.attempts + 1,
                        due_at=now + timedelta(seconds=lease_seconds),
                        lease_token=lease_token,
                        last_attempt_at=now,
                    )
                    .returning(*_MESSAGE_COLUMNS)
                )
            )
            .mappings()
            .all()
        )
        return sorted((_message(r) for r in rows), key=lambda m: m.created_at)

    async def release(
        self, message_ids: Sequence[uuid.UUID], lease_token: uuid.UUID, due_at: datetime
    ) -> None:
        """Gives claimed messages back unattempted (their attempt is not counted)."""
        if message_ids:
            await self.session.execute(
                update(messages)
                .where(messages.c.id.in_(message_ids), messages.c.lease_token == lease_token)
                .values(
                    status=case((messages.c.attempts > 1, "failed_retrying"), else_="queued"),
                    attempts=messages.c.attempts - 1,
                    due_at=due_at,
                    lease_token=None,
                )
            )

    async def mark_sent(
        self,
        message_id: uuid.UUID,
        lease_token: uuid.UUID,
        code: int,
        response: str,
        sent_at: datetime,
    ) -> bool:
        """Records the SMTP acceptance in one statement. Its commit does not wait for the WAL
        flush (set_config in RETURNING): a crash of the database server itself could lose it
        and resend the message, a crash of this process cannot."""
        updated = (
            await self.session.execute(
                update(messages)
                .where(messages.c.id == message_id, messages.c.lease_token == lease_token)
                .values(
                    status="sent",
                    sent_at=sent_at,
                    lease_token=None,
                    last_smtp_code=code,
                    last_smtp_response=response,
                    last_error="",
                )
                .returning(messages.c.id, func.set_config("synchronous_commit", "off", True))
            )
        ).first()
        return updated is not None

    async def mark_retrying(
        self,
        message: MessageRow,
        lease_token: uuid.UUID,
        due_at: datetime,
        code: int,
        response: str,
        error: str,
    ) -> None:
        await self.session.execute(
            update(messages)
            .where(messages.c.id == message.id, messages.c.lease_token == lease_token)
            .values(
                status="failed_retrying",
                due_at=due_at,
                lease_token=None,
                last_smtp_code=code,
                last_smtp_response=response,
                last_error=error,
            )
        )

    async def mark_failed(
        self,
        message: MessageRow,
        lease_token: uuid.UUID,
        code: int,
        response: str,
        error: str,
        failed_at: datetime,
    ) -> bool:
        updated = (
            await self.session.execute(
                update(messages)
                .where(messages.c.id == message.id, messages.c.lease_token == lease_token)
                .values(
                    status="failed_permanent",
                    failed_at=failed_at,
                    lease_token=None,
                    last_smtp_code=code,
                    last_smtp_response=response,
                    last_error=error,
                )
                .returning(messages.c.id)
            )
        ).scalar_one_or_none()
        if updated is None:
            return False
        await self._event(
            EMAIL_FAILED,
            message,
            {
                "failed_at": failed_at.isoformat(),
                "smtp_code": code,
                "smtp_response": response,
                "error": error,
            },
        )
        return True

    async def _event(self, event_type: str, message: MessageRow, extra: dict[str, Any]) -> None:
        payload = {
            "email_id": str(message.id),
            "template": message.template,
            "document_type": message.document_type,
            "document_id": message.document_id,
            "to": [r["email"] for r in message.recipients.get("to", [])],
            "subject": message.subject,
            "message_id": message.message_id_header,
            "attempts": message.attempts,
            **extra,
        }
        await record_event(self.session, outbox, event_type, "email", str(message.id), payload)

    async def pending_by_status(self, now: datetime) -> tuple[dict[str, int], float]:
        """Messages not yet sent nor failed for good, by status, and how late the most overdue
        one is at `now`, in seconds (0 when none is due)."""
        rows = (
            await self.session.execute(
                select(
                    messages.c.status,
                    func.count(),
                    func.min(messages.c.due_at),
                )
                .where(messages.c.status.in_(CLAIMABLE))
                .group_by(messages.c.status)
            )
        ).all()
        counts = {status: int(count) for status, count, _ in rows}
        overdue = max(
            ((now - oldest).total_seconds() for _, _, oldest in rows if oldest is not None),
            default=0.0,
        )
        return counts, max(0.0, overdue)
