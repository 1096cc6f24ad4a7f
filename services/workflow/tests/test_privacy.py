"""Personal data in the workflow service: the payloads of the events it keeps are exported and
erased by the person's values, and emptied a year after they arrived (the audit events of the
personal-data rights keep theirs)."""

from __future__ import annotations

import json

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.testing.plugin import bearer, rpc_error
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import WorkflowStack, event

ERASED = {"customer_name": "Ondine Verrier", "customer_email": "ondine.verrier@exemple.fr"}
KEPT = {"customer_name": "Basile Fontanel", "customer_email": "basile.fontanel@exemple.fr"}


async def test_event_payloads_are_erased_and_expire(
    stack: WorkflowStack, engine: AsyncEngine
) -> None:
    clock = FixedClock(paris(2026, 7, 15, 15, 0))
    workflow = await stack.start_workflow(clock=clock)
    await workflow.publish(
        event(payload={"invoice_id": "a", **ERASED}),
        event(payload={"invoice_id": "b", **KEPT}),
        event(
            "contrat.customer.erased",
            source="contrat",
            aggregate_id="c1",
            payload={"customer_id": "c1", "code": "C00001", "actor": "u1", "reason": "demande"},
        ),
    )
    office = bearer(await stack.auth.token("bureau"))
    refused = await rpc_error(
        workflow.stub.ApplyRetention(common_pb2.ApplyRetentionRequest(), metadata=office)
    )
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED

    values = list(ERASED.values())
    export = await workflow.stub.ExportPersonalData(
        common_pb2.ExportPersonalDataRequest(customer_id="c1", personal_values=values),
        metadata=workflow.publisher,
    )
    exported = json.loads(export.records_json)["events"]
    assert sorted(e["payload"].get("invoice_id", e["type"]) for e in exported) == [
        "a",
        "contrat.customer.erased",
    ]

    erasure = common_pb2.ErasePersonalDataRequest(
        customer_id="c1", pseudonym="Client effacé #C00001", personal_values=values
    )
    first = await workflow.stub.ErasePersonalData(erasure, metadata=workflow.publisher)
    again = await workflow.stub.ErasePersonalData(erasure, metadata=workflow.publisher)
    assert first.rows_changed == 1 and again.rows_changed == 0

    async def payloads() -> dict[str, dict[str, str]]:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT type, payload FROM workflow.events"))
            return {r.payload.get("invoice_id", r.type): r.payload for r in rows}

    stored = await payloads()
    assert stored["a"] == {
        "invoice_id": "a",
        "customer_name": "Client effacé #C00001",
        "customer_email": "Client effacé #C00001",
    }
    assert stored["b"] == {"invoice_id": "b", **KEPT}

    async def retention(day: str) -> dict[str, int]:
        year, month, date = (int(p) for p in day.split("-"))
        answer = await workflow.stub.ApplyRetention(
            common_pb2.ApplyRetentionRequest(
                as_of=common_pb2.Date(year=year, month=month, day=date)
            ),
            metadata=workflow.publisher,
        )
        return {r.data_class: r.rows for r in answer.removed}

    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE workflow.events SET received_at = :at"), {"at": clock.now()}
        )
    assert (await retention("2027-07-01"))["event_payloads"] == 0
    assert (await retention("2027-07-20"))["event_payloads"] == 2
    async with engine.connect() as connection:
        emptied = await connection.scalar(
            text("SELECT count(*) FROM workflow.events WHERE payload = '{}'::jsonb")
        )
        audit = await connection.scalar(
            text("SELECT payload FROM workflow.events WHERE type = 'contrat.customer.erased'")
        )
    assert emptied == 2 and audit["reason"] == "demande"
