"""Two replicas, one database: no step attempt is ever executed twice."""

from __future__ import annotations

import asyncio
from typing import Any

from aquaerp.workflow.v1 import workflow_pb2
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.testing.polling import eventually
from aquaerp_workflow.catalog import Method
from aquaerp_workflow.worker import Worker, WorkerPolicy
from google.protobuf.message import Message
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import INVOICE_EMAIL_SPEC, WorkflowStack, event
from .test_runs import wait_for_runs


async def test_two_replicas_execute_each_step_once(
    stack: WorkflowStack, engine: AsyncEngine
) -> None:
    stack.behaviour.delay = 0.01
    first = await stack.start_workflow(worker_batch_size=8)
    second = await stack.start_workflow(worker_batch_size=8)
    await first.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    events = [event(sequence=i, payload={"invoice_id": f"invoice-{i}"}) for i in range(120)]
    # Events reach either replica, as behind a load balancer.
    for index in range(0, 120, 10):
        target = first if index % 20 == 0 else second
        assert await target.publish(*events[index : index + 10]) == 10
    await wait_for_runs(first, 120, state=workflow_pb2.RUN_STATE_SUCCEEDED, within=30)

    keys = [call.idempotency_metadata for call in stack.behaviour.calls]
    assert len(keys) == 120
    assert len(set(keys)) == 120
    assert sorted(c.request.invoice_id for c in stack.behaviour.calls) == sorted(
        f"invoice-{i}" for i in range(120)
    )
    async with engine.connect() as connection:
        attempts, distinct_steps, workers, highest = (
            await connection.execute(
                text(
                    "SELECT count(*), count(DISTINCT (run_id, step_index)), count(DISTINCT worker),"
                    " max(attempt) FROM workflow.step_attempts"
                )
            )
        ).one()
    assert (attempts, distinct_steps, highest) == (120, 120, 1)
    assert workers == 2  # both replicas did part of the work


async def _no_call(method: Method, request: Message, seconds: float, key: str) -> dict[str, Any]:
    return {}


async def test_concurrent_claims_are_disjoint(
    stack: WorkflowStack, database_url: str, engine: AsyncEngine
) -> None:
    workflow = await stack.start_workflow(worker_enabled=False)
    await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    await workflow.publish(*[event(sequence=i) for i in range(40)])
    databases = [Database.from_url(database_url, pool_size=2) for _ in range(2)]
    try:
        workers = [Worker(db, _no_call, name=f"replica-{i}") for i, db in enumerate(databases)]
        first, second = await asyncio.gather(workers[0].claim(40), workers[1].claim(40))
        first_ids = {c.run.id for c in first}
        second_ids = {c.run.id for c in second}
        assert not first_ids & second_ids
        assert len(first_ids | second_ids) == 40
        # Everything is leased: nothing more to claim until the leases end.
        assert await workers[0].claim(40) == []
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT count(*), count(DISTINCT run_id) FROM workflow.step_attempts")
                )
            ).one()
        assert tuple(rows) == (40, 40)
    finally:
        for db in databases:
            await db.dispose()


async def test_a_lost_lease_is_taken_over_and_the_late_result_discarded(
    stack: WorkflowStack, database_url: str
) -> None:
    clock = FixedClock(paris(2026, 7, 15, 15, 0))
    workflow = await stack.start_workflow(worker_enabled=False, clock=clock)
    step = {**INVOICE_EMAIL_SPEC["steps"][0], "timeout_seconds": 1}
    await workflow.upsert("invoice-issued", {**INVOICE_EMAIL_SPEC, "steps": [step]})
    await workflow.publish(event())
    database = Database.from_url(database_url, pool_size=2)
    calls: list[str] = []

    async def record(method: Method, request: Message, seconds: float, key: str) -> dict[str, Any]:
        calls.append(key)
        return {"id": f"call-{len(calls)}"}

    try:
        policy = WorkerPolicy(lease_margin=0.0)
        stalled = Worker(database, record, policy=policy, name="stalled", clock=clock)
        healthy = Worker(database, record, policy=policy, name="healthy", clock=clock)
        [claim] = await stalled.claim(1)
        assert await healthy.claim(1) == []  # leased
        clock.advance(seconds=1.2)  # the stalled worker overruns its lease
        [takeover] = await healthy.claim(1)
        assert takeover.attempt == 2
        await healthy.execute(takeover)
        await stalled.execute(claim)  # finishes late: its result must not count
    finally:
        await database.dispose()
    run = (
        await workflow.stub.ListRuns(workflow_pb2.ListRunsRequest(), metadata=workflow.admin)
    ).runs[0]
    detail = await workflow.stub.GetRun(
        workflow_pb2.GetRunRequest(id=run.id), metadata=workflow.admin
    )
    assert detail.state == workflow_pb2.RUN_STATE_SUCCEEDED
    assert [(a.attempt, a.state, a.error_code) for a in detail.attempts] == [
        (1, workflow_pb2.ATTEMPT_STATE_FAILED, "ABANDONED"),
        (2, workflow_pb2.ATTEMPT_STATE_SUCCEEDED, ""),
    ]
    assert detail.attempts[1].response_json == '{"id": "call-1"}'
    assert calls == [f"workflow-{run.id}-0"] * 2


async def test_a_stopping_replica_gives_its_runs_back(stack: WorkflowStack) -> None:
    stack.behaviour.delay = 5.0
    first = await stack.start_workflow()
    await first.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    await first.publish(event())

    async def calls() -> int:
        return len(stack.behaviour.calls)

    await eventually(calls, timeout=5, what="the downstream call")
    assert len(stack.behaviour.calls) == 1
    await first.running.stop(drain_delay=0, grace=0)

    stack.behaviour.delay = 0.0
    second = await stack.start_workflow()
    [run] = await wait_for_runs(second, 1, state=workflow_pb2.RUN_STATE_SUCCEEDED, within=5)
    detail = await second.stub.GetRun(workflow_pb2.GetRunRequest(id=run.id), metadata=second.admin)
    assert [(a.attempt, a.error_code) for a in detail.attempts] == [(1, "ABANDONED"), (2, "")]
    assert detail.attempts[0].error == "the workflow service stopped during the call"
    keys = {call.idempotency_metadata for call in stack.behaviour.calls}
    assert keys == {f"workflow-{run.id}-0"} and len(stack.behaviour.calls) == 2
