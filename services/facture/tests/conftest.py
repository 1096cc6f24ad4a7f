"""Facture test fixtures: the real contrat and facture services on real channels, a rendering
pool shared by the session, and builders for customers, contracts and drafts.

Two ways to hold the data:
- `facture`: both services on the test's rolled-back transaction (isolated, nothing to clean);
- `committed_facture`: facture on real, concurrent connections (for numbering under load, two
  runs at once, crash and resume), on a facture schema recreated empty for the test; contrat
  stays on the rolled-back transaction (facture only reaches it through its API).

Every service of a test runs on one `FixedClock`, set to a summer afternoon in Paris (`NOW`);
the tests that need days to pass move it forward.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import grpc
import pytest_asyncio
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.service import RunningService, load_service
from aquaerp_runtime.testing.plugin import (
    AuthFixture,
    ServiceHarness,
    bearer,
    service_account_settings,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from aquaerp_facture.app import SPEC
from aquaerp_facture.documents.fonts import DEFAULT_FONT_DIR
from aquaerp_facture.rendering import acquire_render_pool, release_render_pool

RENDER_PROCESSES = 2
# When the tests happen: a summer afternoon (UTC+2), far from midnight and from a DST change.
NOW = paris(2026, 7, 15, 15, 0)
# Valid identifiers (Luhn keys, VAT key) of fictitious customers.
SIRENS = ["552100554", "732829320", "443061841", "542065479", "652014051", "775670417"]


def fixed_clock(instant: datetime = NOW) -> FixedClock:
    return FixedClock(instant)


def d(value: date | str) -> common_pb2.Date:
    parsed = date.fromisoformat(value) if isinstance(value, str) else value
    return common_pb2.Date(year=parsed.year, month=parsed.month, day=parsed.day)


def as_date(message: common_pb2.Date) -> date:
    return date(message.year, message.month, message.day)


def eur(cents: int) -> common_pb2.Money:
    return common_pb2.Money(amount_cents=cents, currency="EUR")


def vat_number(siren: str) -> str:
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def address(city: str = "Montpellier", postal_code: str = "34000") -> common_pb2.Address:
    return common_pb2.Address(
        lines=["12 rue des Oliviers"], postal_code=postal_code, city=city, country="FR"
    )


def line(
    description: str = "Entretien piscine",
    quantity: str = "1",
    unit_price_cents: int = 10000,
    vat_rate: str = "20",
    **changes: Any,
) -> pb.InvoiceLineInput:
    return pb.InvoiceLineInput(
        description=description,
        quantity=quantity,
        unit_code=changes.pop("unit_code", "C62"),
        unit_price=eur(unit_price_cents),
        vat_rate=vat_rate,
        **changes,
    )


_counter = itertools.count(1)


@pytest_asyncio.fixture(scope="session")
async def render_pool() -> AsyncIterator[object]:
    """Held for the whole session so that every facture server started reuses warm workers."""
    pool = acquire_render_pool(RENDER_PROCESSES, DEFAULT_FONT_DIR)
    await pool.start()
    yield pool
    await release_render_pool(pool)


@dataclass
class Facture:
    """The running services, stubs, and tokens per role."""

    running: RunningService
    stub: facture_pb2_grpc.FactureServiceStub
    contrat: contrat_pb2_grpc.ContratServiceStub
    auth: AuthFixture
    connection: AsyncConnection | None
    clock: FixedClock
    _tokens: dict[str, str] = field(default_factory=dict)

    async def token(self, role: str, customer_id: str = "") -> str:
        key = f"{role}:{customer_id}"
        if key not in self._tokens:
            self._tokens[key] = await self.auth.token(role, customer_id=customer_id)
        return self._tokens[key]

    async def as_role(self, role: str, customer_id: str = "") -> tuple[tuple[str, str], ...]:
        return bearer(await self.token(role, customer_id))

    async def customer(self, *, business: bool = True, **changes: Any) -> cpb.Customer:
        number = next(_counter)
        if business:
            siren = SIRENS[number % len(SIRENS)]
            values: dict[str, Any] = {
                "type": cpb.CUSTOMER_TYPE_BUSINESS,
                "name": f"Hôtel Les Flamants {number}",
                "legal_form": "SAS",
                "siren": siren,
                "vat_number": vat_number(siren),
                "billing_address": address(),
                "billing_contact_name": "Claire Fabre",
                "billing_email": f"compta{number}@flamants.example",
            }
        else:
            values = {
                "type": cpb.CUSTOMER_TYPE_PRIVATE,
                "name": f"Julien Martin {number}",
                "billing_address": address("Lattes", "34970"),
                "billing_contact_name": "Julien Martin",
                "billing_email": f"julien{number}@example.fr",
            }
        values.update(changes)
        return await self.contrat.CreateCustomer(
            cpb.CreateCustomerRequest(customer=cpb.CustomerInput(**values)),
            metadata=await self.as_role("bureau"),
        )

    async def contract(
        self,
        customer_id: str,
        *,
        start: date,
        lines: list[cpb.ContractLineInput] | None = None,
        activate: bool = True,
        **changes: Any,
    ) -> cpb.Contract:
        office = await self.as_role("bureau")
        site = await self.contrat.CreateSite(
            cpb.CreateSiteRequest(
                customer_id=customer_id,
                site=cpb.SiteInput(name="Villa Les Pins", address=address("Lattes", "34970")),
            ),
            metadata=office,
        )
        values: dict[str, Any] = {
            "customer_id": customer_id,
            "site_ids": [site.id],
            "lines": lines
            or [
                cpb.ContractLineInput(
                    product_code="ENT-PISC",
                    label="Entretien piscine",
                    quantity="1",
                    unit_price=eur(12000),
                    vat_rate="20",
                )
            ],
            "billing_frequency": cpb.BILLING_FREQUENCY_MONTHLY,
            "billing_timing": cpb.BILLING_TIMING_IN_ADVANCE,
            "payment_terms": cpb.PaymentTerms(days=30),
            "start_date": d(start),
        }
        values.update(changes)
        contract = await self.contrat.CreateContract(
            cpb.CreateContractRequest(contract=cpb.ContractInput(**values)), metadata=office
        )
        if activate:
            contract = await self.contrat.ActivateContract(
                cpb.ActivateContractRequest(id=contract.id), metadata=office
            )
        return contract

    async def draft(
        self, customer_id: str, lines: list[pb.InvoiceLineInput] | None = None, **changes: Any
    ) -> pb.Invoice:
        return await self.stub.CreateInvoice(
            pb.CreateInvoiceRequest(
                invoice=pb.InvoiceInput(customer_id=customer_id, lines=lines or [line()], **changes)
            ),
            metadata=await self.as_role("bureau"),
        )

    async def issue(self, invoice_id: str) -> pb.Invoice:
        return await self.stub.IssueInvoice(
            pb.IssueInvoiceRequest(id=invoice_id), metadata=await self.as_role("compta")
        )

    async def issued_invoice(self, customer_id: str, **changes: Any) -> pb.Invoice:
        return await self.issue((await self.draft(customer_id, **changes)).id)

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        assert self.connection is not None
        rows = await self.connection.execute(
            text("SELECT payload FROM facture.outbox WHERE event_type = :t ORDER BY sequence"),
            {"t": event_type},
        )
        return [row.payload for row in rows]


async def _start(
    services: ServiceHarness,
    auth_service: AuthFixture,
    contrat_database: Database,
    facture_database: Database | None,
    connection: AsyncConnection | None,
    **settings: Any,
) -> tuple[Facture, list[grpc.aio.Channel]]:
    clock = fixed_clock()
    contrat = await services.start(
        load_service("contrat"),
        database=contrat_database,
        clock=clock,
        targets={"auth": auth_service.target},
    )
    facture = await services.start(
        SPEC,
        database=facture_database,
        clock=clock,
        targets={"auth": auth_service.target, "contrat": contrat.target},
        render_processes=RENDER_PROCESSES,
        **service_account_settings("facture"),
        **settings,
    )
    channels = [
        create_channel(facture.target, default_timeout=60),
        create_channel(contrat.target, default_timeout=30),
    ]
    return (
        Facture(
            facture,
            facture_pb2_grpc.FactureServiceStub(channels[0]),
            contrat_pb2_grpc.ContratServiceStub(channels[1]),
            auth_service,
            connection,
            clock,
        ),
        channels,
    )


# For a test that starts the services with its own settings.
start_facture = _start


@pytest_asyncio.fixture
async def facture(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    db_connection: AsyncConnection,
    render_pool: object,
) -> AsyncIterator[Facture]:
    """contrat and facture on the test's rolled-back transaction."""
    running, channels = await _start(
        services, auth_service, rollback_database, rollback_database, db_connection
    )
    yield running
    for channel in channels:
        await channel.close()


