"""Proposals and reports on real stock and intervention services: the next day's loading of each
van from the usual consumption of its visits' contracts on top of its minimums, the purchase
proposal per supplier for a warehouse below its minimums, consumption per item and technician,
customer or month, and the margin of each visit (billed at the contract's price of the day
against the ledger's cost)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import date

import pytest_asyncio
from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2 as ipb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp.stock.v1 import stock_pb2 as pb
from aquaerp.stock.v1 import stock_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import (
    AuthFixture,
    ServiceHarness,
    rpc_error,
    service_account_settings,
)
from aquaerp_stock.app import SPEC
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import NOW, Stock, date_of, eur

TODAY = (2026, 7, 15)
TOMORROW = (2026, 7, 16)


@pytest_asyncio.fixture
async def planned(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    db_connection: AsyncConnection,
    clock: FixedClock,
) -> AsyncIterator[tuple[Stock, intervention_pb2_grpc.InterventionServiceStub]]:
    """Stock calling a real intervention service, both on the test's transaction."""
    common = {"database": rollback_database, "clock": clock}
    intervention = await services.start(
        load_service("intervention"),
        targets={"auth": auth_service.target},
        **service_account_settings("intervention"),
        **common,
    )
    running = await services.start(
        SPEC,
        targets={"auth": auth_service.target, "intervention": intervention.target},
        **service_account_settings("stock"),
        **common,
    )
    channel = create_channel(running.target, default_timeout=20)
    intervention_channel = create_channel(intervention.target, default_timeout=20)
    yield (
        Stock(
            stock_pb2_grpc.StockServiceStub(channel),
            clock,
            auth_service,
            db_connection,
            running.target,
        ),
        intervention_pb2_grpc.InterventionServiceStub(intervention_channel),
    )
    await channel.close()
    await intervention_channel.close()


async def technician(
    stock: Stock, interventions: intervention_pb2_grpc.InterventionServiceStub, name: str
) -> ipb.Technician:
    user, _ = await stock.auth.user_token("technicien")
    return await interventions.CreateTechnician(
        ipb.CreateTechnicianRequest(
            user_id=user.id,
            display_name=name,
            skills=["piscine"],
            working_hours=[
                ipb.WorkingPeriod(
                    weekday=day,
                    start=ipb.TimeOfDay(hours=8),
                    end=ipb.TimeOfDay(hours=18),
                )
                for day in range(1, 8)
            ],
            home_base=common_pb2.GeoPoint(latitude=43.61, longitude=3.88),
        ),
        metadata=await stock.office(),
    )


async def plan_visit(stock: Stock, technician_id: str, contract_id: str, day: str) -> str:
    """A visit planned by intervention (written in its schema, as its planning would)."""
    visit_id = str(uuid.uuid4())
    assert stock.connection is not None
    await stock.connection.execute(
        text(
            """
        INSERT INTO intervention.interventions
            (id, kind, status, contract_id, customer_id, site_id, site_name, site_address,
             planned_date, window_start_minute, window_end_minute, estimated_minutes,
             technician_id, scheduled_start, scheduled_end)
        VALUES (CAST(:id AS uuid), 'preventive', 'scheduled', :contract, :customer, :site,
                'Villa Les Pins', CAST(:address AS jsonb), CAST(:day AS date), 480, 1080, 60,
                CAST(:technician AS uuid),
                CAST(:day AS date) + time '09:00', CAST(:day AS date) + time '10:00')
        """
        ),
        {
            "id": uuid.UUID(visit_id),
            "contract": contract_id,
            "customer": f"cust-{contract_id[:8]}",
            "site": str(uuid.uuid4()),
            "address": json.dumps(
                {"lines": ["3 impasse des Mûriers"], "postal_code": "34970", "city": "Lattes"}
            ),
            "day": date.fromisoformat(day),
            "technician": uuid.UUID(technician_id),
        },
    )
    return visit_id


