"""Bearer credentials: an access JWT, or an integration's API key (`aqk_...`).

A key is exchanged at auth for a short-lived access token carrying its scope, which the
gateway then forwards to the services like a user's token. The exchange is cached briefly
(`api_key_cache_seconds`, and never past the token's expiry), keyed by the key's SHA-256, so
the key itself is not kept in memory. Revoking a key ends its token's session: the token check
of every request polls the revoked-session feed, so a revoked key is refused within about a
second, cache or not. Each key has its own request bucket; exchanging unknown keys draws on the
caller address's bucket of the credential routes (guessing is slowed down like logins).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import grpc
from aquaerp.auth.v1 import auth_pb2
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.context import Principal, client_ip_var
from aquaerp_runtime.errors import ResourceExhausted, Unauthenticated, Unavailable
from aquaerp_runtime.tokens import TokenVerifier, principal_from_claims

from .rate_limit import TokenBuckets

KEY_PREFIX = "aqk_"
MAX_CACHED_KEYS = 10_000


@dataclass(frozen=True)
class Credential:
    principal: Principal
    # What the services get in `authorization`: the caller's JWT, or the key's exchanged one.
    forwarded_token: str


@dataclass(frozen=True)
class _Exchanged:
    token: str
    expires_at: float  # on the gateway's clock (epoch seconds)
    fetched_at: float  # monotonic


class Authenticator:
    def __init__(
        self,
        verifier: TokenVerifier,
        auth_stub: Any,
        *,
        clock: Clock,
        cache_seconds: float,
        key_buckets: TokenBuckets,
        guess_buckets: TokenBuckets,
    ) -> None:
        self.verifier = verifier
        self._auth = auth_stub
        self.clock = clock
        self.cache_seconds = cache_seconds
        self.key_buckets = key_buckets
        self.guess_buckets = guess_buckets
        self._cache: OrderedDict[str, _Exchanged] = OrderedDict()

    async def principal(self, credential: str) -> Principal:
        return (await self.verify(credential)).principal

    async def verify(self, credential: str) -> Credential:
        if not credential.startswith(KEY_PREFIX):
            return Credential(await self.verifier.principal(credential), credential)
        digest = hashlib.sha256(credential.encode()).hexdigest()
        cached = self._cache.get(digest)
        if cached is not None and self._fresh(cached):
            try:
                return Credential(await self.verifier.principal(cached.token), cached.token)
            except Unauthenticated:
                pass  # revoked (or expired): ask auth, which says which
        self._cache.pop(digest, None)
        exchanged = await self._exchange(credential)
        self._cache[digest] = exchanged
        while len(self._cache) > MAX_CACHED_KEYS:
            self._cache.popitem(last=False)
        claims = await self.verifier.verify(exchanged.token)
        return Credential(principal_from_claims(claims), exchanged.token)

    def throttle(self, principal: Principal) -> None:
        """Each key has its own request budget (users are limited by their sessions)."""
        if not principal.subject.startswith("apikey:"):
            return
        wait = self.key_buckets.take(principal.subject)
        if wait > 0:
            raise ResourceExhausted(
                "too many requests with this API key; slow down", retry_after=math.ceil(wait)
            )

    def _fresh(self, cached: _Exchanged) -> bool:
        return (
            time.monotonic() - cached.fetched_at < self.cache_seconds
            and self.clock.timestamp() < cached.expires_at
        )

    async def _exchange(self, credential: str) -> _Exchanged:
        try:
            response = await self._auth.ExchangeApiKey(
                auth_pb2.ExchangeApiKeyRequest(secret=credential), timeout=5
            )
        except grpc.aio.AioRpcError as error:
            if error.code() not in (
                grpc.StatusCode.UNAUTHENTICATED,
                grpc.StatusCode.INVALID_ARGUMENT,
            ):
                raise Unavailable("API keys cannot be checked now") from None
            # Refusals draw on the address's bucket: guessing keys slows down like logins.
            wait = self.guess_buckets.take(client_ip_var.get() or "unknown")
            if wait > 0:
                raise ResourceExhausted(
                    "too many requests; slow down", retry_after=math.ceil(wait)
                ) from None
            raise Unauthenticated("invalid, revoked or expired API key") from None
        return _Exchanged(
            token=str(response.access_token),
            expires_at=self.clock.timestamp() + int(response.expires_in),
            fetched_at=time.monotonic(),
        )
