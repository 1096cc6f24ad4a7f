"""Tables of the `gateway` schema."""

from __future__ import annotations

from aquaerp_runtime.db import schema_metadata
from sqlalchemy import Column, DateTime, Integer, LargeBinary, String, Table, func
from sqlalchemy.dialects.postgresql import JSONB

metadata = schema_metadata("gateway")

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # Whose key: the caller's subject (or client address when anonymous).
    Column("scope", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    # sha256 of method, path and body: the same key with another request is refused.
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer),
    Column("headers", JSONB),
    Column("body", LargeBinary),
    Column(
        "created_at", DateTime(timezone=True), nullable=False, server_default=func.now(), index=True
    ),
    Column("completed_at", DateTime(timezone=True)),
)
