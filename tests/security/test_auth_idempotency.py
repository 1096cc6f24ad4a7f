"""D1 and D9: the Idempotency-Key store is only consulted for a verified caller, and never keeps
the answers of the credential routes (token pairs)."""

from __future__ import annotations

import secrets

from aquaerp_runtime.testing.plugin import TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD, AuthFixture
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .auth_fixtures import GatewayStarter, bearer, forged_token, unverified_claims


async def test_unsigned_token_with_a_victims_subject_and_key_gets_401_not_their_answer(
    start_gateway: GatewayStarter, auth_service: AuthFixture
) -> None:
    gateway = await start_gateway()
    admin_token = await auth_service.admin_token()
    email = f"victim-{secrets.token_hex(4)}@test.aquaerp.local"
    body = {"email": email, "password": "a fine long passphrase", "roles": ["bureau"]}
    key = f"create-{secrets.token_hex(4)}"
    first = await gateway.client.post(
        "/api/v1/users", headers={**bearer(admin_token), "Idempotency-Key": key}, json=body
    )
    assert first.status_code == 201, first.text
    created_id = first.json()["id"]

    # The attack: the victim's subject in a token nobody signed, the key and the body.
    claims = unverified_claims(admin_token)
    for alg in ("none", "EdDSA", "HS256"):
        forged = forged_token({**claims, "roles": ["admin"]}, alg=alg)
        replay = await gateway.client.post(
            "/api/v1/users", headers={**bearer(forged), "Idempotency-Key": key}, json=body
        )
        assert replay.status_code == 401, (alg, replay.status_code, replay.text)
        assert "idempotent-replayed" not in replay.headers
        assert created_id not in replay.text

    # Unchanged: exactly one user with this email, the one the admin created.
    listed = await gateway.client.get(
        "/api/v1/users", params={"q": email}, headers=bearer(admin_token)
    )
    assert [user["id"] for user in listed.json()["items"]] == [created_id]
    # The real caller still gets their stored answer.
    again = await gateway.client.post(
        "/api/v1/users", headers={**bearer(admin_token), "Idempotency-Key": key}, json=body
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == created_id


async def test_login_answers_are_never_stored_or_replayed(
    start_gateway: GatewayStarter, engine: AsyncEngine
) -> None:
    gateway = await start_gateway()
    key = f"login-{secrets.token_hex(4)}"
    credentials = {"email": TEST_ADMIN_EMAIL, "password": TEST_ADMIN_PASSWORD}
    first = await gateway.client.post(
        "/api/v1/auth/login", headers={"Idempotency-Key": key}, json=credentials
    )
    second = await gateway.client.post(
        "/api/v1/auth/login", headers={"Idempotency-Key": key}, json=credentials
    )
    assert first.status_code == second.status_code == 200
    assert "idempotent-replayed" not in second.headers
    first_pair, second_pair = first.json()["tokens"], second.json()["tokens"]
    assert first_pair["refresh_token"] != second_pair["refresh_token"]
    refreshed = await gateway.client.post(
        "/api/v1/auth/refresh",
        headers={"Idempotency-Key": key},
        json={"refresh_token": first_pair["refresh_token"]},
    )
    assert refreshed.status_code == 200
    async with engine.connect() as connection:
        stored = await connection.scalar(
            text("SELECT count(*) FROM gateway.idempotency_keys WHERE key = :key"), {"key": key}
        )
        tokens_kept = await connection.scalar(
            text(
                "SELECT count(*) FROM gateway.idempotency_keys"
                " WHERE position(convert_to(:token, 'UTF8') in body) > 0"
            ),
            {"token": first_pair["refresh_token"]},
        )
    assert stored == 0
    assert tokens_kept == 0
