"""Transactional outbox: events commit or roll back with the change; the relay delivers them in
order, at least once, and keeps them while the publisher is down."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from aquaerp_runtime.db import Database
from aquaerp_runtime.outbox import OutboxEvent, OutboxRelay, outbox_table, record_event
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

metadata = MetaData(schema="outbox_test")
things = Table("things", metadata, Column("id", Integer, primary_key=True), Column("name", String))
outbox = outbox_table(metadata)


@pytest.fixture
async def database(engine: AsyncEngine) -> Database:
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS outbox_test CASCADE"))
        await connection.execute(text("CREATE SCHEMA outbox_test"))
        await connection.run_sync(metadata.create_all)
    return Database(engine)


async def test_event_rolls_back_with_the_change(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.unit_of_work() as session:
            await session.execute(insert(things).values(id=1, name="pool"))
            await record_event(
                session, outbox, "test.thing.created", "thing", "1", {"name": "pool"}
            )
            raise RuntimeError("fails after the change")
    async with database.unit_of_work() as session:
        assert (await session.scalar(select(things.c.id))) is None
        assert (await session.scalar(select(outbox.c.id))) is None


async def test_relay_delivers_in_order_and_survives_a_publisher_outage(database: Database) -> None:
    delivered: list[OutboxEvent] = []
    failures = 2

    async def publish(events: Sequence[OutboxEvent]) -> None:
        nonlocal failures
        if failures:
            failures -= 1
            raise ConnectionError("workflow service down")
        delivered.extend(events)

    async with database.unit_of_work() as session:
        for number in range(5):
            await record_event(session, outbox, "test.thing.changed", "thing", "7", {"n": number})
    relay = OutboxRelay(database, outbox, publish, source="test", batch_size=3, max_backoff=0.05)
    task = asyncio.create_task(relay.run())
    try:
        for _ in range(200):
            if len(delivered) == 5:
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
    assert [e.payload["n"] for e in delivered] == [0, 1, 2, 3, 4]
    assert [e.sequence for e in delivered] == sorted(e.sequence for e in delivered)
    async with database.unit_of_work() as session:
        assert (
            await session.scalar(select(outbox.c.id).where(outbox.c.published_at.is_(None))) is None
        )
    assert (
        REGISTRY.get_sample_value("aquaerp_outbox_publish_failures_total", {"source": "test"}) >= 2
    )
    assert REGISTRY.get_sample_value("aquaerp_outbox_pending_events", {"source": "test"}) == 0
    by_type = {"source": "test", "event_type": "test.thing.changed"}
    assert REGISTRY.get_sample_value("aquaerp_events_published_total", by_type) >= 5


async def test_only_one_relay_delivers_at_a_time(database: Database) -> None:
    delivered: list[str] = []
    gate = asyncio.Event()

    async def slow_publish(events: Sequence[OutboxEvent]) -> None:
        await gate.wait()
        delivered.extend(str(e.id) for e in events)

    async with database.unit_of_work() as session:
        await record_event(session, outbox, "test.thing.changed", "thing", "1", {})
    first = OutboxRelay(database, outbox, slow_publish, source="test")
    second = OutboxRelay(database, outbox, slow_publish, source="test")
    holding = asyncio.create_task(first.deliver_once())
    await asyncio.sleep(0.2)
    assert await second.deliver_once() == 0  # the other replica holds the lock
    gate.set()
    assert await holding == 1
    assert len(delivered) == 1
