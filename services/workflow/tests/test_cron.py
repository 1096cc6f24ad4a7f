"""Cron triggers: each schedule fires once, whatever the number of replicas."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aquaerp.workflow.v1 import workflow_pb2
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_workflow.service import WorkflowService

from .conftest import WorkflowStack
from .test_runs import wait_for_runs

DAILY_SPEC = {
    "description": "Every morning at six, Paris time.",
    "trigger": {"cron": "0 6 * * *", "timezone": "Europe/Paris"},
    "steps": [
        {
            "name": "daily-call",
            "call": "mailer.SendInvoiceEmail",
            "args": {
                "invoice_id": "{{ run.scheduled_date }}",
                "recipient": {"email": "a@b.example"},
            },
            "retry": {"attempts": 2, "backoff_seconds": 0},
        }
    ],
}


async def test_cron_fires_once_per_schedule_across_two_replicas(
    stack: WorkflowStack, database_url: str
) -> None:
    clock = FixedClock(paris(2030, 11, 22, 15, 0))  # the definition exists from the day before
    workflow = await stack.start_workflow(clock=clock)
    await workflow.upsert("daily", DAILY_SPEC)
    databases = [Database.from_url(database_url, pool_size=3) for _ in range(2)]
    replicas = [WorkflowService(db, clock=clock) for db in databases]
    try:
        # 06:00 Paris on 23 November is 05:00 UTC (winter time).
        clock.set(datetime(2030, 11, 23, 5, 0, 30, tzinfo=UTC))
        results = await asyncio.gather(
            *(replica.fire_schedules() for replica in replicas for _ in range(3))
        )
        fired = [item for result in results for item in result]
        assert len(fired) == 1
        assert fired[0][0] == "daily"
        assert fired[0][1].astimezone(UTC) == datetime(2030, 11, 23, 5, 0, tzinfo=UTC)

        # Its run is done before the clock moves on (a jump of hours would end its lease).
        await wait_for_runs(workflow, 1, state=workflow_pb2.RUN_STATE_SUCCEEDED)

        # Later the same day: nothing new. Next morning: one more.
        clock.set(datetime(2030, 11, 23, 20, 0, tzinfo=UTC))
        assert await replicas[0].fire_schedules() == []
        clock.set(datetime(2030, 11, 24, 5, 1, tzinfo=UTC))
        again = await asyncio.gather(*(r.fire_schedules() for r in replicas))
        assert sum(len(result) for result in again) == 1
    finally:
        for db in databases:
            await db.dispose()

    runs = await wait_for_runs(workflow, 2, state=workflow_pb2.RUN_STATE_SUCCEEDED)
    assert len(runs) == 2
    assert sorted(c.request.invoice_id for c in stack.behaviour.calls) == [
        "2030-11-23",
        "2030-11-24",
    ]
    assert {r.scheduled_time.ToDatetime(tzinfo=UTC) for r in runs} == {
        datetime(2030, 11, 23, 5, 0, tzinfo=UTC),
        datetime(2030, 11, 24, 5, 0, tzinfo=UTC),
    }


async def test_summer_time_and_disabled_definitions(
    stack: WorkflowStack, database_url: str
) -> None:
    clock = FixedClock(paris(2031, 6, 30, 15, 0))
    workflow = await stack.start_workflow(worker_enabled=False, clock=clock)
    await workflow.upsert("daily", DAILY_SPEC)
    database = Database.from_url(database_url, pool_size=2)
    try:
        service = WorkflowService(database, clock=clock)
        # 06:00 Paris in July is 04:00 UTC.
        clock.set(datetime(2031, 7, 1, 4, 30, tzinfo=UTC))
        [(_, scheduled)] = await service.fire_schedules()
        assert scheduled.astimezone(UTC) == datetime(2031, 7, 1, 4, 0, tzinfo=UTC)
        await workflow.upsert("daily", {**DAILY_SPEC, "enabled": False})
        clock.set(datetime(2031, 7, 2, 4, 30, tzinfo=UTC))
        assert await service.fire_schedules() == []
    finally:
        await database.dispose()


async def test_backlog_is_exported(stack: WorkflowStack, database_url: str) -> None:
    from prometheus_client import REGISTRY

    from .conftest import INVOICE_EMAIL_SPEC, event

    clock = FixedClock(paris(2026, 7, 15, 15, 0))
    workflow = await stack.start_workflow(worker_enabled=False, clock=clock)
    await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    await workflow.publish(event(sequence=1), event(sequence=2))
    clock.advance(seconds=90)  # nobody has picked them up since
    database = Database.from_url(database_url, pool_size=2)
    try:
        await WorkflowService(database, clock=clock).export_backlog()
    finally:
        await database.dispose()
    assert REGISTRY.get_sample_value("aquaerp_workflow_runs_due") == 2
    assert REGISTRY.get_sample_value("aquaerp_workflow_run_lag_seconds") == 90
