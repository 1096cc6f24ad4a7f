"""Runs end to end: events in over gRPC, steps executed against a real downstream server."""

from __future__ import annotations

import asyncio
import json
import uuid

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.workflow.v1 import workflow_pb2
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import INVOICE_EMAIL_SPEC, WorkflowClient, WorkflowStack, event


async def wait_for_runs(
    workflow: WorkflowClient, count: int, *, state: int, within: float = 15.0, **filters: str
) -> list[workflow_pb2.Run]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        answer = await workflow.stub.ListRuns(
            workflow_pb2.ListRunsRequest(
                state=state, page=common_pb2.PageRequest(page_size=500), **filters
            ),
            metadata=workflow.admin,
        )
        if len(answer.runs) >= count:
            return list(answer.runs)
        if asyncio.get_running_loop().time() > deadline:
            everything = await workflow.stub.ListRuns(
                workflow_pb2.ListRunsRequest(**filters), metadata=workflow.admin
            )
            raise AssertionError(f"expected {count} runs in state {state}, have {everything.runs}")
        await asyncio.sleep(0.05)


async def test_step_failing_three_times_then_succeeding(stack: WorkflowStack) -> None:
    stack.behaviour.failures = 2
    stack.behaviour.stalls = 1  # the third failure is the step's own deadline
    workflow = await stack.start_workflow()
    await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    invoice_id = str(uuid.uuid4())
    assert await workflow.publish(event(aggregate_id=invoice_id)) == 1

    [run] = await wait_for_runs(
        workflow,
        1,
        state=workflow_pb2.RUN_STATE_SUCCEEDED,
        within=20,
        aggregate_type="invoice",
        aggregate_id=invoice_id,
    )
    detail = await workflow.stub.GetRun(
        workflow_pb2.GetRunRequest(id=run.id), metadata=workflow.admin
    )
    assert [(a.attempt, a.state, a.error_code) for a in detail.attempts] == [
        (1, workflow_pb2.ATTEMPT_STATE_FAILED, "INTERNAL"),
        (2, workflow_pb2.ATTEMPT_STATE_FAILED, "INTERNAL"),
        (3, workflow_pb2.ATTEMPT_STATE_FAILED, "DEADLINE_EXCEEDED"),
        (4, workflow_pb2.ATTEMPT_STATE_SUCCEEDED, ""),
    ]
    assert detail.attempts[0].error == "mail relay exploded"
    assert json.loads(detail.attempts[3].response_json)["template"] == "invoice_issued"

    # Four calls arrived, all with the same idempotency key, in metadata and in the request.
    calls = stack.behaviour.calls
    assert len(calls) == 4
    expected_key = f"workflow-{run.id}-0"
    assert {c.idempotency_metadata for c in calls} == {expected_key}
    assert {c.request.idempotency_key for c in calls} == {expected_key}
    assert {a.idempotency_key for a in detail.attempts} == {expected_key}
    # The arguments were rendered from the event, with the workflow's service identity.
    assert calls[0].request.invoice_id == invoice_id
    assert calls[0].request.recipient.email == "compta@client.example"
    assert calls[0].request.recipient.name == "Client"
    assert calls[0].caller_roles == ("service",)
    assert detail.version == 1 and detail.current_step == 1 and detail.error == ""


