"""A completed visit debits the technician's van once: the same intervention recorded again, or
its event replayed, even concurrently, writes nothing more."""

from __future__ import annotations

import asyncio
import uuid

from aquaerp.stock.v1 import stock_pb2 as pb

from .conftest import Stock


def visit_request(
    intervention_id: str, technician_id: str, items: list[pb.VisitItem], event_id: str = ""
) -> pb.RecordVisitConsumptionRequest:
    return pb.RecordVisitConsumptionRequest(
        intervention_id=intervention_id,
        event_id=event_id or str(uuid.uuid4()),
        technician_id=technician_id,
        customer_id=str(uuid.uuid4()),
        contract_id=str(uuid.uuid4()),
        items=items,
    )


async def test_a_visit_debits_the_van_once_whatever_the_replays(committed_stock: Stock) -> None:
    s = committed_stock
    technician_id = str(uuid.uuid4())
    van = await s.van(technician_id)
    chlorine = await s.product()  # 5 kg buckets sold per kg
    await s.receive(chlorine, van, "2")
    intervention_id = str(uuid.uuid4())
    items = [pb.VisitItem(product_id=chlorine.id, quantity="2.5")]
    service = await s.office()
    first = await s.stub.RecordVisitConsumption(
        visit_request(intervention_id, technician_id, items, "event-1"), metadata=service
    )
    assert not first.already_recorded
    assert [(m.movement.quantity, m.movement.intervention_id) for m in first.movements] == [
        ("0.5", intervention_id)
    ]
    replays = await asyncio.gather(
        *(
            s.stub.RecordVisitConsumption(
                visit_request(intervention_id, technician_id, items, event), metadata=service
            )
            for event in ("event-1", "event-1", "event-2")
        )
    )
    assert [(r.already_recorded, len(r.movements)) for r in replays] == [(True, 0)] * 3
    assert await s.on_hand(chlorine, van) == "1.5"
    listed = await s.stub.ListMovements(
        pb.ListMovementsRequest(intervention_id=intervention_id), metadata=await s.office()
    )
    assert len(listed.movements) == 1


async def test_a_visit_is_debited_even_beyond_the_van_stock_and_flagged(stock: Stock) -> None:
    technician_id = str(uuid.uuid4())
    van = await stock.van(technician_id)
    chlorine = await stock.product()
    result = await stock.stub.RecordVisitConsumption(
        visit_request(
            str(uuid.uuid4()), technician_id, [pb.VisitItem(product_id=chlorine.id, quantity="5")]
        ),
        metadata=await stock.office(),
    )
    assert [m.negative_stock for m in result.movements] == [True]
    assert await stock.on_hand(chlorine, van) == "-1"
