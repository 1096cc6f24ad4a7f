"""Parts picked from the catalogue on a visit: the stock service describes and prices them (the
contract's price, else the standard one), whatever the phone sends; the completion event lists
them for the van's debit; a TP2 biocide needs the technician's valid Certibiocide."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import grpc
import pytest_asyncio
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp.stock.v1 import stock_pb2 as spb
from aquaerp.stock.v1 import stock_pb2_grpc
from aquaerp_intervention.app import SPEC
from aquaerp_intervention.local_time import local_datetime, local_day
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import FixedClock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import (
    AuthFixture,
    ServiceHarness,
    rpc_error,
    service_account_settings,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import FIELD_NOW, Field, Metadata, d, png, ts, weekdays


def eur(cents: int) -> common_pb2.Money:
    return common_pb2.Money(amount_cents=cents, currency="EUR")


class Shop:
    def __init__(self, stub: stock_pb2_grpc.StockServiceStub, office: Metadata) -> None:
        self.stub = stub
        self.office = office

    async def product(self, code: str, cents: int, **changes: Any) -> spb.Product:
        values: dict[str, Any] = {
            "code": code,
            "label": "Chlore choc granulés 65 % - seau 5 kg",
            "family": spb.FAMILY_CHEMICAL,
            "unit_of_sale": "kg",
            "unit_of_stock": "seau 5 kg",
            "sale_units_per_stock_unit": "5",
            "dosing_role": spb.DOSING_ROLE_SHOCK,
            "strength_percent": "65",
            "standard_price": eur(cents),
            "billable": True,
        }
        values.update(changes)
        return await self.stub.CreateProduct(
            spb.CreateProductRequest(product=spb.ProductInput(**values)), metadata=self.office
        )


@pytest_asyncio.fixture
async def field_and_stock(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    db_connection: AsyncConnection,
) -> AsyncIterator[tuple[Field, Shop]]:
    clock = FixedClock(FIELD_NOW)
    common = {"database": rollback_database, "clock": clock}
    stock_running = await services.start(
        load_service("stock"), targets={"auth": auth_service.target}, **common
    )
    contrat_running = await services.start(
        load_service("contrat"),
        targets={"auth": auth_service.target},
        **service_account_settings("contrat"),
        **common,
    )
    running = await services.start(
        SPEC,
        targets={
            "auth": auth_service.target,
            "contrat": contrat_running.target,
            "stock": stock_running.target,
        },
        **service_account_settings("intervention"),
        **common,
    )
    channels = [
        create_channel(target, default_timeout=30)
        for target in (running.target, contrat_running.target, stock_running.target)
    ]
    field = Field(
        intervention_pb2_grpc.InterventionServiceStub(channels[0]),
        contrat_pb2_grpc.ContratServiceStub(channels[1]),
        auth_service,
        db_connection,
        running,
        contrat_running,
        clock,
    )
    yield field, Shop(stock_pb2_grpc.StockServiceStub(channels[2]), await field.office())
    for channel in channels:
        await channel.close()


async def started(f: Field) -> tuple[pb.Intervention, pb.Technician, Metadata]:
    day = f.clock.today() - timedelta(days=3)
    tech, credentials = await f.technician(hours=weekdays("07:00", "19:00", range(1, 8)))
    visit = await f.generated_visit(day)
    await f.stub.AssignIntervention(
        pb.AssignInterventionRequest(
            id=visit.id, technician_id=tech.id, scheduled_start=ts(local_datetime(day, 9 * 60))
        ),
        metadata=await f.office(),
    )
    await f.stub.StartIntervention(pb.StartInterventionRequest(id=visit.id), metadata=credentials)
    return visit, tech, credentials


def phone_part(product_id: str, quantity: str, cents: int = 1) -> pb.PartUsed:
    """What a tampered phone might send: a wrong label, unit and price."""
    return pb.PartUsed(
        product_id=product_id,
        description="n'importe quoi",
        quantity=quantity,
        unit="seau",
        unit_price=eur(cents),
        billable=True,
    )


async def test_catalogue_parts_take_the_catalogue_and_contract_prices(
    field_and_stock: tuple[Field, Shop],
) -> None:
    f, shop = field_and_stock
    visit, tech, me = await started(f)
    shock = await shop.product("CHL-CHOC-5", 1290)
    seal = await shop.product(
        "JOINT-SKIM",
        450,
        label="Joint de couvercle de skimmer",
        family=spb.FAMILY_PART,
        unit_of_sale="pièce",
        unit_of_stock="pièce",
        sale_units_per_stock_unit="1",
        dosing_role=spb.DOSING_ROLE_UNSPECIFIED,
        strength_percent="",
        billable=False,
    )
    await shop.stub.AddPrice(
        spb.AddPriceRequest(
            product_id=shock.id,
            contract_id=visit.contract_id,
            valid_from=d(local_day(FIELD_NOW) - timedelta(days=30)),
            unit_price=eur(1100),
        ),
        metadata=shop.office,
    )
    saved = await f.stub.SaveReport(
        pb.SaveReportRequest(
            id=visit.id,
            parts=[phone_part(shock.id, "2.5"), phone_part(seal.id, "1", 99999)],
        ),
        metadata=me,
    )
    parts = [
        (p.product_id, p.description, p.product_code, p.unit, p.unit_price.amount_cents, p.billable)
        for p in saved.report.parts
    ]
    assert parts == [
        (shock.id, "Chlore choc granulés 65 % - seau 5 kg", "CHL-CHOC-5", "kg", 1100, True),
        (seal.id, "Joint de couvercle de skimmer", "JOINT-SKIM", "pièce", 450, False),
    ]
    await f.stub.CompleteIntervention(
        pb.CompleteInterventionRequest(
            id=visit.id,
            technician_signature=pb.Signature(
                signer_name="Léa Roussel", signed_at=ts(FIELD_NOW), png=png()
            ),
            customer_absent=True,
            customer_absence_reason="Client absent",
        ),
        metadata=me,
    )
    (event,) = await f.events("intervention.intervention.completed")
    assert event["billable_items"] == [
        {
            "description": "Chlore choc granulés 65 % - seau 5 kg",
            "product_code": "CHL-CHOC-5",
            "quantity": "2.5",
            "unit": "kg",
            "unit_price_cents": 1100,
            "currency": "EUR",
        }
    ]
    assert event["stock_items"] == [
        {"product_id": shock.id, "quantity": "2.5"},
        {"product_id": seal.id, "quantity": "1"},
    ]
    assert event["technician_id"] == tech.id


async def test_a_tp2_biocide_needs_the_technicians_certibiocide(
    field_and_stock: tuple[Field, Shop],
) -> None:
    f, shop = field_and_stock
    visit, tech, me = await started(f)
    chlorine = await shop.product(
        "CHL-LENT-5",
        1290,
        dosing_role=spb.DOSING_ROLE_SANITISER,
        biocide=spb.Biocide(product_type="TP2", authorisation_number="FR-2019-0042"),
    )
    request = pb.SaveReportRequest(id=visit.id, parts=[phone_part(chlorine.id, "1")])
    error = await rpc_error(f.stub.SaveReport(request, metadata=me))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "Certibiocide" in (error.details() or "")
    assert field_violations(error.trailing_metadata()) == {
        "parts.0.product_id": "Certibiocide requis"
    }
    await shop.stub.SetCertificate(
        spb.SetCertificateRequest(
            technician_id=tech.id,
            number="CB-34-0815",
            expires_on=d(local_day(FIELD_NOW) + timedelta(days=400)),
        ),
        metadata=shop.office,
    )
    saved = await f.stub.SaveReport(request, metadata=me)
    assert saved.report.parts[0].unit_price.amount_cents == 1290
