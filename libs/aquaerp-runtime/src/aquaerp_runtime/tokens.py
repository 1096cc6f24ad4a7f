"""Access-token verification against the auth service's JWKS, cached locally.

Only EdDSA is accepted; `iss`, `aud`, `exp`, `nbf`, `sub` and `typ == "access"` are required.
An unknown `kid` triggers one JWKS refresh (at most one per `min_refresh_interval`; the caller
waits for it without holding the lock) so rotated keys are picked up; a kid still unknown after
a refresh is remembered for `negative_ttl` seconds and refused at once.
The time claims are checked against the injected `Clock`; the JWKS cache ages on the monotonic
clock (it is not business time).

Sessions ended at auth (logout, account disabled, password changed, refresh-token reuse) are
refused too: a `RevocationList` polls auth's revoked-session feed at most `interval` seconds
before each check, so an ended session's access token stops working within about a second,
in every verifier, whatever its cache holds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from jwt import PyJWK

from .clock import SYSTEM_CLOCK, Clock
from .context import Principal
from .errors import Unauthenticated

ALGORITHM = "EdDSA"
ACCESS_TOKEN_TYPE = "access"

JwksSource = Callable[[], Awaitable[str]]
# Given the previous cursor ("" at first), returns the sessions ended since and the next cursor.
RevocationSource = Callable[[str], Awaitable[tuple[list[str], str]]]

log = logging.getLogger(__name__)


class RevocationList:
    """The ids of sessions ended at auth, refreshed from its feed when older than `interval`.

    If auth cannot be reached the last known list is kept (verification goes on offline, as
    with the cached JWKS) and the failure is logged; the next check tries again after
    `interval`. Ids are forgotten after `retention` seconds, once their access tokens expired.
    """

    def __init__(
        self,
        source: RevocationSource,
        *,
        interval: float = 1.0,
        timeout: float = 2.0,
        retention: float = 3600.0,
    ) -> None:
        self._source = source
        self.interval = interval
        self.timeout = timeout
        self.retention = retention
        self._revoked: dict[str, float] = {}
        self._cursor = ""
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()

    def add(self, session_id: str) -> None:
        self._revoked[session_id] = time.monotonic()

    async def refresh(self) -> None:
        async with self._lock:
            await self._fetch()

    async def _fetch(self) -> None:
        self._attempted_at = time.monotonic()
        try:
            async with asyncio.timeout(self.timeout):
                ids, cursor = await self._source(self._cursor)
        except Exception as error:
            log.warning("revoked sessions not refreshed: %s", error)
            return
        now = time.monotonic()
        for session_id in ids:
            self._revoked.setdefault(session_id, now)
        self._cursor = cursor
        horizon = now - self.retention
        for session_id in [s for s, seen in self._revoked.items() if seen < horizon]:
            del self._revoked[session_id]

    async def is_revoked(self, session_id: str) -> bool:
        if time.monotonic() - self._attempted_at >= self.interval:
            # Concurrent checks wait for one fetch rather than answer from an old list.
            async with self._lock:
                if time.monotonic() - self._attempted_at >= self.interval:
                    await self._fetch()
        return session_id in self._revoked


# Verified tokens are remembered (a client sends the same token for up to 15 minutes), so the
# signature and parsing cost is paid once per token, not once per call. Time claims are still
# checked on every call.
VERIFIED_CACHE_SIZE = 10_000
UNKNOWN_KIDS_SIZE = 10_000


class TokenVerifier:
    def __init__(
        self,
        jwks_source: JwksSource,
        *,
        issuer: str,
        audience: str,
        cache_ttl: float = 300.0,
        min_refresh_interval: float = 1.0,
        leeway: float = 5.0,
        clock: Clock = SYSTEM_CLOCK,
        revocations: RevocationList | None = None,
        negative_ttl: float = 30.0,
    ) -> None:
        self._source = jwks_source
        self.revocations = revocations
        self.clock = clock
        self.issuer = issuer
        self.audience = audience
        self.cache_ttl = cache_ttl
        self.min_refresh_interval = min_refresh_interval
        self.leeway = leeway
        self._keys: dict[str, PyJWK] = {}
        self._verified: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._fetched_at = float("-inf")
        self._refresh_lock = asyncio.Lock()
        self.negative_ttl = negative_ttl
        self._unknown: OrderedDict[str, float] = OrderedDict()

    async def _refresh(self, *, force: bool, kid: str = "") -> None:
        async with self._refresh_lock:
            if kid and kid in self._keys:
                return  # fetched by a concurrent caller while we waited for the lock
            age = time.monotonic() - self._fetched_at
            if not force and age < self.cache_ttl:
                return
            if force and age < self.min_refresh_interval:
                return  # another caller fetched since this kid showed up: that answer holds
            document = json.loads(await self._source())
            keys = {}
            for entry in document.get("keys", []):
                if entry.get("kid") and entry.get("kty") == "OKP":
                    keys[entry["kid"]] = PyJWK(entry, algorithm=ALGORITHM)
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def _key(self, kid: str) -> PyJWK:
        if time.monotonic() - self._fetched_at > self.cache_ttl:
            await self._refresh(force=False)
        if kid not in self._keys and not self._known_unknown(kid):
            age = time.monotonic() - self._fetched_at
            if age < self.min_refresh_interval:
                # A key rotated just after our last fetch: this caller alone waits out the
                # interval (not under the lock, so nobody else waits with it).
                await asyncio.sleep(self.min_refresh_interval - age)
            await self._refresh(force=True, kid=kid)
            if kid not in self._keys:
                self._unknown[kid] = time.monotonic()
                while len(self._unknown) > UNKNOWN_KIDS_SIZE:
                    self._unknown.popitem(last=False)
        try:
            return self._keys[kid]
        except KeyError:
            raise Unauthenticated("invalid token: unknown signing key") from None

    def _known_unknown(self, kid: str) -> bool:
        """A kid that was unknown after a fetch within `negative_ttl`: refused without asking
        auth again (forged tokens with random kids cost nothing)."""
        seen = self._unknown.get(kid)
        return seen is not None and time.monotonic() - seen < self.negative_ttl

    async def verify(self, token: str, *, token_type: str = ACCESS_TOKEN_TYPE) -> dict[str, Any]:
        """Returns the claims of a valid token or raises Unauthenticated."""
        cached = self._verified.get((token, token_type))
        if cached is not None:
            try:
                self._check_times(cached)
                await self._check_session(cached)
            except Unauthenticated:
                self._verified.pop((token, token_type), None)
                raise
            return cached
        claims = await self._verify_uncached(token, token_type)
        self._check_times(claims)
        await self._check_session(claims)
        self._verified[(token, token_type)] = claims
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return claims

    async def _check_session(self, claims: dict[str, Any]) -> None:
        session_id = str(claims.get("sid") or "")
        if (
            session_id
            and self.revocations is not None
            and await self.revocations.is_revoked(session_id)
        ):
            raise Unauthenticated("session ended")

    async def _verify_uncached(self, token: str, token_type: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("invalid token") from None
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated("invalid token: algorithm not allowed")
        key = await self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                # Time claims are checked by `_check_times`, against our clock, not PyJWT's.
                options={
                    "require": ["exp", "iat", "nbf", "iss", "aud", "sub"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"invalid token: {error}") from None
        if claims.get("typ") != token_type:
            raise Unauthenticated("invalid token: wrong token type")
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        """`exp`, `nbf` and `iat` against the clock, with the leeway (as PyJWT would)."""
        try:
            exp, nbf, iat = (int(claims[name]) for name in ("exp", "nbf", "iat"))
        except (KeyError, ValueError, TypeError, OverflowError):
            raise Unauthenticated("invalid token: time claims must be integers") from None
        now = self.clock.timestamp()
        if exp <= now - self.leeway:
            raise Unauthenticated("token expired")
        if nbf > now + self.leeway:
            raise Unauthenticated("invalid token: The token is not yet valid (nbf)")
        if iat > now + self.leeway:
            raise Unauthenticated("invalid token: The token is not yet valid (iat)")

    async def principal(self, token: str) -> Principal:
        claims = await self.verify(token)
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    roles = claims.get("roles") or []
    return Principal(
        subject=str(claims["sub"]),
        roles=frozenset(str(r) for r in roles),
        session_id=str(claims.get("sid", "")),
        customer_id=str(claims.get("cid", "")),
        claims=claims,
    )


def bearer_token(value: str) -> str:
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("authorization must be 'Bearer <token>'")
    return token.strip()


def auth_service_verifier(
    stub: Any, *, issuer: str, audience: str, clock: Clock = SYSTEM_CLOCK
) -> TokenVerifier:
    """A verifier fed by the auth service behind `stub` (an `AuthServiceStub` on a channel
    without credentials): its JWKS and its revoked-session feed."""
    from aquaerp.auth.v1 import auth_pb2

    async def fetch_jwks() -> str:
        response = await stub.GetJwks(auth_pb2.GetJwksRequest(), timeout=5)
        return str(response.jwks_json)

    async def fetch_revoked(cursor: str) -> tuple[list[str], str]:
        response = await stub.ListRevokedSessions(
            auth_pb2.ListRevokedSessionsRequest(cursor=cursor), timeout=2
        )
        return list(response.session_ids), str(response.cursor)

    return TokenVerifier(
        fetch_jwks,
        issuer=issuer,
        audience=audience,
        clock=clock,
        revocations=RevocationList(fetch_revoked),
    )