async def test_next_day_loading_from_the_contracts_usual_consumption(
    planned: tuple[Stock, intervention_pb2_grpc.InterventionServiceStub],
) -> None:
    stock, interventions = planned
    office = await stock.office()
    depot = await stock.warehouse()
    chlorine = await stock.product(van_minimum="2")  # seau 5 kg, sold per kg
    ph_minus = await stock.product(
        family=pb.FAMILY_CHEMICAL,
        unit_of_sale="L",
        unit_of_stock="bidon 20 L",
        sale_units_per_stock_unit="20",
        dosing_role=pb.DOSING_ROLE_PH_DOWN,
        strength_percent="15",
    )
    await stock.receive(chlorine, depot, "30")
    await stock.receive(ph_minus, depot, "10")
    lea = await technician(stock, interventions, "Léa Roussel")
    max_ = await technician(stock, interventions, "Max Girard")
    lea_van = await stock.van(lea.id)
    max_van = await stock.van(max_.id)
    await stock.move(
        kind=pb.MOVEMENT_KIND_TRANSFER,
        product_id=chlorine.id,
        quantity="3",
        unit="seau 5 kg",
        from_location_id=depot.id,
        to_location_id=lea_van.id,
    )
    # History: two earlier visits of contract A used 10 kg and 5 kg of chlorine (3 buckets:
    # 1.5 per visit) and one bidon of pH-minus once (0.5 per visit).
    contract_a, contract_b = str(uuid.uuid4()), str(uuid.uuid4())
    for items in ([(chlorine, "10"), (ph_minus, "20")], [(chlorine, "5")]):
        await stock.stub.RecordVisitConsumption(
            pb.RecordVisitConsumptionRequest(
                intervention_id=str(uuid.uuid4()),
                event_id=str(uuid.uuid4()),
                technician_id=lea.id,
                customer_id="cust-a",
                contract_id=contract_a,
                items=[pb.VisitItem(product_id=p.id, quantity=q) for p, q in items],
            ),
            metadata=office,
        )
    # Lea's van now: 3 - 3 = 0 buckets of chlorine, -1 bidon of pH-minus (used on site).
    assert await stock.on_hand(chlorine, lea_van) == "0"
    # Tomorrow: Lea visits contract A twice, and contract B (no history); Max has no visit.
    for contract in (contract_a, contract_a, contract_b):
        await plan_visit(stock, lea.id, contract, "2026-07-16")
    # Another day's visit and a cancelled one do not count.
    await plan_visit(stock, lea.id, contract_a, "2026-07-17")
    cancelled = await plan_visit(stock, lea.id, contract_a, "2026-07-16")
    assert stock.connection is not None
    await stock.connection.execute(
        text("UPDATE intervention.interventions SET status = 'cancelled' WHERE id = :id"),
        {"id": uuid.UUID(cancelled)},
    )

    answer = await stock.stub.ProposeLoading(pb.ProposeLoadingRequest(), metadata=office)
    assert (answer.on.year, answer.on.month, answer.on.day) == TOMORROW
    vans = {van.location_id: van for van in answer.vans}
    lea_loading = vans[lea_van.id]
    assert (lea_loading.visits, lea_loading.visits_without_history) == (3, 1)
    lines = {line.product_code: line for line in lea_loading.lines}
    # Chlorine: minimum 2 + 2 visits x 1.5 = 3 (whole buckets), holds 0: load 5.
    assert (
        lines[chlorine.product.code].minimum,
        lines[chlorine.product.code].for_visits,
        lines[chlorine.product.code].on_hand,
        lines[chlorine.product.code].to_load,
        lines[chlorine.product.code].available,
    ) == ("2", "3", "0", "5", "27")
    # pH-minus: no minimum, 2 x 0.5 = 1 bidon, holds -1: load 2.
    assert (
        lines[ph_minus.product.code].for_visits,
        lines[ph_minus.product.code].on_hand,
        lines[ph_minus.product.code].to_load,
    ) == ("1", "-1", "2")
    # Max has no visit: only his minimum of chlorine.
    max_lines = {line.product_code: line for line in vans[max_van.id].lines}
    assert vans[max_van.id].visits == 0
    assert {code: line.to_load for code, line in max_lines.items()} == {chlorine.product.code: "2"}
    # Another day, asked for explicitly.
    later = await stock.stub.ProposeLoading(
        pb.ProposeLoadingRequest(on=date_of(2026, 7, 17)), metadata=office
    )
    assert {v.location_id: v.visits for v in later.vans}[lea_van.id] == 1
    # Accounting does not plan the vans.
    error = await rpc_error(
        stock.stub.ProposeLoading(
            pb.ProposeLoadingRequest(), metadata=await stock.as_role("compta")
        )
    )
    assert error.code().name == "PERMISSION_DENIED"


