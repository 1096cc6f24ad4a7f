"""The ledger and its balances: concurrent movements never lose an update, the balances agree
with the ledger, negative stock only by setting (then flagged), and bad input changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from aquaerp.stock.v1 import stock_pb2 as pb
from aquaerp_runtime.clock import FixedClock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, rpc_error, truncate_schema
from aquaerp_stock.repository import StockRepository
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Stock, start_committed


async def disagreements(engine: AsyncEngine) -> list[object]:
    async with engine.connect() as connection:
        async with Database(connection=connection).unit_of_work() as session:
            return list(await StockRepository(session).ledger_disagreements())


async def outcome(call: Awaitable[Any]) -> str:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code().name
    return "OK"


async def test_two_technicians_taking_the_last_unit_at_once_one_wins(
    committed_stock: Stock, engine: AsyncEngine
) -> None:
    s = committed_stock
    product = await s.product(
        unit_of_stock="pièce", unit_of_sale="pièce", sale_units_per_stock_unit="1"
    )
    depot = await s.warehouse()
    vans = [await s.van(), await s.van()]
    await s.receive(product, depot, "1")
    office = await s.office()
    results = await asyncio.gather(
        *(
            outcome(
                s.stub.RecordMovement(
                    pb.RecordMovementRequest(
                        movement=pb.MovementInput(
                            kind=pb.MOVEMENT_KIND_TRANSFER,
                            product_id=product.id,
                            quantity="1",
                            unit="pièce",
                            from_location_id=depot.id,
                            to_location_id=van.id,
                        )
                    ),
                    metadata=office,
                )
            )
            for van in vans
        )
    )
    assert sorted(results) == ["FAILED_PRECONDITION", "OK"]
    assert await s.on_hand(product, depot) == "0"
    assert sorted([await s.on_hand(product, van) for van in vans]) == ["0", "1"]
    assert await disagreements(engine) == []


async def test_a_burst_of_consumptions_and_transfers_leaves_balances_equal_to_the_ledger(
    committed_stock: Stock, engine: AsyncEngine
) -> None:
    s = committed_stock
    product = await s.product()  # sold per kg, stocked in 5 kg buckets
    depot = await s.warehouse()
    van = await s.van()
    await s.receive(product, depot, "20")
    await s.move(
        kind=pb.MOVEMENT_KIND_TRANSFER,
        product_id=product.id,
        quantity="10",
        unit="seau 5 kg",
        from_location_id=depot.id,
        to_location_id=van.id,
    )
    office = await s.office()

    def consume(kg: str) -> Awaitable[Any]:
        return s.stub.RecordMovement(
            pb.RecordMovementRequest(
                movement=pb.MovementInput(
                    kind=pb.MOVEMENT_KIND_CONSUMPTION,
                    product_id=product.id,
                    quantity=kg,
                    unit="kg",
                    from_location_id=van.id,
                )
            ),
            metadata=office,
        )

    def transfer(direction: int) -> Awaitable[Any]:
        source, target = (depot, van) if direction else (van, depot)
        return s.stub.RecordMovement(
            pb.RecordMovementRequest(
                movement=pb.MovementInput(
                    kind=pb.MOVEMENT_KIND_TRANSFER,
                    product_id=product.id,
                    quantity="1",
                    unit="seau 5 kg",
                    from_location_id=source.id,
                    to_location_id=target.id,
                )
            ),
            metadata=office,
        )

    # 60 kg asked of a van holding 50 kg (10 buckets), while buckets go back and forth.
    calls = [consume("5") for _ in range(12)] + [transfer(i % 2) for i in range(6)]
    results = await asyncio.gather(*(outcome(c) for c in calls))
    consumed = results[:12].count("OK")
    assert set(results) <= {"OK", "FAILED_PRECONDITION"}
    # The van held ten buckets; at most three of them left for the depot meanwhile.
    assert consumed >= 7
    van_left = float(await s.on_hand(product, van))
    depot_left = float(await s.on_hand(product, depot))
    assert van_left >= 0 and depot_left >= 0
    assert van_left + depot_left == 20 - consumed
    assert await disagreements(engine) == []


async def test_negative_stock_is_allowed_only_by_setting_and_then_flagged(
    services: ServiceHarness, auth_service: AuthFixture, engine: AsyncEngine, clock: FixedClock
) -> None:
    s, channel = await start_committed(services, auth_service, clock, allow_negative_stock=True)
    try:
        product = await s.product(
            unit_of_stock="pièce", unit_of_sale="pièce", sale_units_per_stock_unit="1"
        )
        van = await s.van()
        await s.receive(product, van, "1")
        office = await s.office()
        movements = await asyncio.gather(
            *(
                s.stub.RecordMovement(
                    pb.RecordMovementRequest(
                        movement=pb.MovementInput(
                            kind=pb.MOVEMENT_KIND_CONSUMPTION,
                            product_id=product.id,
                            quantity="1",
                            unit="pièce",
                            from_location_id=van.id,
                        )
                    ),
                    metadata=office,
                )
                for _ in range(2)
            )
        )
        assert sorted(m.negative_stock for m in movements) == [False, True]
        levels = (
            await s.stub.ListStock(pb.ListStockRequest(location_id=van.id), metadata=office)
        ).levels
        assert [(level.quantity, level.negative) for level in levels] == [("-1", True)]
        assert await disagreements(engine) == []
    finally:
        await channel.close()
        await truncate_schema(engine, "stock")


async def test_quantities_convert_from_the_unit_of_sale_to_the_unit_of_stock(stock: Stock) -> None:
    product = await stock.product()  # 5 kg bucket sold per kg
    van = await stock.van()
    await stock.receive(product, van, "2")
    used = await stock.move(
        kind=pb.MOVEMENT_KIND_CONSUMPTION,
        product_id=product.id,
        quantity="2.5",
        unit="kg",
        from_location_id=van.id,
    )
    assert (used.movement.quantity, used.movement.unit) == ("0.5", "seau 5 kg")
    assert await stock.on_hand(product, van) == "1.5"
    drum = await stock.product(
        code="PH-MOINS-20L",
        label="pH-moins liquide 15 % - bidon 20 L",
        unit_of_sale="L",
        unit_of_stock="bidon 20 L",
        sale_units_per_stock_unit="20",
        dosing_role=pb.DOSING_ROLE_PH_DOWN,
        strength_percent="15",
    )
    await stock.receive(drum, van, "1")
    await stock.move(
        kind=pb.MOVEMENT_KIND_CONSUMPTION,
        product_id=drum.id,
        quantity="3",
        unit="L",
        from_location_id=van.id,
    )
    assert await stock.on_hand(drum, van) == "0.85"


async def test_bad_movements_are_refused_naming_the_field_and_change_nothing(stock: Stock) -> None:
    product = await stock.product()
    depot = await stock.warehouse()
    van = await stock.van()
    await stock.receive(product, depot, "3")
    office = await stock.office()
    base = {
        "kind": pb.MOVEMENT_KIND_TRANSFER,
        "product_id": product.id,
        "quantity": "1",
        "unit": "kg",
        "from_location_id": depot.id,
        "to_location_id": van.id,
    }
    cases = {
        "quantity": {"quantity": "-2"},
        "unit": {"unit": "tonne"},
        "to_location_id": {"to_location_id": str(uuid.uuid4())},
        "product_id": {"product_id": str(uuid.uuid4())},
        "reason": {"kind": pb.MOVEMENT_KIND_LOSS, "to_location_id": ""},
    }
    for name, change in cases.items():
        error = await rpc_error(
            stock.stub.RecordMovement(
                pb.RecordMovementRequest(movement=pb.MovementInput(**{**base, **change})),
                metadata=office,
            )
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, name
        assert name in field_violations(error.trailing_metadata()), name
    # A technician cannot move stock out of a van that is not his.
    technician, token = await stock.auth.user_token("technicien")
    own = await stock.van(user_id=technician.id)
    error = await rpc_error(
        stock.move(
            (("authorization", f"Bearer {token}"),),
            kind=pb.MOVEMENT_KIND_CONSUMPTION,
            product_id=product.id,
            quantity="1",
            unit="kg",
            from_location_id=van.id,
        )
    )
    assert "from_location_id" in field_violations(error.trailing_metadata())
    assert await stock.on_hand(product, depot) == "3"
    assert await stock.on_hand(product, van) == "0"
    assert await stock.on_hand(product, own) == "0"
    assert await stock.scalar("SELECT count(*) FROM stock.movements") == 1


async def test_the_ledger_refuses_edits(stock: Stock) -> None:
    product = await stock.product()
    depot = await stock.warehouse()
    await stock.receive(product, depot, "1")
    assert stock.connection is not None
    with pytest.raises(Exception, match="append-only"):
        async with stock.connection.begin_nested():
            await stock.connection.execute(text("UPDATE stock.movements SET quantity = 2"))


async def test_receipts_keep_the_weighted_average_cost(stock: Stock) -> None:
    product = await stock.product()
    depot = await stock.warehouse()
    await stock.receive(product, depot, "2", cost_cents=3000)
    await stock.receive(product, depot, "1", cost_cents=4500)
    found = await stock.stub.GetProduct(
        pb.GetProductRequest(id=product.id), metadata=await stock.office()
    )
    assert found.average_cost.amount_cents == 3500
