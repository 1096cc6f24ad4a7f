"""Auth domain logic: logins, sessions, second factor, keys, users. No gRPC here."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from aquaerp_runtime.authz import (
    ADMIN,
    BUREAU,
    CLIENT,
    COMPTA,
    SERVICE,
    TECHNICIEN,
    USER_ROLES,
    current_principal,
    require_roles,
)
from aquaerp_runtime.clock import SYSTEM_CLOCK, Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unauthenticated,
)
from aquaerp_runtime.paging import decode_token, encode_token, page_limit
from aquaerp_runtime.secrets_at_rest import DEVELOPMENT_KEYS, SecretBox
from aquaerp_runtime.tokens import RevocationList, TokenVerifier

from . import totp
from .api_keys import ApiKeys
from .config import AuthSettings
from .customers import CustomerCheck, any_customer
from .keys import SigningKey, token_claims
from .metrics import LOGINS, TOKENS_ISSUED
from .passwords import Passwords, check_policy
from .repository import AuthRepository, UserRow

log = logging.getLogger(__name__)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MFA_TOKEN_TYPE = "mfa"
ACCESS_TOKEN_TYPE = "access"
INVALID_CREDENTIALS = "invalid email or password"
# The revoked-session feed answers again what ended this long before the cursor: a revocation
# committed late (a slow transaction) is not missed.
REVOCATION_FEED_OVERLAP = timedelta(seconds=30)
# What the TOTP secrets' encryption is bound to (a value moved elsewhere does not decrypt).
TOTP_PURPOSE = "auth.users.totp_secret"


class Role(StrEnum):
    """The roles a user can hold (the strings tokens carry)."""

    ADMIN = ADMIN
    BUREAU = BUREAU
    COMPTA = COMPTA
    TECHNICIEN = TECHNICIEN
    CLIENT = CLIENT


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


@dataclass(frozen=True)
class MfaChallenge:
    mfa_token: str
    enrollment_required: bool


@dataclass(frozen=True)
class Page:
    users: list[UserRow]
    next_page_token: str


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _last_step(user: UserRow) -> int:
    return -1 if user.totp_last_step is None else user.totp_last_step


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise InvalidArgument("invalid email address", fields={"email": "invalid email address"})
    return email


class AuthService:
    def __init__(
        self,
        database: Database,
        settings: AuthSettings,
        *,
        clock: Clock = SYSTEM_CLOCK,
        check_customer: CustomerCheck = any_customer,
    ) -> None:
        self.database = database
        self.check_customer = check_customer
        self.settings = settings
        self.clock = clock
        self.passwords = Passwords(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost,
            parallelism=settings.argon2_parallelism,
        )
        self.box = SecretBox.from_setting(settings.secret_keys)
        if settings.secret_keys == DEVELOPMENT_KEYS:
            log.warning("TOTP secrets are encrypted with the public development key")
        self._key: SigningKey | None = None
        self._key_loaded_at = datetime.min.replace(tzinfo=UTC)
        # Verifies our own tokens against our own published keys and our own revoked-session
        # feed (no network hop).
        self.verifier = TokenVerifier(
            self.jwks_json,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            cache_ttl=30,
            min_refresh_interval=0.5,
            clock=clock,
            revocations=RevocationList(self.revoked_sessions),
        )
        self.api_keys = ApiKeys(
            database,
            clock,
            sign=self._sign_access,
            access_token_ttl=settings.access_token_ttl,
            check_customer=check_customer,
        )

    # -- keys and tokens ---------------------------------------------------------------------
    async def ensure_signing_key(self) -> SigningKey:
        """Creates a key when there is none or the current one is too old (any replica may)."""
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            await repo.lock_signing_keys()
            current = await repo.current_signing_key()
            max_age = timedelta(seconds=self.settings.signing_key_max_age)
            if current is None or self.clock.now() - current[1] > max_age:
                key = SigningKey.generate()
                await repo.insert_signing_key(key, self.clock.now())
                await repo.retire_signing_keys(except_kid=key.kid, now=self.clock.now())
            else:
                key = current[0]
        self._key, self._key_loaded_at = key, self.clock.now()
        return key

    async def rotate_signing_key(self) -> str:
        require_roles(ADMIN)
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            await repo.lock_signing_keys()
            key = SigningKey.generate()
            await repo.insert_signing_key(key, self.clock.now())
            await repo.retire_signing_keys(except_kid=key.kid, now=self.clock.now())
            await repo.add_event(
                "auth.key.rotated",
                current_principal().subject,
                {"kid": key.kid},
                at=self.clock.now(),
            )
        self._key, self._key_loaded_at = key, self.clock.now()
        return key.kid

    async def _signing_key(self) -> SigningKey:
        # Another replica may have rotated: re-read the current key every minute.
        if self._key is None or self.clock.now() - self._key_loaded_at > timedelta(seconds=60):
            async with self.database.unit_of_work() as session:
                current = await AuthRepository(session).current_signing_key()
            if current is None:
                return await self.ensure_signing_key()
            self._key, self._key_loaded_at = current[0], self.clock.now()
        return self._key

    async def jwks_json(self) -> str:
        # Retired keys stay published while tokens they signed can still be valid.
        horizon = self.clock.now() - timedelta(
            seconds=max(self.settings.access_token_ttl, 3600) * 2
        )
        async with self.database.unit_of_work() as session:
            keys = await AuthRepository(session).published_keys(horizon)
        return json.dumps({"keys": list(keys)})

    async def _sign(self, subject: str, token_type: str, ttl: int, **claims: object) -> str:
        key = await self._signing_key()
        return key.sign(
            token_claims(
                issuer=self.settings.jwt_issuer,
                audience=self.settings.jwt_audience,
                subject=subject,
                token_type=token_type,
                ttl=ttl,
                now=self.clock.timestamp(),
                **claims,
            )
        )

    async def _sign_access(self, subject: str, ttl: int, **claims: object) -> str:
        TOKENS_ISSUED.labels("access").inc()
        return await self._sign(subject, ACCESS_TOKEN_TYPE, ttl, **claims)

    async def service_token(self) -> tuple[str, int]:
        """Auth's own service token, for its calls to other services (it is the issuer)."""
        ttl = self.settings.service_token_ttl
        return await self._sign("service:auth", ACCESS_TOKEN_TYPE, ttl, roles=[SERVICE]), ttl

    def _effective_roles(self, user: UserRow) -> list[str]:
        """Roles the token carries: none until a required second factor is enrolled."""
        if self._needs_enrollment(user):
            return []
        return list(user.roles)

    def _needs_enrollment(self, user: UserRow) -> bool:
        required = set(self.settings.mfa_required_roles)
        return bool(required.intersection(user.roles)) and not user.totp_secret

    async def _access_token(self, user: UserRow, session_id: uuid.UUID, amr: list[str]) -> str:
        claims: dict[str, object] = {
            "roles": self._effective_roles(user),
            "sid": str(session_id),
            "email": user.email,
            "name": user.display_name,
            "amr": amr,
        }
        if user.customer_id:
            claims["cid"] = user.customer_id
        if self._needs_enrollment(user):
            claims["mfa_enrollment_required"] = True
        return await self._sign(
            str(user.id), ACCESS_TOKEN_TYPE, self.settings.access_token_ttl, **claims
        )

    async def _new_refresh_token(
        self, repo: AuthRepository, session_id: uuid.UUID, session_expires_at: datetime
    ) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        expires_at = min(
            session_expires_at, now + timedelta(seconds=self.settings.refresh_idle_ttl)
        )
        await repo.insert_refresh_token(_hash_token(token), session_id, expires_at)
        return token, int((session_expires_at - now).total_seconds())

    async def _open_session(
        self, repo: AuthRepository, user: UserRow, client_ip: str, amr: list[str]
    ) -> TokenPair:
        now = self.clock.now()
        session_id = uuid.uuid4()
        expires_at = now + timedelta(seconds=self.settings.session_absolute_ttl)
        await repo.insert_session(session_id, user.id, expires_at, client_ip)
        refresh, refresh_expires_in = await self._new_refresh_token(repo, session_id, expires_at)
        await repo.update_user(user.id, last_login_at=now)
        await repo.add_event(
            "auth.user.login_succeeded",
            user.id,
            {"email": user.email, "client_ip": client_ip, "amr": amr},
            at=self.clock.now(),
        )
        TOKENS_ISSUED.labels("access").inc()
        TOKENS_ISSUED.labels("refresh").inc()
        return TokenPair(
            access_token=await self._access_token(user, session_id, amr),
            expires_in=self.settings.access_token_ttl,
            refresh_token=refresh,
            refresh_expires_in=refresh_expires_in,
        )

    async def revoked_sessions(self, cursor: str) -> tuple[list[str], str]:
        """Sessions ended since `cursor` (auth's own time, so verifiers on other clocks agree),
        or within an access token's lifetime; and the next cursor."""
        now = self.clock.now()
        horizon = now - timedelta(seconds=self.settings.access_token_ttl + 60)
        try:
            since = max(datetime.fromisoformat(cursor), horizon) if cursor else horizon
        except (ValueError, TypeError):
            since = horizon
        async with self.database.unit_of_work() as session:
            ids = await AuthRepository(session).sessions_revoked_after(since)
        return [str(i) for i in ids], (now - REVOCATION_FEED_OVERLAP).isoformat()

    # -- login ---------------------------------------------------------------------------
    async def _check_throttle(self, repo: AuthRepository, email: str) -> None:
        """Per account, whatever the address: after `login_free_failures` failures each further
        attempt waits an exponentially growing delay since the last failure (no lockout)."""
        settings = self.settings
        now = self.clock.now()
        failures = await repo.recent_failures(
            email, now - timedelta(seconds=settings.login_failure_window)
        )
        excess = len(failures) - settings.login_free_failures
        if excess < 0:
            return
        delay = min(float(settings.login_delay_max), settings.login_delay_base * 2.0**excess)
        wait = (failures[0] + timedelta(seconds=delay) - now).total_seconds()
        if wait > 0:
            raise ResourceExhausted(
                "too many failed attempts on this account; try again later",
                retry_after=max(1, math.ceil(wait)),
            )

    async def login(self, email: str, password: str, client_ip: str) -> TokenPair | MfaChallenge:
        email = email.strip().lower()
        failure: Exception | None = None
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            try:
                await self._check_throttle(repo, email)
            except ResourceExhausted:
                LOGINS.labels("throttled").inc()
                raise
            user = await repo.user_by_email(email)
            valid = self.passwords.verify(user.password_hash if user else None, password)
            if user is None or not valid or not user.active:
                await repo.record_login_attempt(
                    email, client_ip, succeeded=False, at=self.clock.now()
                )
                await repo.add_event(
                    "auth.user.login_failed",
                    user.id if user else email,
                    {
                        "email": email,
                        "client_ip": client_ip,
                        "reason": "disabled" if user and valid else "credentials",
                    },
                    at=self.clock.now(),
                )
                failure = Unauthenticated(INVALID_CREDENTIALS)
            else:
                await repo.record_login_attempt(
                    email, client_ip, succeeded=True, at=self.clock.now()
                )
                if self.passwords.needs_rehash(user.password_hash):
                    user = await repo.update_user(
                        user.id, password_hash=self.passwords.hash(password)
                    )
                if user.totp_secret:
                    result: TokenPair | MfaChallenge = MfaChallenge(
                        await self._sign(
                            str(user.id),
                            MFA_TOKEN_TYPE,
                            self.settings.mfa_challenge_ttl,
                            ip=client_ip,
                            # Binds the challenge to the account's last accepted code: once a
                            # code is accepted with it, the challenge is spent.
                            step=_last_step(user),
                        ),
                        enrollment_required=False,
                    )
                else:
                    result = await self._open_session(repo, user, client_ip, ["pwd"])
        # Raised after the unit of work so the failed attempt and its audit event are kept.
        if failure is not None:
            LOGINS.labels("failed").inc()
            raise failure
        LOGINS.labels("mfa_required" if isinstance(result, MfaChallenge) else "succeeded").inc()
        return result

    async def verify_mfa(self, mfa_token: str, code: str, client_ip: str) -> TokenPair:
        claims = await self.verifier.verify(mfa_token, token_type=MFA_TOKEN_TYPE)
        user_id = uuid.UUID(str(claims["sub"]))
        failure: Exception | None = None
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            user = await repo.user_by_id(user_id, for_update=True)
            if user is None or not user.active or not user.totp_secret:
                raise Unauthenticated("invalid second-factor challenge")
            if claims.get("step") != _last_step(user):
                raise Unauthenticated("second-factor challenge already used; log in again")
            await self._check_throttle(repo, user.email)
            secret = self.box.decrypt(user.totp_secret, TOTP_PURPOSE)
            step = totp.matching_step(secret, code, self.clock.timestamp())
            if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
                await repo.record_login_attempt(
                    user.email, client_ip, succeeded=False, at=self.clock.now()
                )
                await repo.add_event(
                    "auth.user.login_failed",
                    user.id,
                    {"email": user.email, "client_ip": client_ip, "reason": "totp"},
                    at=self.clock.now(),
                )
                failure = Unauthenticated("invalid or already used code")
            else:
                user = await repo.update_user(user.id, totp_last_step=step)
                tokens = await self._open_session(repo, user, client_ip, ["pwd", "otp"])
        if failure is not None:
            raise failure
        return tokens

    async def refresh(self, refresh_token: str) -> TokenPair:
        now = self.clock.now()
        failure: Exception | None = None
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            row = await repo.refresh_token_for_update(_hash_token(refresh_token))
            if row is None:
                raise Unauthenticated("invalid refresh token")
            if row.used_at is not None:
                # A rotated-out token came back: it was stolen or replayed. End the whole family.
                await repo.revoke_session(row.session_id, "refresh_token_reuse", now)
                await repo.add_event(
                    "auth.session.reuse_detected",
                    row.user_id,
                    {"session_id": str(row.session_id)},
                    at=self.clock.now(),
                )
                failure = Unauthenticated("refresh token already used; session ended")
            elif (
                row.session_revoked_at is not None
                or row.expires_at <= now
                or row.session_expires_at <= now
            ):
                failure = Unauthenticated("session expired or ended")
            else:
                user = await repo.user_by_id(row.user_id)
                if user is None or not user.active:
                    failure = Unauthenticated("account disabled")
                else:
                    await repo.mark_refresh_token_used(row.token_hash, now)
                    refresh, refresh_expires_in = await self._new_refresh_token(
                        repo, row.session_id, row.session_expires_at
                    )
                    amr = ["pwd", "otp"] if user.totp_secret else ["pwd"]
                    TOKENS_ISSUED.labels("access").inc()
                    TOKENS_ISSUED.labels("refresh").inc()
                    tokens = TokenPair(
                        access_token=await self._access_token(user, row.session_id, amr),
                        expires_in=self.settings.access_token_ttl,
                        refresh_token=refresh,
                        refresh_expires_in=refresh_expires_in,
                    )
        if failure is not None:
            raise failure
        return tokens

    async def logout(self, refresh_token: str) -> None:
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            row = await repo.refresh_token_for_update(_hash_token(refresh_token))
            if row is not None:
                await repo.revoke_session(row.session_id, "logout", self.clock.now())
                await repo.add_event(
                    "auth.user.logout",
                    row.user_id,
                    {"session_id": str(row.session_id)},
                    at=self.clock.now(),
                )

    # -- the caller -----------------------------------------------------------------------
    async def me(self) -> UserRow:
        """The caller, provided their session is still open and their account active."""
        principal = current_principal()
        if principal.is_service or principal.subject.startswith("apikey:"):
            raise FailedPrecondition("service accounts and API keys have no user profile")
        session_id = uuid.UUID(principal.session_id) if principal.session_id else None
        async with self.database.unit_of_work() as session:
            user = await AuthRepository(session).user_in_live_session(
                uuid.UUID(principal.subject), session_id, self.clock.now()
            )
        if user is None:
            raise Unauthenticated("session ended or account disabled")
        return user

    async def change_password(self, current_password: str, new_password: str) -> None:
        principal = current_principal()
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            user = await self._user_or_404(repo, principal.subject, for_update=True)
            if not self.passwords.verify(user.password_hash, current_password):
                raise InvalidArgument(
                    "current password is wrong", fields={"current_password": "wrong password"}
                )
            check_policy(
                new_password, email=user.email, name=user.display_name, field="new_password"
            )
            await repo.update_user(user.id, password_hash=self.passwords.hash(new_password))
            keep = uuid.UUID(principal.session_id) if principal.session_id else None
            await repo.revoke_user_sessions(
                user.id, "password_changed", self.clock.now(), keep=keep
            )
            await repo.add_event("auth.user.password_changed", user.id, {}, at=self.clock.now())

    async def enroll_totp(self) -> tuple[str, str]:
        principal = current_principal()
        secret = totp.new_secret()
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            user = await self._user_or_404(repo, principal.subject, for_update=True)
            if user.totp_secret:
                raise FailedPrecondition(
                    "a second factor is already active; ask an administrator to reset it"
                )
            await repo.update_user(
                user.id, totp_pending_secret=self.box.encrypt(secret, TOTP_PURPOSE)
            )
        return secret, totp.provisioning_uri(
            secret, account=user.email, issuer=self.settings.totp_issuer
        )

    async def confirm_totp(self, code: str) -> None:
        principal = current_principal()
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            user = await self._user_or_404(repo, principal.subject, for_update=True)
            if not user.totp_pending_secret:
                raise FailedPrecondition("start the enrolment first")
            pending = self.box.decrypt(user.totp_pending_secret, TOTP_PURPOSE)
            step = totp.matching_step(pending, code, self.clock.timestamp())
            if step is None:
                raise InvalidArgument("invalid code", fields={"code": "invalid code"})
            await repo.update_user(
                user.id,
                totp_secret=user.totp_pending_secret,
                totp_pending_secret=None,
                totp_last_step=step,
            )
            await repo.add_event("auth.user.totp_enabled", user.id, {}, at=self.clock.now())

    # -- service accounts -------------------------------------------------------------------
    async def issue_service_token(self, client_id: str, client_secret: str) -> tuple[str, int]:
        configured = self.settings.service_accounts.get(client_id)
        if configured is not None:
            valid = hmac.compare_digest(configured.encode(), client_secret.encode())
        else:
            async with self.database.unit_of_work() as session:
                stored = await AuthRepository(session).service_account_secret_hash(client_id)
            valid = stored is not None and hmac.compare_digest(stored, _hash_token(client_secret))
        if not valid:
            raise Unauthenticated("invalid service credentials")
        ttl = self.settings.service_token_ttl
        TOKENS_ISSUED.labels("service").inc()
        token = await self._sign(f"service:{client_id}", ACCESS_TOKEN_TYPE, ttl, roles=[SERVICE])
        return token, ttl

    async def create_service_account(self, name: str) -> tuple[str, str]:
        require_roles(ADMIN)
        if not re.fullmatch(r"[a-z][a-z0-9-]{1,62}", name):
            raise InvalidArgument(
                "name must be lower-case letters, digits and dashes", fields={"name": "invalid"}
            )
        client_id = f"{name}-{secrets.token_hex(4)}"
        secret = secrets.token_urlsafe(32)
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            await repo.insert_service_account(client_id, name, _hash_token(secret))
            await repo.add_event(
                "auth.service_account.created", client_id, {"name": name}, at=self.clock.now()
            )
        return client_id, secret

    # -- administration -----------------------------------------------------------------------
    @staticmethod
    def _validate_roles(roles: list[str]) -> list[str]:
        if not roles:
            raise InvalidArgument("at least one role is required", fields={"roles": "required"})
        unknown = [r for r in roles if r not in USER_ROLES]
        if unknown:
            raise InvalidArgument(
                f"unknown roles: {', '.join(unknown)}", fields={"roles": "unknown role"}
            )
        return sorted(set(roles))

    async def _user_or_404(
        self, repo: AuthRepository, user_id: str, *, for_update: bool = False
    ) -> UserRow:
        try:
            parsed = uuid.UUID(user_id)
        except ValueError:
            raise NotFound("user not found") from None
        user = await repo.user_by_id(parsed, for_update=for_update)
        if user is None:
            raise NotFound("user not found")
        return user

    async def create_user(
        self, email: str, display_name: str, password: str, roles: list[str], customer_id: str
    ) -> UserRow:
        actor = require_roles(ADMIN)
        return await self._create_user(
            email, display_name, password, roles, customer_id, actor.subject
        )

    async def _create_user(
        self,
        email: str,
        display_name: str,
        password: str,
        roles: list[str],
        customer_id: str,
        actor: str,
    ) -> UserRow:
        email = normalize_email(email)
        roles = self._validate_roles(roles)
        display_name = display_name.strip() or email.split("@")[0]
        if len(display_name) > 200:
            raise InvalidArgument(
                "name is too long", fields={"display_name": "at most 200 characters"}
            )
        customer_id = customer_id.strip()
        if CLIENT in roles:
            if not customer_id:
                raise InvalidArgument(
                    "a client user must be linked to a customer",
                    fields={"customer_id": "obligatoire pour le rôle client"},
                )
            await self.check_customer(customer_id)
        check_policy(password, email=email, name=display_name)
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            user = await repo.insert_user(
                email=email,
                display_name=display_name,
                password_hash=self.passwords.hash(password),
                roles=roles,
                customer_id=customer_id,
            )
            if user is None:
                raise AlreadyExists(
                    "a user with this email already exists", fields={"email": "already used"}
                )
            await repo.add_event(
                "auth.user.created",
                user.id,
                {"email": email, "roles": roles, "by": actor},
                at=self.clock.now(),
            )
        return user

    async def get_user(self, user_id: str) -> UserRow:
        require_roles(ADMIN)
        async with self.database.unit_of_work() as session:
            return await self._user_or_404(AuthRepository(session), user_id)

    async def list_users(
        self, role: str | None, query: str | None, page_size: int, page_token: str
    ) -> Page:
        require_roles(ADMIN)
        limit = page_limit(page_size)
        after = decode_token(page_token, 1)
        async with self.database.unit_of_work() as session:
            rows = await AuthRepository(session).list_users(
                role=role, query=query, after_email=after[0] if after else None, limit=limit + 1
            )
        return Page(rows[:limit], encode_token(rows[limit - 1].email) if len(rows) > limit else "")

    async def update_user(
        self, user_id: str, display_name: str | None, roles: list[str] | None
    ) -> UserRow:
        actor = require_roles(ADMIN)
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            user = await self._user_or_404(repo, user_id, for_update=True)
            values: dict[str, object] = {}
            if display_name is not None:
                if not display_name.strip() or len(display_name) > 200:
                    raise InvalidArgument(
                        "invalid name", fields={"display_name": "1 to 200 characters"}
                    )
                values["display_name"] = display_name.strip()
            if roles is not None:
                roles = self._validate_roles(roles)
                if ADMIN in user.roles and ADMIN not in roles:
                    await self._ensure_not_last_admin(repo, user)
                values["roles"] = roles
            if not values:
                return user
            updated = await repo.update_user(user.id, **values)
            if roles is not None and sorted(user.roles) != roles:
                await repo.add_event(
                    "auth.user.roles_changed",
                    user.id,
                    {"before": sorted(user.roles), "after": roles, "by": actor.subject},
                    at=self.clock.now(),
                )
        return updated

    async def _ensure_not_last_admin(self, repo: AuthRepository, user: UserRow) -> None:
        if user.active and await repo.count_active_admins() <= 1:
            raise FailedPrecondition("this is the last active administrator")

    async def set_active(self, user_id: str, active: bool) -> UserRow:
        actor = require_roles(ADMIN)
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            user = await self._user_or_404(repo, user_id, for_update=True)
            if not active:
                if str(user.id) == actor.subject:
                    raise FailedPrecondition("you cannot disable your own account")
                if ADMIN in user.roles:
                    await self._ensure_not_last_admin(repo, user)
                await repo.revoke_user_sessions(user.id, "disabled", self.clock.now())
            updated = await repo.update_user(user.id, active=active)
            if user.active != active:
                await repo.add_event(
                    "auth.user.disabled" if not active else "auth.user.enabled",
                    user.id,
                    {"by": actor.subject},
                    at=self.clock.now(),
                )
        return updated

    async def reset_totp(self, user_id: str) -> UserRow:
        actor = require_roles(ADMIN)
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            user = await self._user_or_404(repo, user_id, for_update=True)
            updated = await repo.update_user(
                user.id, totp_secret=None, totp_pending_secret=None, totp_last_step=None
            )
            await repo.add_event(
                "auth.user.totp_reset", user.id, {"by": actor.subject}, at=self.clock.now()
            )
        return updated

    async def bootstrap_admin(self, email: str, password: str) -> bool:
        """Creates the first administrator unless one exists; returns whether it did."""
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            await repo.lock_signing_keys()
            if await repo.count_active_admins() > 0:
                return False
            existing = await repo.user_by_email(normalize_email(email))
        if existing is not None:
            return False
        await self._create_user(email, "Administrateur", password, ["admin"], "", "bootstrap")
        return True
