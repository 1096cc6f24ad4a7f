"""Event delivery through the real outbox relay: at least once, duplicates ignored, and no
loss while the workflow service is down."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from aquaerp.workflow.v1 import workflow_pb2
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.db import Database
from aquaerp_runtime.outbox import OutboxRelay, grpc_publisher, outbox_table, record_event
from sqlalchemy import MetaData, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import INVOICE_EMAIL_SPEC, WorkflowStack, service_token
from .test_runs import wait_for_runs

SOURCE_SCHEMA = "relay_source"
source_metadata = MetaData(schema=SOURCE_SCHEMA)
source_outbox = outbox_table(source_metadata)


@pytest.fixture
async def source_database(engine: AsyncEngine, database_url: str):  # type: ignore[no-untyped-def]
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{SOURCE_SCHEMA}" CASCADE'))
        await connection.execute(text(f'CREATE SCHEMA "{SOURCE_SCHEMA}"'))
        await connection.run_sync(source_metadata.create_all)
    database = Database.from_url(database_url, pool_size=2)
    yield database
    await database.dispose()


async def record_invoices(database: Database, *invoice_ids: str) -> None:
    async with database.unit_of_work() as session:
        for invoice_id in invoice_ids:
            await record_event(
                session,
                source_outbox,
                "facture.invoice.issued",
                "invoice",
                invoice_id,
                {"invoice_id": invoice_id},
            )


async def pending(database: Database) -> int:
    async with database.unit_of_work() as session:
        return int(
            await session.scalar(select(func.count()).where(source_outbox.c.published_at.is_(None)))
            or 0
        )


async def test_redelivered_events_run_once(stack: WorkflowStack, source_database: Database) -> None:
    workflow = await stack.start_workflow()
    await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    token = await service_token(stack.auth, "workflow")

    async def credentials() -> str:
        return token

    channel = create_channel(workflow.running.target, credentials=credentials)
    relay = OutboxRelay(
        source_database, source_outbox, grpc_publisher(channel, source="facture"), source="facture"
    )
    try:
        await record_invoices(source_database, "inv-1", "inv-2", "inv-3")
        assert await relay.deliver_once() == 3
        # The relay crashed after Publish answered but before it marked the rows: it sends
        # the same events again.
        async with source_database.unit_of_work() as session:
            await session.execute(update(source_outbox).values(published_at=None))
        assert await relay.deliver_once() == 3
        assert await pending(source_database) == 0
        await wait_for_runs(workflow, 3, state=workflow_pb2.RUN_STATE_SUCCEEDED)
        await asyncio.sleep(0.3)
        runs = await workflow.stub.ListRuns(workflow_pb2.ListRunsRequest(), metadata=workflow.admin)
        assert len(runs.runs) == 3
        assert sorted(c.request.invoice_id for c in stack.behaviour.calls) == [
            "inv-1",
            "inv-2",
            "inv-3",
        ]
    finally:
        await channel.close()


async def test_events_wait_in_the_outbox_while_workflow_is_down(
    stack: WorkflowStack, source_database: Database
) -> None:
    workflow = await stack.start_workflow()
    await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    target = workflow.running.target
    await workflow.running.stop(drain_delay=0, grace=0)
    token = await service_token(stack.auth, "workflow")

    async def credentials() -> str:
        return token

    channel = create_channel(target, default_timeout=1, credentials=credentials)
    relay = OutboxRelay(
        source_database,
        source_outbox,
        grpc_publisher(channel, source="facture", timeout=1),
        source="facture",
    )
    try:
        await record_invoices(source_database, "inv-down")
        with pytest.raises(grpc.aio.AioRpcError) as failure:
            await relay.deliver_once()
        assert failure.value.code() in (
            grpc.StatusCode.UNAVAILABLE,
            grpc.StatusCode.DEADLINE_EXCEEDED,
        )
        assert await pending(source_database) == 1
    finally:
        await channel.close()

    restarted = await stack.start_workflow()
    channel = create_channel(restarted.running.target, credentials=credentials)
    relay = OutboxRelay(
        source_database, source_outbox, grpc_publisher(channel, source="facture"), source="facture"
    )
    try:
        assert await relay.deliver_once() == 1
        assert await pending(source_database) == 0
        [run] = await wait_for_runs(restarted, 1, state=workflow_pb2.RUN_STATE_SUCCEEDED)
        assert run.aggregate_id == "inv-down"
    finally:
        await channel.close()
