"""Transactional outbox: events are rows written in the same transaction as the change.

`record_event` adds the row; `OutboxRelay` delivers unpublished rows in order, at least once,
to a publisher (the workflow service's Publish RPC). Only one relay per service delivers at a
time (a PostgreSQL advisory lock), which keeps per-aggregate order with several replicas.
Delivery times and the lag are read from the injected `Clock`; the loop paces on real sleeps.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from .clock import SYSTEM_CLOCK, Clock
from .db import Database
from .waiting import wait_for_event

log = logging.getLogger(__name__)

OUTBOX_PENDING = Gauge("aquaerp_outbox_pending_events", "Events not yet delivered", ["source"])
OUTBOX_LAG = Gauge(
    "aquaerp_outbox_lag_seconds", "Age of the oldest undelivered event (0 when none)", ["source"]
)
OUTBOX_PUBLISHED = Counter("aquaerp_outbox_published_total", "Events delivered", ["source"])
OUTBOX_FAILURES = Counter("aquaerp_outbox_publish_failures_total", "Failed deliveries", ["source"])
# Committed domain events by type: the business counters (contracts activated, invoices
# issued, emails failed, ...). Counted once, by the relay that delivers them.
EVENTS_PUBLISHED = Counter(
    "aquaerp_events_published_total", "Domain events delivered, by type", ["source", "event_type"]
)


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table, in the schema of `metadata`."""
    return Table(
        "outbox",
        metadata,
        Column("sequence", BigInteger, Identity(always=True), primary_key=True),
        Column("id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("event_type", String(200), nullable=False),
        Column("aggregate_type", String(100), nullable=False),
        Column("aggregate_id", String(100), nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("last_error", Text),
        Index(None, "sequence", postgresql_where=text("published_at IS NULL")),
    )


@dataclass(frozen=True)
class OutboxEvent:
    id: uuid.UUID
    sequence: int
    event_type: str
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any]
    occurred_at: datetime

    def payload_json(self) -> str:
        return json.dumps(self.payload, sort_keys=True, ensure_ascii=False, default=str)


async def record_event(
    session: AsyncSession | AsyncConnection,
    table: Table,
    event_type: str,
    aggregate_type: str,
    aggregate_id: str,
    payload: dict[str, Any],
    *,
    event_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> uuid.UUID:
    """Adds an event to the outbox inside the caller's unit of work. `occurred_at` is the
    service clock's instant of the change (the database's time when not given)."""
    event_id = event_id or uuid.uuid4()
    stamp = {"occurred_at": occurred_at} if occurred_at is not None else {}
    await session.execute(
        insert(table).values(
            **stamp,
            id=event_id,
            event_type=event_type,
            aggregate_type=aggregate_type,
            aggregate_id=str(aggregate_id),
            payload=json.loads(json.dumps(payload, default=str)),
        )
    )
    return event_id


Publisher = Callable[[Sequence[OutboxEvent]], Awaitable[None]]


class OutboxRelay:
    """Delivers a service's outbox to a publisher, in sequence order, at least once."""

    def __init__(
        self,
        database: Database,
        table: Table,
        publish: Publisher,
        *,
        source: str,
        batch_size: int = 200,
        idle_interval: float = 0.2,
        max_backoff: float = 30.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.database = database
        self.clock = clock
        self.table = table
        self.publish = publish
        self.source = source
        self.batch_size = batch_size
        self.idle_interval = idle_interval
        self.max_backoff = max_backoff
        self._wakeup = asyncio.Event()
        self._lock_key = f"aquaerp-outbox-relay:{table.schema}"

    def notify(self) -> None:
        """Asks the relay to look now instead of at its next tick (after a commit)."""
        self._wakeup.set()

    async def deliver_once(self) -> int:
        """Delivers one batch; returns how many events went out (0 if none or not the leader)."""
        async with self.database.unit_of_work() as session:
            got_lock = await session.scalar(
                text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"), {"k": self._lock_key}
            )
            if not got_lock:
                return 0
            rows = (
                (
                    await session.execute(
                        select(self.table)
                        .where(self.table.c.published_at.is_(None))
                        .order_by(self.table.c.sequence)
                        .limit(self.batch_size)
                    )
                )
                .mappings()
                .all()
            )
            events = [
                OutboxEvent(
                    id=row["id"],
                    sequence=row["sequence"],
                    event_type=row["event_type"],
                    aggregate_type=row["aggregate_type"],
                    aggregate_id=row["aggregate_id"],
                    payload=row["payload"],
                    occurred_at=row["occurred_at"],
                )
                for row in rows
            ]
            if events:
                await self.publish(events)
                await session.execute(
                    update(self.table)
                    .where(self.table.c.sequence.in_([e.sequence for e in events]))
                    .values(published_at=self.clock.now(), attempts=self.table.c.attempts + 1)
                )
            await self._export_lag(session)
            if not events:
                return 0
        OUTBOX_PUBLISHED.labels(self.source).inc(len(events))
        for event in events:
            EVENTS_PUBLISHED.labels(self.source, event.event_type).inc()
        return len(events)

    async def _export_lag(self, session: AsyncSession) -> None:
        pending, oldest = (
            await session.execute(
                select(func.count(), func.min(self.table.c.occurred_at)).where(
                    self.table.c.published_at.is_(None)
                )
            )
        ).one()
        OUTBOX_PENDING.labels(self.source).set(pending)
        lag = (self.clock.now() - oldest).total_seconds() if oldest else 0.0
        OUTBOX_LAG.labels(self.source).set(max(0.0, lag))

    async def run(self) -> None:
        """Runs until cancelled; backs off exponentially while the publisher is down."""
        backoff = 0.0
        while True:
            try:
                delivered = await self.deliver_once()
                backoff = 0.0
            except asyncio.CancelledError:
                raise
            except Exception as error:  # publisher down, database restarting, ...
                OUTBOX_FAILURES.labels(self.source).inc()
                backoff = min(self.max_backoff, max(0.5, backoff * 2))
                log.warning("outbox delivery failed, retrying in %.1fs: %s", backoff, error)
                await asyncio.sleep(backoff)
                continue
            if delivered < self.batch_size:
                self._wakeup.clear()
                await wait_for_event(self._wakeup, self.idle_interval)


# The workflow service receives every service's events at this method.
PUBLISH_METHOD = "/aquaerp.workflow.v1.WorkflowService/Publish"


def grpc_publisher(channel: Any, *, source: str, timeout: float = 10.0) -> Publisher:
    """Publishes outbox events to the workflow service over `channel`."""
    from aquaerp.common.v1 import common_pb2

    call = channel.unary_unary(
        PUBLISH_METHOD,
        request_serializer=common_pb2.PublishEventsRequest.SerializeToString,
        response_deserializer=common_pb2.PublishEventsResponse.FromString,
    )

    async def publish(events: Sequence[OutboxEvent]) -> None:
        request = common_pb2.PublishEventsRequest(
            events=[
                common_pb2.Event(
                    id=str(event.id),
                    type=event.event_type,
                    source=source,
                    aggregate_type=event.aggregate_type,
                    aggregate_id=event.aggregate_id,
                    sequence=event.sequence,
                    occurred_at=event.occurred_at.isoformat(),
                    payload_json=event.payload_json(),
                )
                for event in events
            ]
        )
        await call(request, timeout=timeout)

    return publish
