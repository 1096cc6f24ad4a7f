"""Ed25519 signing keys for JWTs, and token issuing."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from aquaerp_runtime.tokens import ALGORITHM
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str
    public_jwk: dict[str, Any]

    @classmethod
    def generate(cls) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        kid = secrets.token_urlsafe(12)
        jwk = json.loads(OKPAlgorithm.to_jwk(private.public_key()))
        jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
        return cls(kid, pem, jwk)

    def sign(self, claims: dict[str, Any]) -> str:
        key = serialization.load_pem_private_key(self.private_pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise TypeError(f"signing key {self.kid} is not an Ed25519 key")
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": self.kid})


def token_claims(
    *,
    issuer: str,
    audience: str,
    subject: str,
    token_type: str,
    ttl: int,
    now: float,
    **extra: Any,
) -> dict[str, Any]:
    """Registered claims for a token issued at `now` (seconds since the epoch, from the
    service clock) and valid for `ttl` seconds."""
    issued = int(now)
    return {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "typ": token_type,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl,
        "jti": uuid.uuid4().hex,
        **extra,
    }
