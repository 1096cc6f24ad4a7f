"""API keys of integrations (an accounting tool, a customer's own scripts).

An administrator creates a key scoped to roles (and to a customer for role `client`) with a
last day of validity; its secret `aqk_<43 url-safe characters>` is returned once and only its
SHA-256 is kept. The gateway exchanges a key for a short-lived access token whose `sid` is the
key's id: revoking the key puts that id on the revoked-session feed, so every verifier refuses
its tokens within about a second, as for an ended session; the token never outlives the key.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA, require_roles
from aquaerp_runtime.clock import BUSINESS_TZ, Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import InvalidArgument, NotFound, Unauthenticated
from aquaerp_runtime.paging import decode_key, encode_token, page_limit

from .repository import ApiKeyRow, AuthRepository

PREFIX = "aqk_"
# Shown in lists to recognise a key: the marker and 6 characters (36 bits, useless to a guesser).
SHOWN_CHARACTERS = len(PREFIX) + 6
# Administration and a technician's own work stay with people; integrations read and write
# office, accounting or one customer's data.
KEY_ROLES = frozenset({BUREAU, COMPTA, CLIENT})
MAX_VALIDITY = timedelta(days=731)
INVALID_KEY = "invalid, revoked or expired API key"

# Signs an access token: (subject, ttl seconds, claims) -> JWT.
Signer = Callable[..., Awaitable[str]]
# Raises InvalidArgument naming `customer_id` when the customer does not exist.
CustomerCheck = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class ApiKeyPage:
    keys: list[ApiKeyRow]
    next_page_token: str


@dataclass(frozen=True)
class ExchangedKey:
    access_token: str
    expires_in: int
    key_id: str


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def expiry_of(last_day: date) -> datetime:
    """A key is valid through its last day, Paris time."""
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=BUSINESS_TZ)


class ApiKeys:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        sign: Signer,
        access_token_ttl: int,
        check_customer: CustomerCheck,
    ) -> None:
        self.database = database
        self.clock = clock
        self.sign = sign
        self.access_token_ttl = access_token_ttl
        self.check_customer = check_customer

    async def create(
        self, name: str, roles: list[str], customer_id: str, last_day: date | None
    ) -> tuple[ApiKeyRow, str]:
        actor = require_roles(ADMIN)
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidArgument("a name is required", fields={"name": "1 à 100 caractères"})
        roles = sorted(set(roles))
        if not roles:
            raise InvalidArgument("at least one role is required", fields={"roles": "obligatoire"})
        if not KEY_ROLES.issuperset(roles):
            raise InvalidArgument(
                "an API key may hold the roles bureau, compta or client only",
                fields={"roles": "rôles permis : bureau, compta, client"},
            )
        customer_id = customer_id.strip()
        if CLIENT in roles:
            if not customer_id:
                raise InvalidArgument(
                    "a client key must be limited to a customer",
                    fields={"customer_id": "obligatoire pour le rôle client"},
                )
            await self.check_customer(customer_id)
        elif customer_id:
            raise InvalidArgument(
                "only a client key is limited to a customer",
                fields={"customer_id": "seulement pour le rôle client"},
            )
        today = self.clock.today()
        if last_day is None:
            raise InvalidArgument("expiry date required", fields={"expires_on": "obligatoire"})
        if last_day < today or expiry_of(last_day) - self.clock.now() > MAX_VALIDITY:
            raise InvalidArgument(
                "the last day must be between today and two years from now",
                fields={"expires_on": "entre aujourd'hui et deux ans"},
            )
        secret = PREFIX + secrets.token_urlsafe(32)
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            key = await repo.insert_api_key(
                id=uuid.uuid4(),
                name=name,
                secret_hash=secret_hash(secret),
                prefix=secret[:SHOWN_CHARACTERS],
                roles=roles,
                customer_id=customer_id,
                expires_at=expiry_of(last_day),
                created_at=self.clock.now(),
                created_by=actor.subject,
            )
            await repo.add_event(
                "auth.api_key.created",
                str(key.id),
                {
                    "by": actor.subject,
                    "name": name,
                    "roles": roles,
                    "customer_id": customer_id,
                    "expires_on": last_day.isoformat(),
                },
                at=self.clock.now(),
            )
        return key, secret

    async def list(self, page_size: int, page_token: str) -> ApiKeyPage:
        require_roles(ADMIN)
        limit = page_limit(page_size)
        before = decode_key(page_token, datetime.fromisoformat, uuid.UUID)
        async with self.database.unit_of_work() as session:
            rows = await AuthRepository(session).list_api_keys(
                before=(before[0], before[1]) if before else None, limit=limit + 1
            )
        last = rows[limit - 1] if len(rows) > limit else None
        return ApiKeyPage(
            rows[:limit], encode_token(last.created_at.isoformat(), last.id) if last else ""
        )

    async def revoke(self, key_id: str) -> ApiKeyRow:
        actor = require_roles(ADMIN)
        try:
            parsed = uuid.UUID(key_id)
        except ValueError:
            raise NotFound("API key not found") from None
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            key = await repo.api_key_by_id(parsed, for_update=True)
            if key is None:
                raise NotFound("API key not found")
            if key.revoked_at is not None:
                return key
            key = await repo.update_api_key(parsed, revoked_at=self.clock.now())
            await repo.add_event(
                "auth.api_key.revoked",
                str(key.id),
                {"by": actor.subject, "name": key.name},
                at=self.clock.now(),
            )
        return key

    async def exchange(self, secret: str) -> ExchangedKey:
        """A live key's access token (never valid past the key's expiry); records the use."""
        if not secret.startswith(PREFIX):
            raise Unauthenticated(INVALID_KEY)
        now = self.clock.now()
        async with self.database.unit_of_work() as session:
            repo = AuthRepository(session)
            key = await repo.api_key_by_hash(secret_hash(secret))
            if key is None or key.revoked_at is not None or key.expires_at <= now:
                raise Unauthenticated(INVALID_KEY)
            await repo.update_api_key(key.id, last_used_at=now)
        ttl = min(self.access_token_ttl, int((key.expires_at - now).total_seconds()))
        if ttl <= 0:
            raise Unauthenticated(INVALID_KEY)
        claims: dict[str, object] = {
            "roles": list(key.roles),
            "sid": str(key.id),
            "name": key.name,
            "amr": ["key"],
        }
        if key.customer_id:
            claims["cid"] = key.customer_id
        token = await self.sign(f"apikey:{key.id}", ttl, **claims)
        return ExchangedKey(token, ttl, str(key.id))