async def test_run_fails_after_its_attempts_and_an_operator_retries_it(
    stack: WorkflowStack,
) -> None:
    stack.behaviour.failures = 6
    workflow = await stack.start_workflow()
    spec = {
        **INVOICE_EMAIL_SPEC,
        "steps": [
            {**INVOICE_EMAIL_SPEC["steps"][0], "retry": {"attempts": 3, "backoff_seconds": 0}}
        ],
    }
    await workflow.upsert("invoice-issued", spec)
    await workflow.publish(event())
    [failed] = await wait_for_runs(workflow, 1, state=workflow_pb2.RUN_STATE_FAILED)
    assert failed.error == "step send-invoice-email attempt 3: INTERNAL: mail relay exploded"
    assert len(stack.behaviour.calls) == 3

    stats = await workflow.stub.GetDefinitionStats(
        workflow_pb2.GetDefinitionStatsRequest(name="invoice-issued"), metadata=workflow.admin
    )
    assert (stats.total_runs, stats.failed_runs, stats.succeeded_runs) == (1, 1, 0)
    assert stats.last_run.id == failed.id

    # A new version does not change the failed run's version.
    await workflow.upsert("invoice-issued", {**spec, "description": "v2"})
    stack.behaviour.failures = 0
    office = await stack.auth.token("bureau")
    retried = await workflow.stub.RetryRun(
        workflow_pb2.RetryRunRequest(id=failed.id),
        metadata=(("authorization", f"Bearer {office}"),),
    )
    assert retried.state == workflow_pb2.RUN_STATE_PENDING
    [done] = await wait_for_runs(workflow, 1, state=workflow_pb2.RUN_STATE_SUCCEEDED)
    assert done.id == failed.id and done.version == 1
    detail = await workflow.stub.GetRun(
        workflow_pb2.GetRunRequest(id=done.id), metadata=workflow.admin
    )
    assert [a.attempt for a in detail.attempts] == [1, 2, 3, 4]
    # Only failed runs can be retried.
    error = await rpc_error(
        workflow.stub.RetryRun(workflow_pb2.RetryRunRequest(id=done.id), metadata=workflow.admin)
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_duplicate_events_are_ignored(stack: WorkflowStack) -> None:
    workflow = await stack.start_workflow()
    await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    first = event(sequence=1)
    second = event(sequence=2)
    assert await workflow.publish(first, second) == 2
    # Redelivered (at least once): acknowledged, not counted, no new run.
    assert await workflow.publish(first, second, first) == 0
    third = event(sequence=3)
    assert await workflow.publish(second, third) == 1
    await wait_for_runs(workflow, 3, state=workflow_pb2.RUN_STATE_SUCCEEDED)
    await asyncio.sleep(0.3)
    everything = await workflow.stub.ListRuns(
        workflow_pb2.ListRunsRequest(), metadata=workflow.admin
    )
    assert sorted(r.event_id for r in everything.runs) == sorted([first.id, second.id, third.id])
    assert len(stack.behaviour.calls) == 3


async def test_condition_filters_events(stack: WorkflowStack) -> None:
    workflow = await stack.start_workflow()
    spec = {**INVOICE_EMAIL_SPEC, "when": "event.payload.total_cents > 0"}
    await workflow.upsert("invoice-issued", spec)
    paid = event(payload={"invoice_id": "a", "total_cents": 1200})
    free = event(payload={"invoice_id": "b", "total_cents": 0})
    broken = event(payload={"invoice_id": "c"})
    assert await workflow.publish(paid, free, broken) == 3
    [ran] = await wait_for_runs(workflow, 1, state=workflow_pb2.RUN_STATE_SUCCEEDED)
    assert ran.event_id == paid.id
    # A condition that cannot be evaluated leaves a visible failed run, not silence.
    [failed] = await wait_for_runs(workflow, 1, state=workflow_pb2.RUN_STATE_FAILED)
    assert failed.event_id == broken.id
    assert "condition" in failed.error and "total_cents" in failed.error
    everything = await workflow.stub.ListRuns(
        workflow_pb2.ListRunsRequest(), metadata=workflow.admin
    )
    assert free.id not in {r.event_id for r in everything.runs}
    # Retrying evaluates the condition again; the event still lacks the field.
    retried = await workflow.stub.RetryRun(
        workflow_pb2.RetryRunRequest(id=failed.id), metadata=workflow.admin
    )
    assert retried.state == workflow_pb2.RUN_STATE_FAILED
    assert "total_cents" in retried.error
    assert len(stack.behaviour.calls) == 1


async def test_runs_about_one_object_follow_event_order(stack: WorkflowStack) -> None:
    # The first event's step fails once and waits before retrying: the second event's run
    # about the same invoice waits for it; a run about another invoice does not.
    stack.behaviour.failures_for = {"first": 1}
    workflow = await stack.start_workflow()
    retry = {"attempts": 2, "backoff_seconds": 1}
    spec = {**INVOICE_EMAIL_SPEC, "steps": [{**INVOICE_EMAIL_SPEC["steps"][0], "retry": retry}]}
    await workflow.upsert("invoice-issued", spec)
    invoice = str(uuid.uuid4())
    other = str(uuid.uuid4())
    first = event(aggregate_id=invoice, sequence=10, payload={"invoice_id": "first"})
    second = event(aggregate_id=invoice, sequence=11, payload={"invoice_id": "second"})
    unrelated = event(aggregate_id=other, sequence=12, payload={"invoice_id": "unrelated"})
    await workflow.publish(first, second, unrelated)
    await wait_for_runs(workflow, 3, state=workflow_pb2.RUN_STATE_SUCCEEDED)
    order = [c.request.invoice_id for c in stack.behaviour.calls]
    assert sorted(order) == ["first", "first", "second", "unrelated"]
    # "second" only after "first" succeeded; "unrelated" did not wait for the retry.
    assert order[-2:] == ["first", "second"]
    assert order.index("unrelated") < 2


async def test_invalid_events_are_refused_whole(stack: WorkflowStack) -> None:
    workflow = await stack.start_workflow()
    await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    good = event()
    bad = event(event_id="not-a-uuid")
    error = await rpc_error(workflow.publish(good, bad))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "events[1].id" in (error.details() or "")
    # Nothing was stored: the good event is new on redelivery.
    assert await workflow.publish(good) == 1


async def test_only_the_roles_of_its_steps_may_retry_a_run(stack: WorkflowStack) -> None:
    """A retried run calls its steps as the workflow service: bureau may not have the service
    run an accounting step (dunning is reserved to admin and compta) on its behalf."""
    downstream = await stack.start_downstream()
    workflow = await stack.start_workflow(
        targets={
            "auth": stack.auth.target,
            "mailer": downstream.target,
            "facture": downstream.target,  # no such method there: the run fails
        }
    )
    spec = {
        "description": "Dunning on demand.",
        "trigger": {"event": "facture.invoice.issued"},
        "steps": [
            {
                "name": "run-dunning",
                "call": "facture.RunDunning",
                "args": {},
                "retry": {"attempts": 1, "backoff_seconds": 0},
            }
        ],
    }
    await workflow.upsert("dunning-on-demand", spec)
    await workflow.publish(event())
    [failed] = await wait_for_runs(workflow, 1, state=workflow_pb2.RUN_STATE_FAILED)

    office = await stack.auth.token("bureau")
    refused = await rpc_error(
        workflow.stub.RetryRun(
            workflow_pb2.RetryRunRequest(id=failed.id),
            metadata=(("authorization", f"Bearer {office}"),),
        )
    )
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "facture.RunDunning" in (refused.details() or "")
    unchanged = await workflow.stub.GetRun(
        workflow_pb2.GetRunRequest(id=failed.id), metadata=workflow.admin
    )
    assert unchanged.state == workflow_pb2.RUN_STATE_FAILED
    assert len(unchanged.attempts) == 1

    retried = await workflow.stub.RetryRun(
        workflow_pb2.RetryRunRequest(id=failed.id), metadata=workflow.admin
    )
    assert retried.state == workflow_pb2.RUN_STATE_PENDING
