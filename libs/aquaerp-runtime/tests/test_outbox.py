"""Transactional outbox: events commit or roll back with the change; the relay delivers them in
order, at least once, and keeps them while the publisher is down."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.outbox import OutboxEvent, OutboxRelay, outbox_table, record_event
from aquaerp_runtime.testing.polling import eventually
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine


async def _now(value: bool) -> bool:
    """A condition evaluated by the caller, as a probe for `eventually`."""
    return value


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
    by_type = {"source": "test", "event_type": "test.thing.changed"}
    published_before = REGISTRY.get_sample_value("aquaerp_events_published_total", by_type) or 0

    def counted() -> float:
        return (REGISTRY.get_sample_value("aquaerp_events_published_total", by_type) or 0) - (
            published_before
        )

    relay = OutboxRelay(database, outbox, publish, source="test", batch_size=3, max_backoff=0.05)
    task = asyncio.create_task(relay.run())
    try:
        # Counted once the relay has committed them as published, after the publisher took them.
        await eventually(lambda: _now(counted() == 5), timeout=10, what="the five events counted")
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


async def test_only_one_relay_delivers_at_a_time(database: Database) -> None:
    delivered: list[str] = []
    gate = asyncio.Event()

    publishing = asyncio.Event()

    async def slow_publish(events: Sequence[OutboxEvent]) -> None:
        publishing.set()
        await gate.wait()
        delivered.extend(str(e.id) for e in events)

    async with database.unit_of_work() as session:
        await record_event(session, outbox, "test.thing.changed", "thing", "1", {})
    first = OutboxRelay(database, outbox, slow_publish, source="test")
    second = OutboxRelay(database, outbox, slow_publish, source="test")
    holding = asyncio.create_task(first.deliver_once())
    # The first relay holds the lock once it waits in `slow_publish` with the batch.
    await eventually(
        lambda: _now(publishing.is_set()), timeout=10, what="the first relay publishing"
    )
    assert await second.deliver_once() == 0  # the other replica holds the lock
    gate.set()
    assert await holding == 1
    assert len(delivered) == 1


async def test_delivery_time_and_lag_are_read_from_the_clock(database: Database) -> None:
    clock = FixedClock(paris(2026, 7, 15, 15, 0))
    changed_at = clock.now()
    async with database.unit_of_work() as session:
        for number in range(2):
            await record_event(
                session,
                outbox,
                "test.thing.changed",
                "thing",
                "9",
                {"n": number},
                occurred_at=changed_at,
            )
    delivered: list[OutboxEvent] = []

    async def publish(events: Sequence[OutboxEvent]) -> None:
        delivered.extend(events)

    relay = OutboxRelay(database, outbox, publish, source="clocked", batch_size=1, clock=clock)
    clock.advance(seconds=30)
    assert await relay.deliver_once() == 1
    assert delivered[0].occurred_at == changed_at
    # One event is still waiting, since the change 30 s ago on the relay's clock.
    assert REGISTRY.get_sample_value("aquaerp_outbox_pending_events", {"source": "clocked"}) == 1
    assert REGISTRY.get_sample_value("aquaerp_outbox_lag_seconds", {"source": "clocked"}) == 30
    async with database.unit_of_work() as session:
        published = await session.scalar(
            select(outbox.c.published_at).where(outbox.c.published_at.is_not(None))
        )
    assert published == clock.now()
