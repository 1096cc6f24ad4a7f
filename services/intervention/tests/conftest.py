"""Real intervention and contrat servers on real channels, their data in the test's rolled-back
transaction, and builders for technicians, contracts with maintenance plans, and visits."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest_asyncio
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp_intervention.app import SPEC
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import RunningService, load_service
from aquaerp_runtime.testing.plugin import (
    AuthFixture,
    ServiceHarness,
    bearer,
    service_account_settings,
)
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

Metadata = tuple[tuple[str, str], ...]

# The services' clock in every test: a summer Wednesday afternoon in Paris, whatever the hour
# of the machine running the suite. Tests move it with `field.clock.advance(...)`.
FIELD_NOW = paris(2026, 7, 15, 15, 0)

LATTES = (43.5675, 3.9009)
MONTPELLIER = (43.6108, 3.8767)


def d(value: date | str) -> common_pb2.Date:
    parsed = date.fromisoformat(value) if isinstance(value, str) else value
    return common_pb2.Date(year=parsed.year, month=parsed.month, day=parsed.day)


def as_date(message: common_pb2.Date) -> date:
    return date(message.year, message.month, message.day)


def ts(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def tod(text_value: str) -> pb.TimeOfDay:
    hours, minutes = text_value.split(":")
    return pb.TimeOfDay(hours=int(hours), minutes=int(minutes))


def png(width: int = 40, height: int = 12) -> bytes:
    """A real, small PNG (white image) as a phone would send."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def weekdays(
    start: str = "08:00", end: str = "17:00", days: range = range(1, 6)
) -> list[pb.WorkingPeriod]:
    return [pb.WorkingPeriod(weekday=w, start=tod(start), end=tod(end)) for w in days]


def plan(site_id: str, **changes: Any) -> cpb.MaintenancePlan:
    values: dict[str, Any] = {
        "site_id": site_id,
        "label": "Entretien piscine",
        "description": "Nettoyage, analyse de l'eau, réglage du traitement",
        "rrule": "FREQ=MONTHLY;BYMONTHDAY=5",
        "time_window": cpb.TimeWindow(start="08:00", end="12:00"),
        "duration_minutes": 60,
        "required_skill": "piscine",
    }
    values.update(changes)
    return cpb.MaintenancePlan(**values)


