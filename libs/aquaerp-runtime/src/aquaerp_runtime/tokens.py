"""Access-token verification against the auth service's JWKS, cached locally.

Only EdDSA is accepted; `iss`, `aud`, `exp`, `nbf`, `sub` and `typ == "access"` are required.
An unknown `kid` triggers one JWKS refresh (rate-limited) so rotated keys are picked up.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
from jwt import PyJWK

from .context import Principal
from .errors import Unauthenticated

ALGORITHM = "EdDSA"
ACCESS_TOKEN_TYPE = "access"

JwksSource = Callable[[], Awaitable[str]]

# Verified tokens are remembered (a client sends the same token for up to 15 minutes), so the
# signature and parsing cost is paid once per token, not once per call. Time claims are still
# checked on every call.
VERIFIED_CACHE_SIZE = 10_000


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
    ) -> None:
        self._source = jwks_source
        self.issuer = issuer
        self.audience = audience
        self.cache_ttl = cache_ttl
        self.min_refresh_interval = min_refresh_interval
        self.leeway = leeway
        self._keys: dict[str, PyJWK] = {}
        self._verified: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._fetched_at = float("-inf")
        self._refresh_lock = asyncio.Lock()

    async def _refresh(self, *, force: bool, kid: str = "") -> None:
        async with self._refresh_lock:
            if kid and kid in self._keys:
                return  # fetched by a concurrent caller while we waited for the lock
            age = time.monotonic() - self._fetched_at
            if not force and age < self.cache_ttl:
                return
            if age < self.min_refresh_interval:
                # A key rotated just after our last fetch: wait out the interval rather than
                # refuse a valid token. Bounded, so unknown kids cannot make us hammer auth.
                await asyncio.sleep(self.min_refresh_interval - age)
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
        if kid not in self._keys:
            await self._refresh(force=True, kid=kid)
        try:
            return self._keys[kid]
        except KeyError:
            raise Unauthenticated("invalid token: unknown signing key") from None

    async def verify(self, token: str, *, token_type: str = ACCESS_TOKEN_TYPE) -> dict[str, Any]:
        """Returns the claims of a valid token or raises Unauthenticated."""
        cached = self._verified.get((token, token_type))
        if cached is not None:
            now = time.time()
            if cached["exp"] + self.leeway <= now:
                del self._verified[(token, token_type)]
                raise Unauthenticated("token expired")
            if cached["nbf"] - self.leeway > now:
                raise Unauthenticated("invalid token: The token is not yet valid (nbf)")
            return cached
        claims = await self._verify_uncached(token, token_type)
        self._verified[(token, token_type)] = claims
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return claims

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
                leeway=self.leeway,
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"invalid token: {error}") from None
        if claims.get("typ") != token_type:
            raise Unauthenticated("invalid token: wrong token type")
        return claims

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
