"""/api/v1/stock through the real gateway and a real stock service: the catalogue with its REST
defaults, movements, stock on hand, and bad input answered 422 naming the field with nothing
changed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from aquaerp_runtime.db import Database
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness
from aquaerp_stock.app import SPEC

from .conftest import GatewayFactory, RunningGateway, auth_header


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
    yield await start_gateway(targets={"stock": running.target})


def product_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "code": "PHM-LIQ-20",
        "label": "pH-moins liquide 15 % - bidon 20 L",
        "family": "chemical",
        "unit_of_sale": "L",
        "unit_of_stock": "bidon 20 L",
        "sale_units_per_stock_unit": "20",
        "dosing_role": "ph_down",
        "strength_percent": "15",
        "purchase_price_cents": 2400,
        "standard_price_cents": 310,
    }
    body.update(changes)
    return body


async def test_catalogue_movements_and_bad_input_through_rest(
    api: RunningGateway, auth_service: AuthFixture
) -> None:
    office = auth_header(await auth_service.token("bureau"))
    client = api.client
    created = await client.post("/api/v1/stock/products", json=product_body(), headers=office)
    assert created.status_code == 201, created.text
    product = created.json()
    assert product["product"]["vat_rate"] == "20" and product["product"]["billable"] is True
    assert product["current_price_cents"] == 310 and product["warnings"] == []
    reduced = await client.post(
        "/api/v1/stock/products",
        json=product_body(code="PHM-LIQ-5", vat_rate="10"),
        headers=office,
    )
    assert reduced.status_code == 201 and "20 %" in reduced.json()["warnings"][0]

    async def location(code: str, kind: str, **extra: str) -> str:
        answer = await client.post(
            "/api/v1/stock/locations",
            json={"code": code, "name": code.title(), "kind": kind, **extra},
            headers=office,
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    depot = await location("DEPOT-MTP", "warehouse")
    technician, token = await auth_service.user_token("technicien")
    own_van = await location(
        "VAN-LEA", "van", technician_id=str(uuid.uuid4()), technician_user_id=technician.id
    )
    other_van = await location("VAN-MAX", "van", technician_id=str(uuid.uuid4()))
    receipt = await client.post(
        "/api/v1/stock/movements",
        json={
            "kind": "receipt",
            "product_id": product["id"],
            "quantity": "3",
            "unit": "bidon 20 L",
            "to_location_id": depot,
            "lot_number": "L2607-PHM",
        },
        headers=office,
    )
    assert receipt.status_code == 201, receipt.text
    transfer = {
        "kind": "transfer",
        "product_id": product["id"],
        "quantity": "20",
        "unit": "L",
        "from_location_id": depot,
        "to_location_id": other_van,
    }
    moved = await client.post("/api/v1/stock/movements", json=transfer, headers=office)
    assert moved.status_code == 201, moved.text
    assert moved.json()["movement"]["quantity"] == "1"

    async def on_hand() -> dict[str, str]:
        answer = await client.get("/api/v1/stock/on-hand", headers=office)
        assert answer.status_code == 200, answer.text
        return {level["location_code"]: level["quantity"] for level in answer.json()["items"]}

    before = await on_hand()
    assert before == {"DEPOT-MTP": "2", "VAN-MAX": "1"}
    bad = {
        "quantity": {**transfer, "quantity": "-2"},
        "unit": {**transfer, "unit": "tonne"},
        "to_location_id": {**transfer, "to_location_id": str(uuid.uuid4())},
    }
    for name, body in bad.items():
        answer = await client.post("/api/v1/stock/movements", json=body, headers=office)
        assert answer.status_code == 422, (name, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert name in answer.json()["errors"], (name, answer.json())
    # A technician cannot take stock from another technician's van.
    foreign = await client.post(
        "/api/v1/stock/movements",
        json={
            **transfer,
            "kind": "consumption",
            "from_location_id": other_van,
            "to_location_id": "",
        },
        headers=auth_header(token),
    )
    assert foreign.status_code == 422, foreign.text
    assert "from_location_id" in foreign.json()["errors"]
    assert await on_hand() == before
    listed = await client.get("/api/v1/stock/movements", headers=office)
    assert len(listed.json()["items"]) == 2
    mine = await client.get("/api/v1/stock/locations", headers=auth_header(token))
    assert {item["id"] for item in mine.json()["items"]} == {depot, own_van}


async def test_reports_and_purchase_proposal_through_rest(
    api: RunningGateway, auth_service: AuthFixture
) -> None:
    office = auth_header(await auth_service.token("bureau"))
    compta = auth_header(await auth_service.token("compta"))
    client = api.client
    created = await client.post(
        "/api/v1/stock/products",
        json=product_body(warehouse_minimum="5", supplier="Bayrol France"),
        headers=office,
    )
    assert created.status_code == 201, created.text
    assert created.json()["product"]["warehouse_minimum"] == "5"
    depot = await client.post(
        "/api/v1/stock/locations",
        json={"code": "DEPOT-NIM", "name": "Dépôt de Nîmes", "kind": "warehouse"},
        headers=office,
    )
    receipt = await client.post(
        "/api/v1/stock/movements",
        json={
            "kind": "receipt",
            "product_id": created.json()["id"],
            "quantity": "2",
            "unit": "bidon 20 L",
            "to_location_id": depot.json()["id"],
        },
        headers=office,
    )
    assert receipt.status_code == 201, receipt.text
    proposal = await client.get("/api/v1/stock/purchase-proposal", headers=office)
    assert proposal.status_code == 200, proposal.text
    (order,) = proposal.json()["items"]
    assert order["supplier"] == "Bayrol France"
    assert [(line["to_buy"], line["amount_cents"]) for line in order["lines"]] == [("3", 7200)]
    assert order["total_cents"] == 7200
    # Accounting reads the reports but does not buy.
    assert (await client.get("/api/v1/stock/purchase-proposal", headers=compta)).status_code == 403
    period = {"from_date": "2026-06-01", "to_date": "2026-06-30", "group_by": "month"}
    consumption = await client.get(
        "/api/v1/stock/reports/consumption", params=period, headers=compta
    )
    assert consumption.status_code == 200, consumption.text
    assert consumption.json()["items"] == [] and consumption.json()["total_cost_cents"] == 0
    margins = await client.get(
        "/api/v1/stock/reports/margins",
        params={"from_date": "2026-06-01", "to_date": "2026-06-30"},
        headers=compta,
    )
    assert margins.status_code == 200, margins.text
    # A period ending before it starts, or a malformed date, is a 422 naming the field.
    for params, field in (
        ({**period, "to_date": "2026-05-01"}, "to_date"),
        ({**period, "from_date": "juin"}, "from_date"),
        ({**period, "group_by": "weekday"}, "group_by"),
    ):
        answer = await client.get(
            "/api/v1/stock/reports/consumption", params=params, headers=compta
        )
        assert answer.status_code == 422, (params, answer.text)
        assert field in answer.json()["errors"], (params, answer.json())