async def test_purchase_proposal_per_supplier_for_warehouses_below_minimum(
    stock: Stock,
) -> None:
    office = await stock.office()
    depot = await stock.warehouse()
    bayrol = await stock.product(warehouse_minimum="10", supplier="Bayrol France")
    await stock.product(
        family=pb.FAMILY_PART,
        unit_of_sale="pièce",
        unit_of_stock="pièce",
        sale_units_per_stock_unit="1",
        dosing_role=pb.DOSING_ROLE_UNSPECIFIED,
        strength_percent="",
        supplier="Hayward",
        purchase_price=eur(1850),
        warehouse_minimum="4",
    )
    enough = await stock.product(warehouse_minimum="2", supplier="Bayrol France")
    await stock.receive(bayrol, depot, "4")
    await stock.receive(enough, depot, "2")
    answer = await stock.stub.ProposePurchases(pb.ProposePurchasesRequest(), metadata=office)
    orders = {order.supplier: order for order in answer.orders}
    assert list(orders) == ["Bayrol France", "Hayward"]
    (line,) = orders["Bayrol France"].lines
    assert (line.product_id, line.on_hand, line.minimum, line.to_buy) == (
        bayrol.id,
        "4",
        "10",
        "6",
    )
    assert line.amount.amount_cents == 6 * 3500
    (hayward,) = orders["Hayward"].lines
    assert (hayward.to_buy, hayward.amount.amount_cents) == ("4", 4 * 1850)
    assert orders["Hayward"].total.amount_cents == 7400
    # The warehouse's level is flagged below its minimum.
    levels = await stock.stub.ListStock(pb.ListStockRequest(location_id=depot.id), metadata=office)
    flags = {level.product_id: level.below_minimum for level in levels.levels}
    assert flags == {bayrol.id: True, enough.id: False}
    # A van is not a warehouse.
    van = await stock.van()
    error = await rpc_error(
        stock.stub.ProposePurchases(pb.ProposePurchasesRequest(location_id=van.id), metadata=office)
    )
    assert error.code().name == "INVALID_ARGUMENT"


