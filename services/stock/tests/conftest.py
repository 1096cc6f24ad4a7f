"""A real stock server on a real channel, its data in the test's rolled-back transaction (or
committed, for the tests of concurrent movements), and builders for valid requests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from aquaerp.common.v1 import common_pb2
from aquaerp.stock.v1 import stock_pb2 as pb
from aquaerp.stock.v1 import stock_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, bearer, truncate_schema
from aquaerp_stock.app import SPEC
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# A summer afternoon in Paris unless a test moves the clock.
NOW = paris(2026, 7, 15, 15, 0)
Metadata = tuple[tuple[str, str], ...]


def eur(cents: int) -> common_pb2.Money:
    return common_pb2.Money(amount_cents=cents, currency="EUR")


def date_of(year: int, month: int, day: int) -> common_pb2.Date:
    return common_pb2.Date(year=year, month=month, day=day)


def product_input(**changes: Any) -> pb.ProductInput:
    values: dict[str, Any] = {
        "code": "CHL-GAL-250",
        "label": "Chlore lent galets 250 g - seau 5 kg",
        "family": pb.FAMILY_CHEMICAL,
        "unit_of_sale": "kg",
        "unit_of_stock": "seau 5 kg",
        "sale_units_per_stock_unit": "5",
        "vat_rate": "20",
        "supplier": "Bayrol France",
        "purchase_price": eur(3500),
        "billable": True,
        "dosing_role": pb.DOSING_ROLE_SANITISER,
        "strength_percent": "90",
        "standard_price": eur(1290),
    }
    values.update(changes)
    return pb.ProductInput(**values)


def biocide(**changes: Any) -> pb.Biocide:
    values: dict[str, Any] = {
        "product_type": "TP2",
        "authorisation_number": "FR-2019-0042",
        "safety_data_sheet_url": "https://fds.example/chlore-lent.pdf",
        "pictograms": ["GHS03", "GHS07", "GHS09"],
    }
    values.update(changes)
    return pb.Biocide(**values)


@dataclass
class Stock:
    """The running service, a stub, its clock, tokens per role and the test's connection."""

    stub: stock_pb2_grpc.StockServiceStub
    clock: FixedClock
    auth: AuthFixture
    connection: AsyncConnection | None
    target: str
    _tokens: dict[str, str] = field(default_factory=dict)

    async def as_role(self, role: str) -> Metadata:
        if role not in self._tokens:
            self._tokens[role] = await self.auth.token(role)
        return bearer(self._tokens[role])

    async def office(self) -> Metadata:
        return await self.as_role("bureau")

    async def product(self, **changes: Any) -> pb.Product:
        changes.setdefault("code", f"P-{uuid.uuid4().hex[:8].upper()}")
        return await self.stub.CreateProduct(
            pb.CreateProductRequest(product=product_input(**changes)), metadata=await self.office()
        )

    async def warehouse(self, code: str = "") -> pb.Location:
        return await self.stub.CreateLocation(
            pb.CreateLocationRequest(
                location=pb.LocationInput(
                    code=code or f"DEPOT-{uuid.uuid4().hex[:6].upper()}",
                    name="Dépôt de Montpellier",
                    kind=pb.LOCATION_KIND_WAREHOUSE,
                )
            ),
            metadata=await self.office(),
        )

    async def van(self, technician_id: str = "", user_id: str = "") -> pb.Location:
        technician_id = technician_id or str(uuid.uuid4())
        return await self.stub.CreateLocation(
            pb.CreateLocationRequest(
                location=pb.LocationInput(
                    code=f"VAN-{technician_id[:8].upper()}",
                    name=f"Camion {technician_id[:8]}",
                    kind=pb.LOCATION_KIND_VAN,
                    technician_id=technician_id,
                    technician_user_id=user_id,
                )
            ),
            metadata=await self.office(),
        )

    async def move(self, metadata: Metadata | None = None, **values: Any) -> pb.Movement:
        return await self.stub.RecordMovement(
            pb.RecordMovementRequest(movement=pb.MovementInput(**values)),
            metadata=metadata or await self.office(),
        )

    async def receive(
        self, product: pb.Product, location: pb.Location, quantity: str, cost_cents: int = 3500
    ) -> pb.Movement:
        return await self.move(
            kind=pb.MOVEMENT_KIND_RECEIPT,
            product_id=product.id,
            quantity=quantity,
            unit=product.product.unit_of_stock,
            to_location_id=location.id,
            unit_cost=eur(cost_cents),
            lot_number="L2026-07",
        )

    async def on_hand(self, product: pb.Product, location: pb.Location) -> str:
        levels = (
            await self.stub.ListStock(
                pb.ListStockRequest(location_id=location.id, product_id=product.id),
                metadata=await self.office(),
            )
        ).levels
        return levels[0].quantity if levels else "0"

    async def scalar(self, sql: str, **params: Any) -> Any:
        assert self.connection is not None
        return (await self.connection.execute(text(sql), params)).scalar()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


_TOKENS: dict[str, str] = {}


@pytest_asyncio.fixture
async def stock(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    db_connection: AsyncConnection,
    clock: FixedClock,
) -> AsyncIterator[Stock]:
    running = await services.start(
        SPEC, database=rollback_database, clock=clock, targets={"auth": auth_service.target}
    )
    channel = create_channel(running.target, default_timeout=10)
    yield Stock(
        stock_pb2_grpc.StockServiceStub(channel),
        clock,
        auth_service,
        db_connection,
        running.target,
        _TOKENS,
    )
    await channel.close()


async def start_committed(
    services: ServiceHarness, auth_service: AuthFixture, clock: FixedClock, **settings: Any
) -> tuple[Stock, Any]:
    running = await services.start(
        SPEC, clock=clock, targets={"auth": auth_service.target}, database_pool_size=8, **settings
    )
    channel = create_channel(running.target, default_timeout=20)
    stub = stock_pb2_grpc.StockServiceStub(channel)
    return Stock(stub, clock, auth_service, None, running.target, _TOKENS), channel


@pytest_asyncio.fixture
async def committed_stock(
    services: ServiceHarness, auth_service: AuthFixture, engine: AsyncEngine, clock: FixedClock
) -> AsyncIterator[Stock]:
    """The service on the real, pooled database: concurrent calls run in concurrent
    transactions. The schema is emptied afterwards."""
    fixture, channel = await start_committed(services, auth_service, clock)
    yield fixture
    await channel.close()
    await truncate_schema(engine, "stock")
