"""Fixtures of the data attacks: the real gateway in front of real contrat, facture and
intervention services (one rolled-back database transaction, one fixed clock), and REST helpers
to build a customer, a contract, an issued invoice and a payment as an attacker's victim."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, service_account_settings

from .auth_fixtures import GatewayStarter, bearer

# A summer afternoon in Paris, far from midnight and from a DST change.
NOW = paris(2026, 7, 15, 15, 0)
TODAY = date(2026, 7, 15)
SIRENS = ["552100554", "732829320", "443061841", "542065479", "652014051", "775670417"]
_numbers = itertools.count(1)


def vat_number(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


@dataclass
class DataStack:
    client: httpx.AsyncClient
    auth: AuthFixture
    mail_dir: Path
    _headers: dict[str, dict[str, str]] = field(default_factory=dict)

    async def headers(self, role: str) -> dict[str, str]:
        if role not in self._headers:
            self._headers[role] = bearer(await self.auth.token(role))
        return self._headers[role]

    async def call(self, role: str, verb: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = await self.headers(role) if role else {}
        return await self.client.request(verb, f"/api/v1{path}", headers=headers, **kwargs)

    async def customer(self, name: str = "", **changes: Any) -> dict[str, Any]:
        number = next(_numbers)
        siren = SIRENS[number % len(SIRENS)]
        body = {
            "type": "business",
            "name": name or f"Hôtel Les Flamants {number}",
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
            "billing_email": f"compta{number}@flamants.example",
            **changes,
        }
        response = await self.call("bureau", "POST", "/customers", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def contract(self, customer_id: str) -> dict[str, Any]:
        site = await self.call(
            "bureau",
            "POST",
            f"/customers/{customer_id}/sites",
            json={
                "name": "Villa Les Pins",
                "address": {
                    "lines": ["3 chemin des Pins"],
                    "postal_code": "34970",
                    "city": "Lattes",
                    "country": "FR",
                },
            },
        )
        assert site.status_code == 201, site.text
        response = await self.call(
            "bureau",
            "POST",
            "/contracts",
            json={
                "customer_id": customer_id,
                "site_ids": [site.json()["id"]],
                "lines": [
                    {
                        "product_code": "ENT-PISC",
                        "label": "Entretien piscine",
                        "quantity": "1",
                        "unit_price": {"amount_cents": 12000},
                        "vat_rate": "20",
                    }
                ],
                "billing_frequency": "monthly",
                "billing_timing": "in_advance",
                "payment_terms": {"days": 30},
                "start_date": TODAY.isoformat(),
            },
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def invoice_body(self, customer_id: str, **changes: Any) -> dict[str, Any]:
        return {
            "customer_id": customer_id,
            "lines": [
                {
                    "description": "Entretien piscine",
                    "quantity": "1",
                    "unit_code": "C62",
                    "unit_price": {"amount_cents": 10000},
                    "vat_rate": "20",
                }
            ],
            **changes,
        }

    async def issued_invoice(self, customer_id: str) -> dict[str, Any]:
        draft = await self.call("bureau", "POST", "/invoices", json=self.invoice_body(customer_id))
        assert draft.status_code == 201, draft.text
        issued = await self.call("compta", "POST", f"/invoices/{draft.json()['id']}/issue")
        assert issued.status_code == 200, issued.text
        invoice: dict[str, Any] = issued.json()
        return invoice

    async def pay(self, customer_id: str, cents: int, **changes: Any) -> httpx.Response:
        return await self.call(
            "compta",
            "POST",
            "/payments",
            json={
                "customer_id": customer_id,
                "amount": {"amount_cents": cents},
                "method": "transfer",
                **changes,
            },
        )


@pytest_asyncio.fixture
async def data_stack(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    start_gateway: GatewayStarter,
    tmp_path: Path,
) -> AsyncIterator[DataStack]:
    clock = FixedClock(NOW)
    contrat = await services.start(
        load_service("contrat"),
        database=rollback_database,
        clock=clock,
        targets={"auth": auth_service.target},
    )
    facture = await services.start(
        load_service("facture"),
        database=rollback_database,
        clock=clock,
        targets={"auth": auth_service.target, "contrat": contrat.target},
        render_processes=1,
        **service_account_settings("facture"),
    )
    intervention = await services.start(
        load_service("intervention"),
        database=rollback_database,
        clock=clock,
        targets={"auth": auth_service.target, "contrat": contrat.target},
        **service_account_settings("intervention"),
    )
    gateway = await start_gateway(
        targets={
            "contrat": contrat.target,
            "facture": facture.target,
            "intervention": intervention.target,
        },
        dev_routes=True,
        mail_sink_dir=tmp_path,
    )
    yield DataStack(gateway.client, auth_service, tmp_path)
