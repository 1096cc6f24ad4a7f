"""D15: an account is linked only to what exists. A `client` user (or API key) must name a
customer contrat knows; a technician profile is for a user holding the `technicien` role.
Otherwise 422 naming the field, through the real gateway, auth, contrat and intervention."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest_asyncio
from aquaerp_runtime.clock import SYSTEM_CLOCK
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import (
    TEST_ADMIN_EMAIL,
    TEST_ADMIN_PASSWORD,
    AuthFixture,
    ServiceHarness,
    service_account_settings,
)

from .auth_fixtures import GatewayStarter, bearer
from .data_fixtures import SIRENS, vat_number


class Office:
    def __init__(self, client: httpx.AsyncClient, admin: dict[str, str]) -> None:
        self.client = client
        self.admin = admin

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.post(f"/api/v1{path}", json=body, headers=self.admin)

    async def user(self, role: str, customer_id: str = "") -> httpx.Response:
        return await self.post(
            "/users",
            {
                "email": f"lien-{uuid.uuid4().hex[:8]}@test.aquaerp.local",
                "display_name": "Camille Roux",
                "password": "un mot de passe assez long 2026",
                "roles": [role],
                "customer_id": customer_id,
            },
        )

    async def technician(self, user_id: str) -> httpx.Response:
        return await self.post(
            "/technicians",
            {
                "user_id": user_id,
                "display_name": "Marc Dupuis",
                "skills": ["piscine"],
                "working_hours": [{"weekday": 1, "start": "08:00", "end": "17:00"}],
                "home_base": {"latitude": 43.61, "longitude": 3.88},
            },
        )


def field_error(response: httpx.Response, field: str) -> str:
    assert response.status_code == 422, response.text
    errors: dict[str, str] = response.json()["errors"]
    assert field in errors, errors
    return errors[field]


@pytest_asyncio.fixture
async def office(
    rollback_database: Database,
    services: ServiceHarness,
    auth_service: AuthFixture,
    start_gateway: GatewayStarter,
) -> AsyncIterator[Office]:
    contrat = await services.start(
        load_service("contrat"),
        database=rollback_database,
        targets={"auth": auth_service.target},
    )
    intervention = await services.start(
        load_service("intervention"),
        database=rollback_database,
        targets={"auth": auth_service.target, "contrat": contrat.target},
        **service_account_settings("intervention"),
    )
    # An auth that checks customers with contrat, as deployed (the shared test one does not).
    auth = await services.start(
        load_service("auth"),
        bootstrap_admin_email=TEST_ADMIN_EMAIL,
        bootstrap_admin_password=TEST_ADMIN_PASSWORD,
        mfa_required_roles=[],
        targets={"contrat": contrat.target},
    )
    gateway = await start_gateway(
        targets={
            "auth": auth.target,
            "contrat": contrat.target,
            "intervention": intervention.target,
        }
    )
    yield Office(gateway.client, bearer(await auth_service.admin_token()))


async def test_a_client_user_names_an_existing_customer(office: Office) -> None:
    assert field_error(await office.user("client"), "customer_id")
    unknown = str(uuid.uuid4())
    assert field_error(await office.user("client", unknown), "customer_id") == "client inconnu"
    assert field_error(await office.user("client", "pas-un-uuid"), "customer_id")

    siren = SIRENS[2]
    customer = await office.post(
        "/customers",
        {
            "type": "business",
            "name": "Camping Les Mouettes",
            "legal_form": "SARL",
            "siren": siren,
            "vat_number": vat_number(siren),
            "billing_address": {
                "lines": ["1 route de la Plage"],
                "postal_code": "34300",
                "city": "Agde",
                "country": "FR",
            },
            "billing_contact_name": "Paul Girard",
            "billing_email": "paul@mouettes.example",
        },
    )
    assert customer.status_code == 201, customer.text
    created = await office.user("client", customer.json()["id"])
    assert created.status_code == 201, created.text
    assert created.json()["customer_id"] == customer.json()["id"]

    # A client API key is held to the same rule.
    last_day = (SYSTEM_CLOCK.today() + timedelta(days=5)).isoformat()
    key = {"name": "Script", "roles": ["client"], "expires_on": last_day}
    assert field_error(
        await office.post("/api-keys", key | {"customer_id": unknown}), "customer_id"
    )


async def test_a_technician_profile_is_for_a_technician(office: Office) -> None:
    accountant = await office.user("compta")
    assert accountant.status_code == 201, accountant.text
    refused = await office.technician(accountant.json()["id"])
    assert field_error(refused, "user_id") == "cet utilisateur n'a pas le rôle technicien"
    assert field_error(await office.technician(str(uuid.uuid4())), "user_id") == (
        "utilisateur inconnu"
    )

    technician = await office.user("technicien")
    assert technician.status_code == 201, technician.text
    profile = await office.technician(technician.json()["id"])
    assert profile.status_code == 201, profile.text
