"""Tables of the `auth` schema."""

from __future__ import annotations

from aquaerp_runtime.db import schema_metadata
from aquaerp_runtime.outbox import outbox_table
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

metadata = schema_metadata("auth")

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
    # Encrypted at rest (aquaerp_runtime.secrets_at_rest), never the base32 secret itself.
    Column("totp_secret", Text),
    Column("totp_pending_secret", Text),
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
    # The revoked-session feed reads recent revocations.
    Index(
        "ix_sessions_revoked_at",
        "revoked_at",
        postgresql_where=text("revoked_at IS NOT NULL"),
    ),
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

# The audit trail shown to administrators: auth's own events and those other services record.
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(320), nullable=False),
    Column("action", String(100), nullable=False),
    Column("target", String(200), nullable=False, server_default=""),
    Column("client_ip", String(64), nullable=False, server_default=""),
    Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("source", String(64), nullable=False),
    Index("ix_audit_events_occurred_at", "occurred_at"),
    Index("ix_audit_events_actor", "actor", "occurred_at"),
    Index("ix_audit_events_action", "action", "occurred_at"),
)

# Keys of integrations. Only the SHA-256 of the secret is kept (the secret is 256 random bits,
# so a fast hash is enough and nothing can be decrypted); `prefix` lets an administrator
# recognise a key without being able to use it.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("roles", ARRAY(String(32)), nullable=False),
    Column("customer_id", String(64), nullable=False, server_default=""),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(320), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    # The revoked-session feed reads recent revocations of keys too.
    Index(
        "ix_api_keys_revoked_at",
        "revoked_at",
        postgresql_where=text("revoked_at IS NOT NULL"),
    ),
)

outbox = outbox_table(metadata)
