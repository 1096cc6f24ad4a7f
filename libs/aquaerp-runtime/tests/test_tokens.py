"""Token verification cache: a remembered token is still refused once it expires."""

from __future__ import annotations

import json

import jwt
import pytest
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.errors import Unauthenticated
from aquaerp_runtime.tokens import TokenVerifier
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm


async def test_a_cached_token_expires() -> None:
    private = Ed25519PrivateKey.generate()
    jwk = json.loads(OKPAlgorithm.to_jwk(private.public_key())) | {"kid": "k1", "alg": "EdDSA"}

    async def jwks() -> str:
        return json.dumps({"keys": [jwk]})

    clock = FixedClock(paris(2026, 7, 15, 15, 0))
    verifier = TokenVerifier(jwks, issuer="i", audience="a", leeway=0, clock=clock)
    now = int(clock.timestamp())
    claims = {
        "iss": "i",
        "aud": "a",
        "sub": "u",
        "typ": "access",
        "iat": now,
        "nbf": now,
        "exp": now + 1,
    }
    token = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": "k1"})
    assert (await verifier.verify(token))["sub"] == "u"
    assert (await verifier.verify(token))["sub"] == "u"  # from the cache
    clock.advance(seconds=1.2)
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(token)
    # A token accepted as one type is not accepted as another through the cache.
    with pytest.raises(Unauthenticated):
        await verifier.verify(token, token_type="mfa")
