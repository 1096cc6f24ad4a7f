"""Access-token validation: every forged or misused token is refused with UNAUTHENTICATED."""

from __future__ import annotations

import base64
import json
from typing import Any

import grpc
import jwt
import pytest
from aquaerp.auth.v1 import auth_pb2
from aquaerp_auth.config import AuthSettings
from aquaerp_auth.keys import SigningKey, token_claims
from aquaerp_auth.service import AuthService
from aquaerp_runtime.clock import FixedClock
from aquaerp_runtime.testing.plugin import AuthFixture, bearer, rpc_error
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .conftest import START

NOW = int(START.timestamp())  # the service clock during each test


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def _current_key(auth_service: AuthFixture) -> SigningKey:
    service = auth_service.running.ctx.verifier  # the auth service verifies with its own keys
    assert service is not None
    from aquaerp_auth.repository import AuthRepository

    async with auth_service.running.ctx.database.unit_of_work() as session:
        current = await AuthRepository(session).current_signing_key()
    assert current is not None
    return current[0]


async def _valid_claims(auth_service: AuthFixture) -> dict[str, Any]:
    user, password = await auth_service.create_user("technicien")
    token = (await auth_service.login(user.email, password)).access_token
    return jwt.decode(token, options={"verify_signature": False})


async def _me_code(auth_service: AuthFixture, token: str) -> grpc.StatusCode:
    try:
        await auth_service.stub.GetMe(auth_pb2.GetMeRequest(), metadata=bearer(token))
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_a_valid_token_is_accepted(auth_service: AuthFixture) -> None:
    key = await _current_key(auth_service)
    claims = await _valid_claims(auth_service)
    assert await _me_code(auth_service, key.sign(claims)) == grpc.StatusCode.OK


async def test_alg_none_is_refused(auth_service: AuthFixture) -> None:
    key = await _current_key(auth_service)
    claims = await _valid_claims(auth_service)
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": key.kid}).encode())
    token = f"{header}.{_b64(json.dumps(claims).encode())}."
    assert await _me_code(auth_service, token) == grpc.StatusCode.UNAUTHENTICATED


async def test_hs256_signed_with_the_public_key_is_refused(auth_service: AuthFixture) -> None:
    key = await _current_key(auth_service)
    claims = await _valid_claims(auth_service)
    public = json.dumps(key.public_jwk).encode()
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    import hashlib
    import hmac

    for secret in (public, key.public_jwk["x"].encode()):
        signature = _b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
        token = f"{signing_input}.{signature}"
        assert await _me_code(auth_service, token) == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    "change",
    [
        {"exp": NOW - 60, "iat": NOW - 1000, "nbf": NOW - 1000},
        {"nbf": NOW + 600},
        {"iat": NOW + 600},
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"typ": "mfa"},
        {"typ": "refresh"},
    ],
    ids=["expired", "future-nbf", "future-iat", "wrong-aud", "wrong-iss", "mfa-token", "wrong-typ"],
)
async def test_bad_claims_are_refused(
    auth_service: AuthFixture, clock: FixedClock, change: dict[str, Any]
) -> None:
    key = await _current_key(auth_service)
    claims = {**await _valid_claims(auth_service), **change}
    assert await _me_code(auth_service, key.sign(claims)) == grpc.StatusCode.UNAUTHENTICATED


async def test_a_token_signed_by_an_unknown_key_is_refused(auth_service: AuthFixture) -> None:
    claims = await _valid_claims(auth_service)
    private = Ed25519PrivateKey.generate()
    token = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": "not-ours"})
    assert await _me_code(auth_service, token) == grpc.StatusCode.UNAUTHENTICATED
    # Same kid as ours but another key: the signature check fails.
    key = await _current_key(auth_service)
    forged = jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": key.kid})
    assert await _me_code(auth_service, forged) == grpc.StatusCode.UNAUTHENTICATED


async def test_a_refresh_token_is_not_an_access_token(auth_service: AuthFixture) -> None:
    user, password = await auth_service.create_user("bureau")
    tokens = await auth_service.login(user.email, password)
    assert await _me_code(auth_service, tokens.refresh_token) == grpc.StatusCode.UNAUTHENTICATED


async def test_a_call_without_credentials_is_unauthenticated(auth_service: AuthFixture) -> None:
    error = await rpc_error(auth_service.stub.GetMe(auth_pb2.GetMeRequest()))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_a_technician_calling_an_admin_rpc_is_denied(auth_service: AuthFixture) -> None:
    token = await auth_service.token("technicien")
    error = await rpc_error(
        auth_service.stub.ListUsers(auth_pb2.ListUsersRequest(), metadata=bearer(token))
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_signing_key_rotation_keeps_old_tokens_valid(auth_service: AuthFixture) -> None:
    old = await auth_service.token("bureau")
    admin = await auth_service.admin_token()
    rotated = await auth_service.stub.RotateSigningKey(
        auth_pb2.RotateSigningKeyRequest(), metadata=bearer(admin)
    )
    new = await auth_service.token("bureau")
    assert jwt.get_unverified_header(new)["kid"] == rotated.kid
    assert jwt.get_unverified_header(old)["kid"] != rotated.kid
    assert await _me_code(auth_service, old) == grpc.StatusCode.OK
    assert await _me_code(auth_service, new) == grpc.StatusCode.OK
    jwks = json.loads((await auth_service.stub.GetJwks(auth_pb2.GetJwksRequest())).jwks_json)
    kids = {k["kid"] for k in jwks["keys"]}
    assert {rotated.kid, jwt.get_unverified_header(old)["kid"]} <= kids
    assert all("d" not in k for k in jwks["keys"]), "private key material must never be published"


def test_claims_helper_sets_the_registered_claims() -> None:
    claims = token_claims(
        issuer="i", audience="a", subject="s", token_type="access", ttl=60, now=1000
    )
    assert claims["iat"] == claims["nbf"] == 1000 and claims["exp"] == 1060


async def test_an_access_token_expires_on_the_service_clock(
    auth_service: AuthFixture, clock: FixedClock
) -> None:
    token = await auth_service.token("bureau")
    assert jwt.decode(token, options={"verify_signature": False})["iat"] == NOW
    clock.advance(minutes=15)  # the lifetime, within the 5 s leeway
    assert await _me_code(auth_service, token) == grpc.StatusCode.OK
    clock.advance(seconds=6)
    assert await _me_code(auth_service, token) == grpc.StatusCode.UNAUTHENTICATED


async def test_a_signing_key_is_replaced_once_older_than_its_maximum_age(
    auth_service: AuthFixture, clock: FixedClock
) -> None:
    settings = auth_service.running.ctx.settings
    assert isinstance(settings, AuthSettings)
    service = AuthService(auth_service.running.ctx.database, settings, clock=clock)
    current = await service.ensure_signing_key()
    assert (await service.ensure_signing_key()).kid == current.kid  # young enough
    clock.advance(seconds=settings.signing_key_max_age + 60)
    replaced = await service.ensure_signing_key()
    assert replaced.kid != current.kid
    # The old key stays published while tokens it signed may still be presented.
    kids = {key["kid"] for key in json.loads(await service.jwks_json())["keys"]}
    assert {current.kid, replaced.kid} <= kids
