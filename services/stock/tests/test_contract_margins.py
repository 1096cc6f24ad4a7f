"""The chemical and parts margin per contract (billed at the price of each visit's day against the
ledger's cost), with the totals worked out by hand from the movements the test records, and the
technician's inventory count of its own van only."""

from __future__ import annotations

import uuid

import grpc
from aquaerp.stock.v1 import stock_pb2 as pb
from aquaerp_runtime.clock import paris
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import bearer, rpc_error

from .conftest import NOW, Stock, date_of, eur


async def test_margin_per_contract_sums_its_visits_over_the_period(stock: Stock) -> None:
    office = await stock.office()
    depot = await stock.warehouse()
    # Chlorine: bought 35.00 the 5 kg bucket (7.00 a kg), sold 12.90 a kg, 11.00 on contract A.
    chlorine = await stock.product()
    part = {
        "family": pb.FAMILY_PART,
        "unit_of_sale": "pièce",
        "unit_of_stock": "pièce",
        "sale_units_per_stock_unit": "1",
        "dosing_role": pb.DOSING_ROLE_UNSPECIFIED,
        "strength_percent": "",
    }
    # A seal: bought 4.50, sold 9.90. Gloves: bought 2.00, never billed.
    seal = await stock.product(**part, purchase_price=eur(450), standard_price=eur(990))
    gloves = await stock.product(
        **part, purchase_price=eur(200), standard_price=eur(300), billable=False
    )
    await stock.receive(chlorine, depot, "20", cost_cents=3500)
    await stock.receive(seal, depot, "20", cost_cents=450)
    await stock.receive(gloves, depot, "20", cost_cents=200)
    contract_a, contract_b = str(uuid.uuid4()), str(uuid.uuid4())
    await stock.stub.AddPrice(
        pb.AddPriceRequest(
            product_id=chlorine.id,
            contract_id=contract_a,
            valid_from=date_of(2026, 7, 1),
            unit_price=eur(1100),
        ),
        metadata=office,
    )
    technician = str(uuid.uuid4())
    await stock.van(technician)

    async def visit(customer: str, contract: str, *items: tuple[pb.Product, str]) -> str:
        intervention_id = str(uuid.uuid4())
        await stock.stub.RecordVisitConsumption(
            pb.RecordVisitConsumptionRequest(
                intervention_id=intervention_id,
                event_id=str(uuid.uuid4()),
                technician_id=technician,
                customer_id=customer,
                contract_id=contract,
                items=[pb.VisitItem(product_id=p.id, quantity=q) for p, q in items],
            ),
            metadata=office,
        )
        return intervention_id

    # A visit of contract A in June, before the period: left out.
    stock.clock.set(paris(2026, 6, 20, 10, 0))
    await visit("cust-a", contract_a, (chlorine, "10"))
    stock.clock.set(NOW)
    # Contract A, visit 1: 5 kg at 11.00 + a seal at 9.90 = 64.90; cost 35.00 + 4.50 = 39.50.
    await visit("cust-a", contract_a, (chlorine, "5"), (seal, "1"))
    # Contract A, visit 2: 2.5 kg at 11.00 = 27.50; cost 17.50 + gloves 2.00 = 19.50.
    await visit("cust-a", contract_a, (chlorine, "2.5"), (gloves, "1"))
    # Contract B: 1 kg at the standard 12.90; cost 7.00.
    await visit("cust-b", contract_b, (chlorine, "1"))
    # No contract: 2 seals at 9.90 = 19.80; cost 9.00.
    await visit("cust-c", "", (seal, "2"))

    async def report(**filters: str) -> pb.ReportMarginsResponse:
        return await stock.stub.ReportMargins(
            pb.ReportMarginsRequest(
                from_date=date_of(2026, 7, 1), to_date=date_of(2026, 7, 31), **filters
            ),
            metadata=await stock.as_role("compta"),
        )

    def totals(answer: pb.ReportMarginsResponse) -> list[tuple[str, str, int, int, int, int, str]]:
        return [
            (
                row.contract_id,
                row.customer_id,
                row.visits,
                row.billed.amount_cents,
                row.cost.amount_cents,
                row.margin.amount_cents,
                row.margin_rate,
            )
            for row in answer.contracts
        ]

    answer = await report()
    # Margin rate = margin / cost: A 33.40 / 59.00 = 56.6 %, B 5.90 / 7.00 = 84.3 %,
    # none 10.80 / 9.00 = 120 %.
    assert totals(answer) == [
        *sorted(
            [
                (contract_a, "cust-a", 2, 9240, 5900, 3340, "56.6"),
                (contract_b, "cust-b", 1, 1290, 700, 590, "84.3"),
            ]
        ),
        ("", "cust-c", 1, 1980, 900, 1080, "120.0"),
    ]
    # The contracts add up to the visits' totals.
    assert sum(row.billed.amount_cents for row in answer.contracts) == answer.billed.amount_cents
    assert sum(row.cost.amount_cents for row in answer.contracts) == answer.cost.amount_cents
    assert len(answer.rows) == 4
    # One contract, or one customer, only.
    assert totals(await report(contract_id=contract_b)) == [
        (contract_b, "cust-b", 1, 1290, 700, 590, "84.3")
    ]
    assert [row.contract_id for row in (await report(customer_id="cust-a")).contracts] == [
        contract_a
    ]
    # A visit whose items cost nothing has no rate (nothing to divide by).
    free = await stock.product(**part, purchase_price=eur(0), standard_price=eur(500))
    await stock.receive(free, depot, "5", cost_cents=0)
    contract_c = str(uuid.uuid4())
    await visit("cust-d", contract_c, (free, "1"))
    assert totals(await report(contract_id=contract_c)) == [
        (contract_c, "cust-d", 1, 500, 0, 500, "")
    ]


async def test_a_technician_counts_its_own_van_only(stock: Stock) -> None:
    product = await stock.product()
    technician, token = await stock.auth.user_token("technicien")
    own = await stock.van(user_id=technician.id)
    other = await stock.van(user_id=str(uuid.uuid4()))
    depot = await stock.warehouse()
    for place in (own, other, depot):
        await stock.receive(product, place, "2")
    phone = bearer(token)

    def count(location: pb.Location) -> pb.RecordInventoryCountRequest:
        return pb.RecordInventoryCountRequest(
            location_id=location.id,
            items=[pb.CountedItem(product_id=product.id, counted="1", unit="seau 5 kg")],
        )

    for foreign in (other, depot):
        error = await rpc_error(stock.stub.RecordInventoryCount(count(foreign), metadata=phone))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "location_id" in field_violations(error.trailing_metadata())
        assert await stock.on_hand(product, foreign) == "2"
    counted = await stock.stub.RecordInventoryCount(count(own), metadata=phone)
    assert [(line.expected, line.counted, bool(line.movement_id)) for line in counted.lines] == [
        ("2", "1", True)
    ]
    assert await stock.on_hand(product, own) == "1"
