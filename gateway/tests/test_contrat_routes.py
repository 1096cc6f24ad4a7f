"""/api/v1 customers, sites, contracts through the real gateway and a real contrat service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from aquaerp_contrat.app import SPEC
from aquaerp_runtime.db import Database
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness

from .conftest import GatewayFactory, RunningGateway, auth_header

SIREN = "732829320"


@pytest_asyncio.fixture
async def api(
    start_gateway: GatewayFactory,
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
) -> AsyncIterator[RunningGateway]:
    running = await services.start(
        SPEC, database=rollback_database, targets={"auth": auth_service.target}
    )
    yield await start_gateway(targets={"contrat": running.target})


def customer_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "business",
        "name": "Camping Le Mas des Oliviers",
        "legal_form": "SARL",
        "siren": SIREN,
        "vat_number": "FR44732829320",
        "billing_address": {
            "lines": ["3 chemin des Vignes"],
            "postal_code": "34970",
            "city": "Lattes",
        },
        "billing_contact_name": "Sophie Girard",
        "billing_email": "compta@mas-oliviers.example",
    }
    body.update(changes)
    return body


def contract_body(customer_id: str, site_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_id": customer_id,
        "site_ids": [site_id],
        "lines": [
            {
                "product_code": "ENT-PISC",
                "label": "Entretien piscine, forfait mensuel",
                "unit_price": {"amount_cents": 11900},
                "vat_rate": "20",
            }
        ],
        "billing_frequency": "monthly",
        "billing_timing": "in_advance",
        "start_date": "2026-02-15",
        "plans": [
            {
                "site_id": site_id,
                "label": "Entretien piscine",
                "rrule": "FREQ=MONTHLY;BYMONTHDAY=5",
                "seasons": [
                    {
                        "name": "Été",
                        "start_month_day": "06-01",
                        "end_month_day": "09-30",
                        "rrule": "FREQ=WEEKLY;BYDAY=TU",
                    },
                    {"name": "Hors saison", "start_month_day": "10-01", "end_month_day": "05-31"},
                ],
                "time_window": {"start": "08:00", "end": "12:00"},
                "duration_minutes": 60,
                "required_skill": "piscine",
            }
        ],
    }
    body.update(changes)
    return body


async def setup_customer(
    api: RunningGateway, headers: dict[str, str], **changes: Any
) -> tuple[str, str]:
    customer = await api.client.post(
        "/api/v1/customers", json=customer_body(**changes), headers=headers
    )
    assert customer.status_code == 201, customer.text
    site = await api.client.post(
        f"/api/v1/customers/{customer.json()['id']}/sites",
        json={
            "name": "Camping",
            "address": {"lines": ["3 chemin des Vignes"], "postal_code": "34970", "city": "Lattes"},
            "geo": {"latitude": 43.5675, "longitude": 3.9009},
            "gate_code": "1234",
        },
        headers=headers,
    )
    assert site.status_code == 201, site.text
    return customer.json()["id"], site.json()["id"]


async def test_customer_site_contract_activate(
    api: RunningGateway, auth_service: AuthFixture
) -> None:
    office = auth_header(await auth_service.token("bureau"))
    customer_id, site_id = await setup_customer(api, office)
    created = await api.client.post(
        "/api/v1/contracts", json=contract_body(customer_id, site_id), headers=office
    )
    assert created.status_code == 201, created.text
    contract = created.json()
    assert (contract["status"], contract["number"]) == ("draft", "")
    assert contract["lines"][0]["vat_rate"] == "20.0"
    activated = await api.client.post(
        f"/api/v1/contracts/{contract['id']}/activate", headers=office
    )
    assert activated.status_code == 200, activated.text
    assert activated.json()["status"] == "active"
    assert activated.json()["number"].startswith("CT-")
    periods = await api.client.get(
        f"/api/v1/contracts/{contract['id']}/billable-periods",
        params={"up_to": "2026-02-28"},
        headers=office,
    )
    # 14 of February's 28 days: 119.00 x 14 / 28 = 59.50
    assert [
        (p["start"], p["amount"]["amount_cents"], p["prorated"]) for p in periods.json()["items"]
    ] == [("2026-02-15", 5950, True)]
    visits = await api.client.get(
        f"/api/v1/contracts/{contract['id']}/plan-occurrences",
        params={"from_date": "2026-05-01", "to_date": "2026-06-10"},
        headers=office,
    )
    assert [(v["date"], v["season"]) for v in visits.json()["items"]] == [
        ("2026-05-05", "Hors saison"),
        ("2026-06-02", "Été"),
        ("2026-06-09", "Été"),
    ]
    site = await api.client.get(f"/api/v1/sites/{site_id}", headers=office)
    assert site.json()["gate_code"] == "1234"
    listed = await api.client.get(
        "/api/v1/sites", params={"customer_id": customer_id}, headers=office
    )
    assert [(s["gate_code"], s["has_gate_code"]) for s in listed.json()["items"]] == [(None, True)]


async def test_invalid_input_is_422_naming_the_field(
    api: RunningGateway, auth_service: AuthFixture
) -> None:
    office = auth_header(await auth_service.token("bureau"))
    bad_siren = await api.client.post(
        "/api/v1/customers", json=customer_body(siren="732829321"), headers=office
    )
    assert bad_siren.status_code == 422
    assert bad_siren.headers["content-type"] == "application/problem+json"
    assert bad_siren.json()["errors"]["siren"] == "invalid SIREN (check digit does not match)"

    customer_id, site_id = await setup_customer(api, office, siren="443061841", vat_number="")
    cases = [
        (
            {
                "lines": [
                    {
                        "product_code": "X",
                        "label": "x",
                        "unit_price": {"amount_cents": -500},
                        "vat_rate": "20",
                    }
                ]
            },
            "lines.0.unit_price",
            "must not be negative",
        ),
        (
            {
                "lines": [
                    {
                        "product_code": "X",
                        "label": "x",
                        "unit_price": {"amount_cents": 500},
                        "vat_rate": "19.6",
                    }
                ]
            },
            "lines.0.vat_rate",
            "unknown VAT rate: use 20, 10, 5.5, 2.1 or 0",
        ),
        ({"end_date": "2026-01-31"}, "end_date", "must not be before the start date"),
    ]
    for changes, field, message in cases:
        response = await api.client.post(
            "/api/v1/contracts", json=contract_body(customer_id, site_id, **changes), headers=office
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == {field: message}
    listed = await api.client.get(
        "/api/v1/contracts", params={"customer_id": customer_id}, headers=office
    )
    assert listed.json()["items"] == []


async def test_invalid_transitions_are_409(api: RunningGateway, auth_service: AuthFixture) -> None:
    office = auth_header(await auth_service.token("bureau"))
    customer_id, site_id = await setup_customer(api, office)
    draft = (
        await api.client.post(
            "/api/v1/contracts", json=contract_body(customer_id, site_id, lines=[]), headers=office
        )
    ).json()
    no_lines = await api.client.post(f"/api/v1/contracts/{draft['id']}/activate", headers=office)
    assert no_lines.status_code == 409
    assert no_lines.json()["detail"] == "cannot activate without at least one line"
    suspend = await api.client.post(
        f"/api/v1/contracts/{draft['id']}/suspend",
        json={"effective_date": "2026-03-01", "reason": "impayés"},
        headers=office,
    )
    assert suspend.status_code == 409
    resume = await api.client.post(
        f"/api/v1/contracts/{draft['id']}/resume",
        json={"effective_date": "2026-03-01"},
        headers=office,
    )
    assert resume.status_code == 409
    busy = await api.client.delete(f"/api/v1/customers/{customer_id}", headers=office)
    assert busy.status_code == 409
    assert busy.json()["detail"] == "the customer has sites or contracts: archive it instead"


async def test_lists_paginate_and_filter(api: RunningGateway, auth_service: AuthFixture) -> None:
    office = auth_header(await auth_service.token("bureau"))
    for index in range(5):
        await api.client.post(
            "/api/v1/customers",
            json={
                "type": "private",
                "name": f"Client Pagination {index}",
                "billing_email": f"p{index}@example.fr",
            },
            headers=office,
        )
    names: list[str] = []
    token = ""
    while True:
        page = await api.client.get(
            "/api/v1/customers",
            params={"q": "pagination", "page_size": 2, "page_token": token},
            headers=office,
        )
        assert page.status_code == 200
        assert len(page.json()["items"]) <= 2
        names += [c["name"] for c in page.json()["items"]]
        token = page.json()["page"]["next_page_token"]
        if not token:
            break
    assert names == [f"Client Pagination {i}" for i in range(5)]
    business = await api.client.get(
        "/api/v1/customers", params={"q": "pagination", "type": "business"}, headers=office
    )
    assert business.json()["items"] == []
    customer_id, site_id = await setup_customer(api, office)
    draft = (
        await api.client.post(
            "/api/v1/contracts", json=contract_body(customer_id, site_id), headers=office
        )
    ).json()
    active = (
        await api.client.post(
            "/api/v1/contracts", json=contract_body(customer_id, site_id), headers=office
        )
    ).json()
    await api.client.post(f"/api/v1/contracts/{active['id']}/activate", headers=office)
    only_active = await api.client.get(
        "/api/v1/contracts", params={"customer_id": customer_id, "status": "active"}, headers=office
    )
    assert [c["id"] for c in only_active.json()["items"]] == [active["id"]]
    first = await api.client.get(
        "/api/v1/contracts", params={"customer_id": customer_id, "page_size": 1}, headers=office
    )
    second = await api.client.get(
        "/api/v1/contracts",
        params={
            "customer_id": customer_id,
            "page_size": 1,
            "page_token": first.json()["page"]["next_page_token"],
        },
        headers=office,
    )
    pages = [[c["id"] for c in page.json()["items"]] for page in (first, second)]
    assert sorted(pages) == sorted([[active["id"]], [draft["id"]]])
    assert second.json()["page"]["next_page_token"] == ""
    bad_token = await api.client.get(
        "/api/v1/contracts", params={"page_token": "nope"}, headers=office
    )
    assert bad_token.status_code == 422
    assert bad_token.json()["errors"] == {"page_token": "invalid page token"}


async def test_client_sees_only_its_own_and_technicien_cannot_create(
    api: RunningGateway, auth_service: AuthFixture
) -> None:
    office = auth_header(await auth_service.token("bureau"))
    mine_customer, mine_site = await setup_customer(api, office)
    other_customer, other_site = await setup_customer(api, office, siren="443061841", vat_number="")
    contracts = {}
    for customer_id, site_id in ((mine_customer, mine_site), (other_customer, other_site)):
        draft = (
            await api.client.post(
                "/api/v1/contracts", json=contract_body(customer_id, site_id), headers=office
            )
        ).json()
        contracts[customer_id] = (
            await api.client.post(f"/api/v1/contracts/{draft['id']}/activate", headers=office)
        ).json()
    client = auth_header(await auth_service.token("client", customer_id=mine_customer))
    own = await api.client.get(
        f"/api/v1/contracts/{contracts[mine_customer]['id']}", headers=client
    )
    assert own.status_code == 200
    other = await api.client.get(
        f"/api/v1/contracts/{contracts[other_customer]['id']}", headers=client
    )
    assert other.status_code == 404
    assert other.json()["detail"] == "contract not found"
    listed = await api.client.get("/api/v1/contracts", headers=client)
    assert [c["id"] for c in listed.json()["items"]] == [contracts[mine_customer]["id"]]
    cannot_create = await api.client.post(
        "/api/v1/contracts", json=contract_body(mine_customer, mine_site), headers=client
    )
    assert cannot_create.status_code == 403

    technicien = auth_header(await auth_service.token("technicien"))
    refused = await api.client.post(
        "/api/v1/contracts", json=contract_body(mine_customer, mine_site), headers=technicien
    )
    assert refused.status_code == 403
    assert (await api.client.get("/api/v1/customers", headers=technicien)).status_code == 403
