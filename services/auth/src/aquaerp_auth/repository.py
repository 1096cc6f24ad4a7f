"""All SQL of the auth service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aquaerp_runtime.outbox import record_event
from sqlalchemy import and_, any_, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .keys import SigningKey
from .models import (
    api_keys,
    audit_events,
    login_attempts,
    outbox,
    refresh_tokens,
    service_accounts,
    sessions,
    signing_keys,
    users,
)


@dataclass(frozen=True)
class UserRow:
    id: uuid.UUID
    email: str
    display_name: str
    password_hash: str
    roles: list[str]
    active: bool
    customer_id: str
    totp_secret: str | None
    totp_pending_secret: str | None
    totp_last_step: int | None
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class AuditRow:
    id: int
    occurred_at: datetime
    actor: str
    action: str
    target: str
    client_ip: str
    details: dict[str, Any]
    source: str


@dataclass(frozen=True)
class RefreshTokenRow:
    token_hash: str
    session_id: uuid.UUID
    expires_at: datetime
    used_at: datetime | None
    session_expires_at: datetime
    session_revoked_at: datetime | None
    user_id: uuid.UUID


@dataclass(frozen=True)
class ApiKeyRow:
    id: uuid.UUID
    name: str
    secret_hash: str
    prefix: str
    roles: list[str]
    customer_id: str
    expires_at: datetime
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None


def _user(row: Any) -> UserRow:
    return UserRow(**{name: row[name] for name in UserRow.__dataclass_fields__})


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- users ----------------------------------------------------------------------------
    async def user_by_email(self, email: str, *, for_update: bool = False) -> UserRow | None:
        query = select(users).where(users.c.email == email)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return _user(row) if row else None

    async def user_by_id(self, user_id: uuid.UUID, *, for_update: bool = False) -> UserRow | None:
        query = select(users).where(users.c.id == user_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return _user(row) if row else None

    async def insert_user(
        self,
        *,
        email: str,
        display_name: str,
        password_hash: str,
        roles: list[str],
        customer_id: str,
    ) -> UserRow | None:
        """Returns None when the email is taken."""
        row = (
            (
                await self.session.execute(
                    pg_insert(users)
                    .values(
                        email=email,
                        display_name=display_name,
                        password_hash=password_hash,
                        roles=roles,
                        customer_id=customer_id,
                    )
                    .on_conflict_do_nothing(index_elements=["email"])
                    .returning(users)
                )
            )
            .mappings()
            .first()
        )
        return _user(row) if row else None

    async def update_user(self, user_id: uuid.UUID, **values: Any) -> UserRow:
        row = (
            (
                await self.session.execute(
                    update(users).where(users.c.id == user_id).values(**values).returning(users)
                )
            )
            .mappings()
            .one()
        )
        return _user(row)

    async def list_users(
        self, *, role: str | None, query: str | None, after_email: str | None, limit: int
    ) -> list[UserRow]:
        statement = select(users).order_by(users.c.email).limit(limit)
        if role:
            statement = statement.where(any_(users.c.roles) == role)
        if query:
            pattern = f"%{query.lower()}%"
            statement = statement.where(
                or_(users.c.email.like(pattern), func.lower(users.c.display_name).like(pattern))
            )
        if after_email:
            statement = statement.where(users.c.email > after_email)
        return [_user(r) for r in (await self.session.execute(statement)).mappings()]

    async def count_active_admins(self) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).where(users.c.active, any_(users.c.roles) == "admin")
            )
            or 0
        )

    # -- sessions and refresh tokens -------------------------------------------------------
    async def insert_session(
        self, session_id: uuid.UUID, user_id: uuid.UUID, expires_at: datetime, client_ip: str
    ) -> None:
        await self.session.execute(
            insert(sessions).values(
                id=session_id, user_id=user_id, expires_at=expires_at, client_ip=client_ip
            )
        )

    async def user_in_live_session(
        self, user_id: uuid.UUID, session_id: uuid.UUID | None, now: datetime
    ) -> UserRow | None:
        """The active user, provided the session (when given) is still open: one round trip."""
        query = select(users).where(users.c.id == user_id, users.c.active)
        if session_id is not None:
            query = query.where(
                select(sessions.c.id)
                .where(
                    sessions.c.id == session_id,
                    sessions.c.user_id == user_id,
                    sessions.c.revoked_at.is_(None),
                    sessions.c.expires_at > now,
                )
                .exists()
            )
        row = (await self.session.execute(query)).mappings().first()
        return _user(row) if row else None

    async def insert_refresh_token(
        self, token_hash: str, session_id: uuid.UUID, expires_at: datetime
    ) -> None:
        await self.session.execute(
            insert(refresh_tokens).values(
                token_hash=token_hash, session_id=session_id, expires_at=expires_at
            )
        )

    async def refresh_token_for_update(self, token_hash: str) -> RefreshTokenRow | None:
        row = (
            (
                await self.session.execute(
                    select(
                        refresh_tokens.c.token_hash,
                        refresh_tokens.c.session_id,
                        refresh_tokens.c.expires_at,
                        refresh_tokens.c.used_at,
                        sessions.c.expires_at.label("session_expires_at"),
                        sessions.c.revoked_at.label("session_revoked_at"),
                        sessions.c.user_id,
                    )
                    .join(sessions, sessions.c.id == refresh_tokens.c.session_id)
                    .where(refresh_tokens.c.token_hash == token_hash)
                    .with_for_update(of=refresh_tokens)
                )
            )
            .mappings()
            .first()
        )
        return RefreshTokenRow(**row) if row else None

    async def mark_refresh_token_used(self, token_hash: str, now: datetime) -> None:
        await self.session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.token_hash == token_hash)
            .values(used_at=now)
        )

    async def revoke_session(self, session_id: uuid.UUID, reason: str, now: datetime) -> None:
        await self.session.execute(
            update(sessions)
            .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_user_sessions(
        self, user_id: uuid.UUID, reason: str, now: datetime, *, keep: uuid.UUID | None = None
    ) -> None:
        condition = and_(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
        if keep is not None:
            condition = and_(condition, sessions.c.id != keep)
        await self.session.execute(
            update(sessions).where(condition).values(revoked_at=now, revoked_reason=reason)
        )

    async def sessions_revoked_after(self, since: datetime) -> list[uuid.UUID]:
        """Ended sessions and revoked API keys (a key's id is the `sid` of its tokens)."""
        rows = await self.session.scalars(
            select(sessions.c.id)
            .where(sessions.c.revoked_at > since)
            .union_all(select(api_keys.c.id).where(api_keys.c.revoked_at > since))
            .limit(100_000)
        )
        return list(rows)

    # -- API keys ---------------------------------------------------------------------------
    async def insert_api_key(self, **values: Any) -> ApiKeyRow:
        row = (
            (await self.session.execute(insert(api_keys).values(**values).returning(api_keys)))
            .mappings()
            .one()
        )
        return ApiKeyRow(**row)

    async def api_key_by_hash(self, secret_hash: str) -> ApiKeyRow | None:
        row = (
            (
                await self.session.execute(
                    select(api_keys).where(api_keys.c.secret_hash == secret_hash)
                )
            )
            .mappings()
            .first()
        )
        return ApiKeyRow(**row) if row else None

    async def api_key_by_id(
        self, key_id: uuid.UUID, *, for_update: bool = False
    ) -> ApiKeyRow | None:
        query = select(api_keys).where(api_keys.c.id == key_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return ApiKeyRow(**row) if row else None

    async def update_api_key(self, key_id: uuid.UUID, **values: Any) -> ApiKeyRow:
        row = (
            (
                await self.session.execute(
                    update(api_keys)
                    .where(api_keys.c.id == key_id)
                    .values(**values)
                    .returning(api_keys)
                )
            )
            .mappings()
            .one()
        )
        return ApiKeyRow(**row)

    async def list_api_keys(
        self, *, before: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[ApiKeyRow]:
        query = (
            select(api_keys)
            .order_by(api_keys.c.created_at.desc(), api_keys.c.id.desc())
            .limit(limit)
        )
        if before is not None:
            query = query.where(
                or_(
                    api_keys.c.created_at < before[0],
                    and_(api_keys.c.created_at == before[0], api_keys.c.id < before[1]),
                )
            )
        return [ApiKeyRow(**row) for row in (await self.session.execute(query)).mappings()]

    # -- throttling ------------------------------------------------------------------------
    async def record_login_attempt(
        self, email: str, client_ip: str, succeeded: bool, at: datetime
    ) -> None:
        # The time is the service clock's: throttling windows are compared with it.
        await self.session.execute(
            insert(login_attempts).values(
                email=email, client_ip=client_ip, succeeded=succeeded, attempted_at=at
            )
        )

    async def recent_failures(self, email: str, since: datetime) -> list[datetime]:
        """Failure times for this account (any address) after `since` and its last success,
        newest first."""
        last_success = (
            select(func.max(login_attempts.c.attempted_at))
            .where(login_attempts.c.email == email, login_attempts.c.succeeded)
            .scalar_subquery()
        )
        rows = await self.session.scalars(
            select(login_attempts.c.attempted_at)
            .where(
                login_attempts.c.email == email,
                ~login_attempts.c.succeeded,
                login_attempts.c.attempted_at > since,
                or_(last_success.is_(None), login_attempts.c.attempted_at > last_success),
            )
            .order_by(login_attempts.c.attempted_at.desc())
            .limit(64)
        )
        return list(rows)

    # -- signing keys ----------------------------------------------------------------------
    async def current_signing_key(self) -> tuple[SigningKey, datetime] | None:
        row = (
            (
                await self.session.execute(
                    select(signing_keys)
                    .where(signing_keys.c.retired_at.is_(None))
                    .order_by(signing_keys.c.created_at.desc())
                    .limit(1)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return SigningKey(row["kid"], row["private_pem"], row["public_jwk"]), row["created_at"]

    async def lock_signing_keys(self) -> None:
        """Serialises key creation between replicas."""
        await self.session.execute(select(func.pg_advisory_xact_lock(func.hashtext("auth-keys"))))

    async def insert_signing_key(self, key: SigningKey, created_at: datetime) -> None:
        # The key's age (rotation) is measured with the service clock.
        await self.session.execute(
            insert(signing_keys).values(
                kid=key.kid,
                private_pem=key.private_pem,
                public_jwk=key.public_jwk,
                created_at=created_at,
            )
        )

    async def retire_signing_keys(self, *, except_kid: str, now: datetime) -> None:
        await self.session.execute(
            update(signing_keys)
            .where(signing_keys.c.kid != except_kid, signing_keys.c.retired_at.is_(None))
            .values(retired_at=now)
        )

    async def published_keys(self, retired_after: datetime) -> Sequence[dict[str, Any]]:
        rows = await self.session.scalars(
            select(signing_keys.c.public_jwk)
            .where(
                or_(signing_keys.c.retired_at.is_(None), signing_keys.c.retired_at > retired_after)
            )
            .order_by(signing_keys.c.created_at.desc())
        )
        return list(rows)

    # -- service accounts ------------------------------------------------------------------
    async def insert_service_account(self, client_id: str, name: str, secret_hash: str) -> None:
        await self.session.execute(
            insert(service_accounts).values(client_id=client_id, name=name, secret_hash=secret_hash)
        )

    async def service_account_secret_hash(self, client_id: str) -> str | None:
        return await self.session.scalar(
            select(service_accounts.c.secret_hash).where(
                service_accounts.c.client_id == client_id, service_accounts.c.active
            )
        )

    # -- events and the audit trail -------------------------------------------------------
    async def add_event(
        self, event_type: str, user_id: uuid.UUID | str, payload: dict[str, Any], *, at: datetime
    ) -> None:
        """An outbox event, and its entry in the audit trail (same transaction)."""
        await record_event(self.session, outbox, event_type, "user", str(user_id), payload)
        await self.add_audit(
            occurred_at=at,
            actor=str(payload.get("by") or user_id),
            action=event_type,
            target=str(user_id),
            client_ip=str(payload.get("client_ip") or ""),
            details={k: v for k, v in payload.items() if k not in ("by", "client_ip")},
            source="auth",
        )

    async def add_audit(
        self,
        *,
        occurred_at: datetime,
        actor: str,
        action: str,
        target: str,
        client_ip: str,
        details: dict[str, Any],
        source: str,
    ) -> AuditRow:
        row = (
            (
                await self.session.execute(
                    insert(audit_events)
                    .values(
                        occurred_at=occurred_at,
                        actor=actor,
                        action=action,
                        target=target,
                        client_ip=client_ip,
                        details=details,
                        source=source,
                    )
                    .returning(audit_events)
                )
            )
            .mappings()
            .one()
        )
        return AuditRow(**row)

    async def list_audit(
        self,
        *,
        actor: str | None,
        action_prefix: str | None,
        since: datetime | None,
        until: datetime | None,
        before_id: int | None,
        limit: int,
    ) -> list[AuditRow]:
        query = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
        if actor:
            query = query.where(audit_events.c.actor == actor)
        if action_prefix:
            escaped = action_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(audit_events.c.action.like(escaped + "%", escape="\\"))
        if since is not None:
            query = query.where(audit_events.c.occurred_at >= since)
        if until is not None:
            query = query.where(audit_events.c.occurred_at < until)
        if before_id is not None:
            query = query.where(audit_events.c.id < before_id)
        return [AuditRow(**row) for row in (await self.session.execute(query)).mappings()]
