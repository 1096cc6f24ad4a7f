"""Stock valuation at weighted average cost, and the replenishment of a van to its minimums
within what the warehouse holds."""

from __future__ import annotations

import grpc
from aquaerp.stock.v1 import stock_pb2 as pb
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Stock


async def test_valuation_at_weighted_average_cost(stock: Stock) -> None:
    chlorine = await stock.product()
    seal = await stock.product(
        family=pb.FAMILY_PART,
        unit_of_sale="pièce",
        unit_of_stock="pièce",
        sale_units_per_stock_unit="1",
        dosing_role=pb.DOSING_ROLE_UNSPECIFIED,
        strength_percent="",
    )
    depot = await stock.warehouse()
    van = await stock.van()
    await stock.receive(chlorine, depot, "2", cost_cents=3000)
    await stock.receive(chlorine, depot, "2", cost_cents=4000)  # average 35.00
    await stock.receive(seal, van, "10", cost_cents=180)
    await stock.move(
        kind=pb.MOVEMENT_KIND_TRANSFER,
        product_id=chlorine.id,
        quantity="1",
        unit="seau 5 kg",
        from_location_id=depot.id,
        to_location_id=van.id,
    )
    office = await stock.as_role("compta")
    everything = await stock.stub.GetValuation(pb.GetValuationRequest(), metadata=office)
    values = {
        line.product_id: (line.quantity, line.value.amount_cents) for line in everything.lines
    }
    assert values == {chlorine.id: ("4", 14000), seal.id: ("10", 1800)}
    assert everything.total.amount_cents == 15800
    in_van = await stock.stub.GetValuation(
        pb.GetValuationRequest(location_id=van.id), metadata=office
    )
    assert {line.product_id: line.value.amount_cents for line in in_van.lines} == {
        chlorine.id: 3500,
        seal.id: 1800,
    }


async def test_a_van_is_proposed_what_brings_it_to_its_minimums(stock: Stock) -> None:
    chlorine = await stock.product(van_minimum="3")
    ph_minus = await stock.product(van_minimum="2")
    spare = await stock.product(van_minimum="1")
    depot = await stock.warehouse()
    van = await stock.van()
    await stock.receive(chlorine, depot, "10")
    await stock.receive(chlorine, van, "1")
    await stock.receive(ph_minus, depot, "1")  # the depot holds less than the shortfall
    await stock.receive(spare, van, "1")  # at its minimum already
    proposal = await stock.stub.ProposeReplenishment(
        pb.ProposeReplenishmentRequest(location_id=van.id), metadata=await stock.office()
    )
    assert [
        (line.product_id, line.on_hand, line.minimum, line.to_load) for line in proposal.lines
    ] == sorted(
        [(chlorine.id, "1", "3", "2"), (ph_minus.id, "0", "2", "1")],
        key=lambda line: {chlorine.id: chlorine.product.code, ph_minus.id: ph_minus.product.code}[
            line[0]
        ],
    )
    error = await rpc_error(
        stock.stub.ProposeReplenishment(
            pb.ProposeReplenishmentRequest(location_id=depot.id), metadata=await stock.office()
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_an_inventory_count_writes_the_differences_as_adjustments(stock: Stock) -> None:
    chlorine = await stock.product()  # 5 kg buckets sold per kg
    seal = await stock.product()
    still = await stock.product()
    van = await stock.van()
    await stock.receive(chlorine, van, "3")
    await stock.receive(seal, van, "2")
    await stock.receive(still, van, "1")
    counted = await stock.stub.RecordInventoryCount(
        pb.RecordInventoryCountRequest(
            location_id=van.id,
            items=[
                pb.CountedItem(product_id=chlorine.id, counted="12.5", unit="kg"),
                pb.CountedItem(product_id=seal.id, counted="3", unit="seau 5 kg"),
                pb.CountedItem(product_id=still.id, counted="1", unit="seau 5 kg"),
            ],
            reason="fin de mois",
        ),
        metadata=await stock.office(),
    )
    assert [(line.expected, line.counted, bool(line.movement_id)) for line in counted.lines] == [
        ("3", "2.5", True),
        ("2", "3", True),
        ("1", "1", False),
    ]
    assert [await stock.on_hand(p, van) for p in (chlorine, seal, still)] == ["2.5", "3", "1"]
    movements = await stock.stub.ListMovements(
        pb.ListMovementsRequest(location_id=van.id), metadata=await stock.office()
    )
    adjustments = [m for m in movements.movements if m.movement.kind == pb.MOVEMENT_KIND_ADJUSTMENT]
    assert sorted(
        (m.movement.quantity, bool(m.movement.from_location_id)) for m in adjustments
    ) == [
        ("0.5", True),
        ("1", False),
    ]
    assert all(m.movement.reason == "Inventaire 15/07/2026 : fin de mois" for m in adjustments)
    error = await rpc_error(
        stock.stub.RecordInventoryCount(
            pb.RecordInventoryCountRequest(
                location_id=van.id,
                items=[pb.CountedItem(product_id=seal.id, counted="1", unit="tonne")],
            ),
            metadata=await stock.office(),
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert await stock.on_hand(seal, van) == "3"