async def test_consumption_per_technician_customer_month_and_margin_per_visit(
    stock: Stock,
) -> None:
    office = await stock.office()
    depot = await stock.warehouse()
    # Bought at 35.00 the bucket of 5 kg (7.00 a kg); sold 12.90 a kg, 11.00 on contract C.
    chlorine = await stock.product()
    labour_free = await stock.product(
        family=pb.FAMILY_PART,
        unit_of_sale="pièce",
        unit_of_stock="pièce",
        sale_units_per_stock_unit="1",
        dosing_role=pb.DOSING_ROLE_UNSPECIFIED,
        strength_percent="",
        billable=False,
        purchase_price=eur(200),
        standard_price=eur(500),
    )
    await stock.receive(chlorine, depot, "10", cost_cents=3500)
    await stock.receive(labour_free, depot, "10", cost_cents=200)
    contract = str(uuid.uuid4())
    await stock.stub.AddPrice(
        pb.AddPriceRequest(
            product_id=chlorine.id,
            contract_id=contract,
            valid_from=date_of(2026, 7, 1),
            unit_price=eur(1100),
        ),
        metadata=office,
    )
    lea, max_ = str(uuid.uuid4()), str(uuid.uuid4())
    await stock.van(lea)
    await stock.van(max_)

    async def visit(technician: str, customer: str, contract_id: str, kg: str) -> str:
        intervention_id = str(uuid.uuid4())
        await stock.stub.RecordVisitConsumption(
            pb.RecordVisitConsumptionRequest(
                intervention_id=intervention_id,
                event_id=str(uuid.uuid4()),
                technician_id=technician,
                customer_id=customer,
                contract_id=contract_id,
                items=[
                    pb.VisitItem(product_id=chlorine.id, quantity=kg),
                    pb.VisitItem(product_id=labour_free.id, quantity="1"),
                ],
            ),
            metadata=office,
        )
        return intervention_id

    # Max's visit was a month ago (late June in Paris), the others today.
    stock.clock.set(paris(2026, 6, 15, 10, 0))
    june = await visit(max_, "cust-a", "", "10")
    stock.clock.set(NOW)
    on_contract = await visit(lea, "cust-a", contract, "5")
    await visit(lea, "cust-b", "", "2.5")

    async def report(group: int, **filters: str) -> list[tuple[str, str, str, int]]:
        answer = await stock.stub.ReportConsumption(
            pb.ReportConsumptionRequest(
                from_date=date_of(2026, 6, 1),
                to_date=date_of(2026, 7, 31),
                group_by=group,
                **filters,
            ),
            metadata=await stock.as_role("compta"),
        )
        return [
            (row.group, row.product_code, row.sale_quantity, row.cost.amount_cents)
            for row in answer.rows
            if row.product_id == chlorine.id
        ]

    # 17.5 kg = 3.5 buckets at 35.00.
    assert await report(pb.CONSUMPTION_GROUPING_PRODUCT) == [
        ("", chlorine.product.code, "17.5", 12250)
    ]
    assert await report(pb.CONSUMPTION_GROUPING_TECHNICIAN) == sorted(
        [(lea, chlorine.product.code, "7.5", 5250), (max_, chlorine.product.code, "10", 7000)]
    )
    assert await report(pb.CONSUMPTION_GROUPING_CUSTOMER) == [
        ("cust-a", chlorine.product.code, "15", 10500),
        ("cust-b", chlorine.product.code, "2.5", 1750),
    ]
    assert await report(pb.CONSUMPTION_GROUPING_MONTH) == [
        ("2026-06", chlorine.product.code, "10", 7000),
        ("2026-07", chlorine.product.code, "7.5", 5250),
    ]
    assert await report(pb.CONSUMPTION_GROUPING_PRODUCT, customer_id="cust-b") == [
        ("", chlorine.product.code, "2.5", 1750)
    ]

    margins = await stock.stub.ReportMargins(
        pb.ReportMarginsRequest(from_date=date_of(2026, 7, 1), to_date=date_of(2026, 7, 31)),
        metadata=office,
    )
    rows = {row.intervention_id: row for row in margins.rows}
    assert june not in rows and len(rows) == 2
    mine = rows[on_contract]
    # Billed: 5 kg at the contract's 11.00; the non-billable part is cost only.
    # Cost: 1 bucket at 35.00 + 1 part at 2.00.
    assert (mine.billed.amount_cents, mine.cost.amount_cents, mine.margin.amount_cents) == (
        5500,
        3700,
        1800,
    )
    assert (mine.day.year, mine.day.month, mine.day.day) == TODAY
    # The other visit: 2.5 kg at the standard 12.90.
    assert margins.billed.amount_cents == 5500 + 3225
    # A period ending before it starts is refused on the field.
    error = await rpc_error(
        stock.stub.ReportMargins(
            pb.ReportMarginsRequest(from_date=date_of(2026, 7, 31), to_date=date_of(2026, 7, 1)),
            metadata=office,
        )
    )
    assert error.code().name == "INVALID_ARGUMENT"
    assert "to_date" in (error.details() or "")