@dataclass
class Field:
    """The running services, stubs and helpers."""

    stub: intervention_pb2_grpc.InterventionServiceStub
    contrat: contrat_pb2_grpc.ContratServiceStub
    auth: AuthFixture
    connection: AsyncConnection | None
    running: RunningService
    contrat_running: RunningService
    clock: FixedClock
    _tokens: dict[str, str] = field(default_factory=dict)

    async def token(self, role: str, customer_id: str = "") -> str:
        key = f"{role}:{customer_id}"
        if key not in self._tokens:
            self._tokens[key] = await self.auth.token(role, customer_id=customer_id)
        return self._tokens[key]

    async def as_role(self, role: str, customer_id: str = "") -> Metadata:
        return bearer(await self.token(role, customer_id))

    async def office(self) -> Metadata:
        return await self.as_role("bureau")

    async def technician(
        self,
        *,
        name: str = "Léa Roussel",
        skills: tuple[str, ...] = ("piscine",),
        home: tuple[float, float] = MONTPELLIER,
        hours: list[pb.WorkingPeriod] | None = None,
    ) -> tuple[pb.Technician, Metadata]:
        """A technician with their own login; returns it and the technician's credentials."""
        user, token = await self.auth.user_token("technicien")
        tech = await self.stub.CreateTechnician(
            pb.CreateTechnicianRequest(
                user_id=user.id,
                display_name=name,
                skills=list(skills),
                working_hours=hours if hours is not None else weekdays(),
                home_base=common_pb2.GeoPoint(latitude=home[0], longitude=home[1]),
            ),
            metadata=await self.office(),
        )
        return tech, bearer(token)

    async def contract(
        self,
        *,
        plans: list[dict[str, Any]] | None = None,
        start: str = "2026-01-01",
        sla_hours: int = 24,
        geo: tuple[float, float] | None = LATTES,
        customer_name: str = "Julien Martin",
    ) -> tuple[cpb.Contract, cpb.Site]:
        """An active contract of a private customer with one site and the given plans."""
        office = await self.office()
        customer = await self.contrat.CreateCustomer(
            cpb.CreateCustomerRequest(
                customer=cpb.CustomerInput(
                    type=cpb.CUSTOMER_TYPE_PRIVATE,
                    name=customer_name,
                    billing_address=common_pb2.Address(
                        lines=["3 impasse des Mûriers"],
                        postal_code="34970",
                        city="Lattes",
                        country="FR",
                    ),
                    billing_contact_name=customer_name,
                    billing_email="client@example.fr",
                )
            ),
            metadata=office,
        )
        site = await self.contrat.CreateSite(
            cpb.CreateSiteRequest(
                customer_id=customer.id,
                site=cpb.SiteInput(
                    name="Villa Les Pins",
                    address=common_pb2.Address(
                        lines=["3 impasse des Mûriers"],
                        postal_code="34970",
                        city="Lattes",
                        country="FR",
                    ),
                    geo=common_pb2.GeoPoint(latitude=geo[0], longitude=geo[1]) if geo else None,
                    access_notes="Chien dans le jardin, sonner deux fois",
                    gate_code="4821B",
                ),
            ),
            metadata=office,
        )
        contract = await self.contrat.CreateContract(
            cpb.CreateContractRequest(
                contract=cpb.ContractInput(
                    customer_id=customer.id,
                    site_ids=[site.id],
                    lines=[
                        cpb.ContractLineInput(
                            product_code="ENT-PISC",
                            label="Entretien piscine",
                            quantity="1",
                            unit_price=common_pb2.Money(amount_cents=9000, currency="EUR"),
                            vat_rate="20",
                        )
                    ],
                    billing_frequency=cpb.BILLING_FREQUENCY_MONTHLY,
                    billing_timing=cpb.BILLING_TIMING_IN_ADVANCE,
                    payment_terms=cpb.PaymentTerms(days=30),
                    start_date=d(start),
                    sla_hours=sla_hours,
                    plans=[plan(site.id, **p) for p in (plans if plans is not None else [{}])],
                )
            ),
            metadata=office,
        )
        contract = await self.contrat.ActivateContract(
            cpb.ActivateContractRequest(id=contract.id), metadata=office
        )
        return contract, site

    async def visits(
        self,
        contract_id: str,
        *,
        first: date | None = None,
        last: date | None = None,
        **filters: Any,
    ) -> list[pb.Intervention]:
        request = pb.ListInterventionsRequest(
            contract_id=contract_id, page=common_pb2.PageRequest(page_size=500), **filters
        )
        if first:
            request.from_date.CopyFrom(d(first))
        if last:
            request.to_date.CopyFrom(d(last))
        response = await self.stub.ListInterventions(request, metadata=await self.office())
        return list(response.interventions)

    async def generated_visit(self, day: date, **plan_changes: Any) -> pb.Intervention:
        """One preventive visit on `day` (a contract whose plan visits on that day of the month)."""
        contract, _ = await self.contract(
            plans=[{"rrule": f"FREQ=MONTHLY;BYMONTHDAY={day.day}", **plan_changes}],
            start=(day - timedelta(days=40)).isoformat(),
        )
        await self.stub.GeneratePlan(
            pb.GeneratePlanRequest(contract_id=contract.id, from_date=d(day), horizon_months=1),
            metadata=await self.office(),
        )
        (visit,) = [v for v in await self.visits(contract.id) if as_date(v.planned_date) == day]
        return visit

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        assert self.connection is not None
        rows = await self.connection.execute(
            text("SELECT payload FROM intervention.outbox WHERE event_type = :t ORDER BY sequence"),
            {"t": event_type},
        )
        return [dict(row.payload) for row in rows]


async def start_field(
    services: ServiceHarness,
    auth_service: AuthFixture,
    database: Database | None,
    connection: AsyncConnection | None,
) -> AsyncIterator[Field]:
    clock = FixedClock(FIELD_NOW)
    contrat_running = await services.start(
        load_service("contrat"),
        database=database,
        clock=clock,
        targets={"auth": auth_service.target},
        **service_account_settings("contrat"),
    )
    running = await services.start(
        SPEC,
        database=database,
        clock=clock,
        targets={"auth": auth_service.target, "contrat": contrat_running.target},
        **service_account_settings("intervention"),
    )
    channel = create_channel(running.target, default_timeout=30)
    contrat_channel = create_channel(contrat_running.target, default_timeout=10)
    yield Field(
        intervention_pb2_grpc.InterventionServiceStub(channel),
        contrat_pb2_grpc.ContratServiceStub(contrat_channel),
        auth_service,
        connection,
        running,
        contrat_running,
        clock,
    )
    await channel.close()
    await contrat_channel.close()


@pytest_asyncio.fixture
async def field_services(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    db_connection: AsyncConnection,
) -> AsyncIterator[Field]:
    """intervention + contrat sharing the test's rolled-back transaction."""
    async for fixture in start_field(services, auth_service, rollback_database, db_connection):
        yield fixture
