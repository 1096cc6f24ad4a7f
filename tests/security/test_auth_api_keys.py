"""API keys of integrations, through the real gateway, auth and contrat: a key works on a
business route within its scope only, a revoked key is refused within 5 s, an expired key is
refused, the secret is shown once and the database keeps no usable form of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest_asyncio
from aquaerp_contrat.app import SPEC as CONTRAT
from aquaerp_runtime.clock import SYSTEM_CLOCK, FixedClock
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import (
    TEST_ADMIN_EMAIL,
    TEST_ADMIN_PASSWORD,
    AuthFixture,
    ServiceHarness,
)
from aquaerp_runtime.testing.polling import eventually
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .auth_fixtures import Gateway, GatewayStarter, bearer
from .data_fixtures import SIRENS, vat_number

REVOCATION_DEADLINE = 5.0


class Stack:
    def __init__(self, gateway: Gateway, admin: dict[str, str]) -> None:
        self.gateway = gateway
        self.admin = admin

    async def create_key(self, **body: Any) -> dict[str, Any]:
        response = await self.gateway.client.post("/api/v1/api-keys", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def status(self, method: str, path: str, key: str, **kwargs: Any) -> int:
        response = await self.gateway.client.request(method, path, headers=bearer(key), **kwargs)
        return response.status_code

    async def customer(self, name: str, siren: str) -> str:
        response = await self.gateway.client.post(
            "/api/v1/customers",
            headers=self.admin,
            json={
                "type": "business",
                "name": name,
                "legal_form": "SAS",
                "siren": siren,
                "vat_number": vat_number(siren),
                "billing_address": {
                    "lines": ["12 rue des Oliviers"],
                    "postal_code": "34000",
                    "city": "Montpellier",
                    "country": "FR",
                },
                "billing_contact_name": "Claire Fabre",
                "billing_email": "compta@flamants.example",
            },
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


def _last_day(days: int) -> str:
    return (SYSTEM_CLOCK.today() + timedelta(days=days)).isoformat()


@pytest_asyncio.fixture
async def stack(
    start_gateway: GatewayStarter,
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
) -> AsyncIterator[Stack]:
    contrat = await services.start(
        CONTRAT, database=rollback_database, targets={"auth": auth_service.target}
    )
    gateway = await start_gateway(targets={"contrat": contrat.target})
    yield Stack(gateway, bearer(await auth_service.admin_token()))


async def test_a_key_works_within_its_roles_only_and_its_secret_is_shown_once(
    stack: Stack, engine: AsyncEngine
) -> None:
    created = await stack.create_key(
        name="Export comptable", roles=["compta"], expires_on=_last_day(30)
    )
    secret = created["secret"]
    assert secret.startswith("aqk_") and len(secret) > 40
    key = created["api_key"]
    assert key["prefix"] == secret[: len(key["prefix"])] and len(key["prefix"]) < 12
    # A compta route answers; an office-only write and the administration refuse the key.
    assert await stack.status("GET", "/api/v1/customers", secret) == 200
    assert await stack.status("POST", "/api/v1/customers", secret, json={"name": "X"}) == 403
    assert await stack.status("GET", "/api/v1/users", secret) == 403
    assert await stack.status("GET", "/api/v1/api-keys", secret) == 403
    # A key that differs by one character is nobody's.
    forged = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert await stack.status("GET", "/api/v1/customers", forged) == 401

    listed = await stack.gateway.client.get("/api/v1/api-keys", headers=stack.admin)
    assert listed.status_code == 200
    mine = [item for item in listed.json()["items"] if item["id"] == key["id"]]
    assert len(mine) == 1 and secret not in listed.text
    assert mine[0]["last_used_at"] is not None and mine[0]["revoked_at"] is None
    assert mine[0]["expires_on"] == _last_day(30)

    # The database holds neither the secret nor its random part, only a one-way hash.
    async with engine.connect() as connection:
        row = (
            (
                await connection.execute(
                    text("SELECT * FROM auth.api_keys WHERE id = :id"), {"id": key["id"]}
                )
            )
            .mappings()
            .one()
        )
    stored = " ".join(str(value) for value in row.values())
    assert secret not in stored and secret[len(key["prefix"]) :] not in stored
    assert len(row["secret_hash"]) == 64


async def test_a_client_key_sees_its_customer_only(stack: Stack) -> None:
    own = await stack.customer("Piscine Martin", SIRENS[0])
    other = await stack.customer("Piscine Durand", SIRENS[1])
    created = await stack.create_key(
        name="Script du client", roles=["client"], customer_id=own, expires_on=_last_day(7)
    )
    secret = created["secret"]
    assert await stack.status("GET", f"/api/v1/customers/{own}", secret) == 200
    assert await stack.status("GET", f"/api/v1/customers/{other}", secret) in (403, 404)
    listed = await stack.gateway.client.get("/api/v1/customers", headers=bearer(secret))
    assert [c["id"] for c in listed.json()["items"]] == [own]


async def test_key_creation_is_validated(stack: Stack) -> None:
    async def problem(**body: Any) -> dict[str, str]:
        response = await stack.gateway.client.post(
            "/api/v1/api-keys", json=body, headers=stack.admin
        )
        assert response.status_code == 422, response.text
        errors: dict[str, str] = response.json()["errors"]
        return errors

    base = {"name": "Outil", "expires_on": _last_day(10)}
    assert "roles" in await problem(**base, roles=["admin"])
    assert "customer_id" in await problem(**base, roles=["client"])
    assert "customer_id" in await problem(**base, roles=["compta"], customer_id="x")
    assert "expires_on" in await problem(**base | {"expires_on": _last_day(-1)}, roles=["compta"])
    assert "expires_on" in await problem(**base | {"expires_on": _last_day(800)}, roles=["compta"])


async def test_a_revoked_key_is_refused_within_5_s_and_both_are_audited(stack: Stack) -> None:
    created = await stack.create_key(name="Révoquée", roles=["bureau"], expires_on=_last_day(30))
    secret, key_id = created["secret"], created["api_key"]["id"]
    # Used first, so the gateway's cache holds its token.
    assert await stack.status("GET", "/api/v1/customers", secret) == 200
    revoked = await stack.gateway.client.post(
        f"/api/v1/api-keys/{key_id}/revoke", headers=stack.admin
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]

    async def refused() -> bool:
        return await stack.status("GET", "/api/v1/customers", secret) == 401

    await eventually(refused, timeout=REVOCATION_DEADLINE, what="revoked key refused")

    trail = await stack.gateway.client.get(
        "/api/v1/audit-events", params={"action": "auth.api_key."}, headers=stack.admin
    )
    assert trail.status_code == 200
    mine = {e["action"] for e in trail.json()["items"] if e["target"] == key_id}
    assert mine == {"auth.api_key.created", "auth.api_key.revoked"}
    assert secret not in trail.text


async def test_a_key_is_refused_once_past_its_last_day(
    start_gateway: GatewayStarter,
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
) -> None:
    # Auth and the gateway on one settable clock (starting now: the services check token
    # lifetimes on the real clock).
    clock = FixedClock(SYSTEM_CLOCK.now())
    auth = await services.start(
        load_service("auth"),
        clock=clock,
        bootstrap_admin_email=TEST_ADMIN_EMAIL,
        bootstrap_admin_password=TEST_ADMIN_PASSWORD,
        mfa_required_roles=[],
        check_customers=False,
    )
    contrat = await services.start(
        CONTRAT, database=rollback_database, targets={"auth": auth_service.target}
    )
    gateway = await start_gateway(
        targets={"auth": auth.target, "contrat": contrat.target}, clock=clock
    )
    stack = Stack(gateway, bearer(await auth_service.admin_token()))
    created = await stack.create_key(name="Courte", roles=["compta"], expires_on=_last_day(1))
    secret = created["secret"]
    assert await stack.status("GET", "/api/v1/customers", secret) == 200
    clock.advance(days=2)
    assert await stack.status("GET", "/api/v1/customers", secret) == 401


async def test_each_key_has_its_own_request_budget(
    start_gateway: GatewayStarter,
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
) -> None:
    contrat = await services.start(
        CONTRAT, database=rollback_database, targets={"auth": auth_service.target}
    )
    gateway = await start_gateway(
        targets={"contrat": contrat.target}, api_key_rate_burst=3, api_key_rate_per_second=0.1
    )
    stack = Stack(gateway, bearer(await auth_service.admin_token()))
    busy = await stack.create_key(name="Bavard", roles=["compta"], expires_on=_last_day(3))
    quiet = await stack.create_key(name="Calme", roles=["compta"], expires_on=_last_day(3))
    for _ in range(3):
        assert await stack.status("GET", "/api/v1/customers", busy["secret"]) == 200
    refused = await gateway.client.get("/api/v1/customers", headers=bearer(busy["secret"]))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert await stack.status("GET", "/api/v1/customers", quiet["secret"]) == 200
