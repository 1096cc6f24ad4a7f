"""A real contrat server on a real channel, its data in the test's rolled-back transaction, and
builders for valid requests that each test changes where it matters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import grpc
import pytest
import pytest_asyncio
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as pb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp_contrat.app import SPEC
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, bearer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# A valid SIREN (Luhn) and its French VAT number: key (12 + 3 x (SIREN mod 97)) mod 97.
SIREN = "732829320"
VAT_NUMBER = "FR44732829320"
# Every test runs on a summer afternoon in Paris unless it moves the clock: contracts in the
# examples start in 2026, and fixed terms ending in December are still running.
NOW = paris(2026, 7, 15, 15, 0)


def d(value: str) -> common_pb2.Date:
    parsed = date.fromisoformat(value)
    return common_pb2.Date(year=parsed.year, month=parsed.month, day=parsed.day)


def as_date(message: common_pb2.Date) -> date:
    return date(message.year, message.month, message.day)


def eur(cents: int) -> common_pb2.Money:
    return common_pb2.Money(amount_cents=cents, currency="EUR")


def address(city: str = "Montpellier", postal_code: str = "34000") -> common_pb2.Address:
    return common_pb2.Address(
        lines=["12 rue des Oliviers"], postal_code=postal_code, city=city, country="FR"
    )


def business_input(**changes: Any) -> pb.CustomerInput:
    values: dict[str, Any] = {
        "type": pb.CUSTOMER_TYPE_BUSINESS,
        "name": "Hôtel Les Flamants Roses",
        "legal_form": "SAS",
        "siren": SIREN,
        "siret": "73282932000009",
        "vat_number": VAT_NUMBER,
        "billing_address": address(),
        "billing_contact_name": "Claire Fabre",
        "billing_email": "compta@flamants.example",
    }
    values.update(changes)
    return pb.CustomerInput(**values)


def private_input(**changes: Any) -> pb.CustomerInput:
    values: dict[str, Any] = {
        "type": pb.CUSTOMER_TYPE_PRIVATE,
        "name": "Julien Martin",
        "billing_address": address("Lattes", "34970"),
        "billing_contact_name": "Julien Martin",
        "billing_email": "julien.martin@example.fr",
    }
    values.update(changes)
    return pb.CustomerInput(**values)


def site_input(**changes: Any) -> pb.SiteInput:
    values: dict[str, Any] = {
        "name": "Villa Les Pins",
        "address": address("Lattes", "34970"),
        "geo": common_pb2.GeoPoint(latitude=43.5675, longitude=3.9009),
        "access_notes": "Chien dans le jardin",
        "gate_code": "4821B",
    }
    values.update(changes)
    return pb.SiteInput(**values)


def line(price_cents: int = 10000, **changes: Any) -> pb.ContractLineInput:
    values: dict[str, Any] = {
        "product_code": "ENT-PISC",
        "label": "Entretien piscine",
        "quantity": "1",
        "unit_price": eur(price_cents),
        "vat_rate": "20",
    }
    values.update(changes)
    return pb.ContractLineInput(**values)


def contract_input(customer_id: str, site_ids: list[str], **changes: Any) -> pb.ContractInput:
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "site_ids": site_ids,
        "lines": [line()],
        "billing_frequency": pb.BILLING_FREQUENCY_MONTHLY,
        "billing_timing": pb.BILLING_TIMING_IN_ADVANCE,
        "payment_terms": pb.PaymentTerms(days=30),
        "start_date": d("2026-01-01"),
        "sla_hours": 24,
    }
    values.update(changes)
    return pb.ContractInput(**values)


@dataclass
class Contrat:
    """The running service, a stub, its clock, and tokens per role."""

    stub: contrat_pb2_grpc.ContratServiceStub
    clock: FixedClock
    auth: AuthFixture
    connection: AsyncConnection
    _tokens: dict[str, str]

    async def token(self, role: str, customer_id: str = "") -> str:
        key = f"{role}:{customer_id}"
        if key not in self._tokens:
            self._tokens[key] = await self.auth.token(role, customer_id=customer_id)
        return self._tokens[key]

    async def as_role(self, role: str, customer_id: str = "") -> tuple[tuple[str, str], ...]:
        return bearer(await self.token(role, customer_id))

    async def office(self) -> tuple[tuple[str, str], ...]:
        return await self.as_role("bureau")

    async def customer(self, message: pb.CustomerInput | None = None) -> pb.Customer:
        return await self.stub.CreateCustomer(
            pb.CreateCustomerRequest(customer=message or business_input()),
            metadata=await self.office(),
        )

    async def site(self, customer_id: str, message: pb.SiteInput | None = None) -> pb.Site:
        return await self.stub.CreateSite(
            pb.CreateSiteRequest(customer_id=customer_id, site=message or site_input()),
            metadata=await self.office(),
        )

    async def draft(
        self, customer_input: pb.CustomerInput | None = None, **changes: Any
    ) -> pb.Contract:
        """A customer with one site and a draft contract for it."""
        customer = await self.customer(customer_input)
        site = await self.site(customer.id)
        return await self.stub.CreateContract(
            pb.CreateContractRequest(contract=contract_input(customer.id, [site.id], **changes)),
            metadata=await self.office(),
        )

    async def active(
        self, customer_input: pb.CustomerInput | None = None, **changes: Any
    ) -> pb.Contract:
        draft = await self.draft(customer_input, **changes)
        return await self.stub.ActivateContract(
            pb.ActivateContractRequest(id=draft.id), metadata=await self.office()
        )

    async def events(self, aggregate_id: str) -> list[dict[str, Any]]:
        rows = await self.connection.execute(
            text(
                "SELECT event_type, payload FROM contrat.outbox"
                " WHERE aggregate_id = :id ORDER BY sequence"
            ),
            {"id": aggregate_id},
        )
        return [{"type": row.event_type, **row.payload} for row in rows]

    async def scalar(self, sql: str, **params: Any) -> Any:
        return (await self.connection.execute(text(sql), params)).scalar()


_TOKENS: dict[str, str] = {}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest_asyncio.fixture
async def contrat(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    db_connection: AsyncConnection,
    clock: FixedClock,
) -> AsyncIterator[Contrat]:
    running = await services.start(
        SPEC, database=rollback_database, clock=clock, targets={"auth": auth_service.target}
    )
    channel = create_channel(running.target, default_timeout=10)
    yield Contrat(
        contrat_pb2_grpc.ContratServiceStub(channel), clock, auth_service, db_connection, _TOKENS
    )
    await channel.close()


def code_of(error: grpc.aio.AioRpcError) -> grpc.StatusCode:
    return error.code()
