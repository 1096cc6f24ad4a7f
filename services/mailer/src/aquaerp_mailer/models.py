"""Tables of the `mailer` schema. `messages` is the delivery outbox: a row per email, claimed by
senders with FOR UPDATE SKIP LOCKED and a lease."""

from __future__ import annotations

from aquaerp_runtime.db import schema_metadata
from aquaerp_runtime.outbox import outbox_table
from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = schema_metadata("mailer")

STATUSES = ("queued", "sending", "sent", "failed_retrying", "failed_permanent")
# Statuses a sender may claim once `due_at` has passed (for `sending`, due_at is the lease end).
CLAIMABLE = ("queued", "failed_retrying", "sending")

messages = Table(
    "messages",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("message_id_header", String(300), nullable=False),
    Column("template", String(64), nullable=False),
    Column("document_type", String(32), nullable=False, server_default=""),
    Column("document_id", String(100), nullable=False, server_default=""),
    Column("sender", String(320), nullable=False),
    Column("reply_to", String(320), nullable=False, server_default=""),
    # {"to": [{"email", "name"}], "cc": [...]}
    Column("recipients", JSONB, nullable=False),
    Column("subject", Text, nullable=False),
    Column("html_body", Text, nullable=False),
    Column("text_body", Text, nullable=False),
    Column("status", String(20), nullable=False, server_default="queued"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Next attempt for queued/failed_retrying; lease end for sending.
    Column("due_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Changes at every claim; a sender only records results under the lease it holds.
    Column("lease_token", UUID(as_uuid=True)),
    Column("last_smtp_code", Integer, nullable=False, server_default="0"),
    Column("last_smtp_response", Text, nullable=False, server_default=""),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("requested_by", String(200), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_attempt_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    CheckConstraint(f"status IN {STATUSES!r}", name="message_status"),
    Index("ix_messages_document", "document_type", "document_id", "created_at"),
    Index("ix_messages_created", "created_at", "id"),
    Index("ix_messages_due", "due_at", postgresql_where=text(f"status IN {CLAIMABLE!r}")),
)

# Attachment contents by sha256: the same file attached to many emails is stored once.
blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("content", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

attachments = Table(
    "attachments",
    metadata,
    Column("message_id", UUID(as_uuid=True), ForeignKey("mailer.messages.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("content_type", String(127), nullable=False),
    # "inline" (content in blobs) or the kind of document fetched at send time.
    Column("source", String(20), nullable=False),
    Column("reference", String(100), nullable=False, server_default=""),
    Column("blob_sha256", String(64), ForeignKey("mailer.blobs.sha256")),
    Column("size", Integer, nullable=False, server_default="0"),
    PrimaryKeyConstraint("message_id", "position"),
)

# Token bucket per SMTP provider, shared by every sender process.
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("provider", String(100), primary_key=True),
    Column("tokens", Double, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