async def recreate_facture_schema(engine: AsyncEngine, database_url: str) -> None:
    """An empty facture schema (dropping it is the one way to empty it: the guards refuse to
    delete issued documents)."""
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS facture CASCADE"))
    await upgrade_async(SPEC.migrations, database_url, SPEC.schema)  # type: ignore[arg-type]


StartFacture = Callable[..., Awaitable[Facture]]


@pytest_asyncio.fixture
async def committed_facture(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    engine: AsyncEngine,
    database_url: str,
    migrate: Callable[[Any], Awaitable[None]],
    render_pool: object,
) -> AsyncIterator[StartFacture]:
    """`await committed_facture(**settings)` starts facture on real connections over an empty
    facture schema (emptied again afterwards); contrat stays on the rolled-back transaction.
    Call it again to start a second facture server (another replica) on the same data."""
    await migrate(SPEC)
    await recreate_facture_schema(engine, database_url)
    contrat: RunningService | None = None
    channels: list[grpc.aio.Channel] = []
    # One clock for contrat and every replica: they all live at the same instant.
    clock = fixed_clock()

    async def start(**settings: Any) -> Facture:
        nonlocal contrat
        if contrat is None:
            contrat = await services.start(
                load_service("contrat"),
                database=rollback_database,
                clock=clock,
                targets={"auth": auth_service.target},
            )
        facture = await services.start(
            SPEC,
            clock=clock,
            targets={"auth": auth_service.target, "contrat": contrat.target},
            render_processes=RENDER_PROCESSES,
            **service_account_settings("facture"),
            **settings,
        )
        facture_channel = create_channel(facture.target, default_timeout=120)
        contrat_channel = create_channel(contrat.target, default_timeout=30)
        channels.extend([facture_channel, contrat_channel])
        return Facture(
            facture,
            facture_pb2_grpc.FactureServiceStub(facture_channel),
            contrat_pb2_grpc.ContratServiceStub(contrat_channel),
            auth_service,
            None,
            clock,
        )

    yield start
    await services.stop_all()
    for channel in channels:
        await channel.close()
    # The other tests expect an empty facture schema under their rolled-back transaction.
    await recreate_facture_schema(engine, database_url)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def months_before(day: date, months: int) -> date:
    year, month = day.year, day.month - months
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1)
