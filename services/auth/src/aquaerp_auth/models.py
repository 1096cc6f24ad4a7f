"""Tables of the `auth` schema."""

from __future__ import annotations

from aquaerp_runtime.outbox import outbox_table
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = MetaData(schema="auth")

users = Table(
    "users",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
    Column("email", String(320), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("roles", ARRAY(String(32)), nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("customer_id", String(64), nullable=False, server_default=""),
    Column("totp_secret", String(64)),
    Column("totp_pending_secret", String(64)),
    # Last accepted TOTP time step: a code is accepted once.
    Column("totp_last_step", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_login_at", DateTime(timezone=True)),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("user_id", UUID(as_uuid=True), ForeignKey("auth.users.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_reason", String(64)),
    Column("client_ip", String(64), nullable=False, server_default=""),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    # sha256 of the token; the token itself is never stored.
    Column("token_hash", String(64), primary_key=True),
    Column(
        "session_id", UUID(as_uuid=True), ForeignKey("auth.sessions.id"), nullable=False, index=True
    ),
    Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("private_pem", Text, nullable=False),
    Column("public_jwk", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Set when a newer key takes over; the key stays published until tokens it signed expire.
    Column("retired_at", DateTime(timezone=True)),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False),
    Column("client_ip", String(64), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_login_attempts_key", "email", "client_ip", "attempted_at"),
)

service_accounts = Table(
    "service_accounts",
    metadata,
    Column("client_id", String(100), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("secret_hash", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = outbox_table(metadata)
