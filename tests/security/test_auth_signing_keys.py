"""D13: forged tokens with unknown key ids neither queue the other callers behind a lock nor
make the gateway fetch the key set again and again."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time

from aquaerp_runtime.testing.plugin import AuthFixture
from prometheus_client import REGISTRY

from .auth_fixtures import GatewayStarter, bearer, forged_token, unverified_claims

FORGED = 40


async def test_unknown_key_ids_do_not_hold_up_valid_callers(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()
    token = await auth_service.admin_token()
    claims = unverified_claims(token)
    assert (await gateway.client.get("/api/v1/auth/me", headers=bearer(token))).status_code == 200

    async def forged(kid: str) -> int:
        header_token = forged_token(claims, alg="EdDSA")
        # Same claims, an EdDSA header naming a key auth never issued.
        header = base64.urlsafe_b64encode(
            json.dumps({"alg": "EdDSA", "typ": "JWT", "kid": kid}).encode()
        ).rstrip(b"=")
        forged_with_kid = header.decode() + header_token[header_token.index(".") :]
        response = await gateway.client.get("/api/v1/auth/me", headers=bearer(forged_with_kid))
        return response.status_code

    async def valid_calls() -> list[float]:
        durations = []
        for _ in range(10):
            started = time.monotonic()
            response = await gateway.client.get("/api/v1/auth/me", headers=bearer(token))
            assert response.status_code == 200
            durations.append(time.monotonic() - started)
        return durations

    def jwks_fetches() -> float:
        return sum(
            REGISTRY.get_sample_value(
                "grpc_server_handled_total",
                {
                    "grpc_service": "aquaerp.auth.v1.AuthService",
                    "grpc_method": "GetJwks",
                    "grpc_code": code,
                },
            )
            or 0.0
            for code in ("OK", "UNAVAILABLE")
        )

    kids = [secrets.token_urlsafe(12) for _ in range(FORGED)]
    fetches_before = jwks_fetches()
    assert fetches_before > 0  # this gateway fetched the key set for the valid token
    started = time.monotonic()
    statuses, durations = await asyncio.gather(
        asyncio.gather(*(forged(kid) for kid in kids)), valid_calls()
    )
    elapsed = time.monotonic() - started
    assert set(statuses) == {401}
    # Before: one second per unknown kid, one after the other, for everybody (40 s here).
    # Now at most one key-set fetch per second, whatever the number of forged kids.
    assert elapsed < FORGED / 2, elapsed
    assert jwks_fetches() - fetches_before <= elapsed + 2
    assert max(durations) < FORGED / 4, durations
    # The same unknown kids again are refused from the negative cache, without a fetch.
    fetches_before = jwks_fetches()
    assert set(await asyncio.gather(*(forged(kid) for kid in kids))) == {401}
    assert jwks_fetches() == fetches_before
