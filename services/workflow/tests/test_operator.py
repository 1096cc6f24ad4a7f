"""Operator handlers against the real workflow service (no Kubernetes needed)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator

import grpc
import kopf
import pytest
import pytest_asyncio
from aquaerp.workflow.v1 import workflow_pb2
from aquaerp_runtime.testing.plugin import SERVICE_ACCOUNT_SECRET, rpc_error
from aquaerp_workflow.config import WorkflowSettings
from aquaerp_workflow.operator.client import WorkflowApi
from aquaerp_workflow.operator.handlers import apply_workflow, remove_workflow, workflow_status

from .conftest import INVOICE_EMAIL_SPEC, WorkflowClient, WorkflowStack, event
from .test_runs import wait_for_runs

NAMESPACE = "aquaerp"


@pytest_asyncio.fixture
async def workflow(stack: WorkflowStack) -> WorkflowClient:
    return await stack.start_workflow()


@pytest_asyncio.fixture
async def api(stack: WorkflowStack, workflow: WorkflowClient) -> AsyncIterator[WorkflowApi]:
    settings = WorkflowSettings(
        targets={"auth": stack.auth.target, "workflow": workflow.running.target},
        service_client_id="workflow",
        service_client_secret=SERVICE_ACCOUNT_SECRET,
    )
    api = WorkflowApi(settings)
    yield api
    await api.close()


def resource_spec() -> dict[str, object]:
    """A Workflow resource's spec as the API server hands it over (defaults applied)."""
    return {**copy.deepcopy(INVOICE_EMAIL_SPEC), "enabled": True}


async def test_create_update_and_resume_are_idempotent(
    api: WorkflowApi, workflow: WorkflowClient
) -> None:
    created = await apply_workflow(
        api, namespace=NAMESPACE, name="invoice-issued", spec=resource_spec(), generation=1
    )
    assert created == {"observedGeneration": 1, "accepted": True, "error": "", "version": 1}
    stored = await workflow.stub.GetDefinition(
        workflow_pb2.GetDefinitionRequest(name="aquaerp/invoice-issued"), metadata=workflow.admin
    )
    assert stored.spec.trigger.event == "facture.invoice.issued"

    # The operator restarting (resume) or a metadata-only change: same version.
    resumed = await apply_workflow(
        api, namespace=NAMESPACE, name="invoice-issued", spec=resource_spec(), generation=1
    )
    assert resumed["version"] == 1

    changed = resource_spec()
    changed["description"] = "Email issued invoices, now with a new description."
    updated = await apply_workflow(
        api, namespace=NAMESPACE, name="invoice-issued", spec=changed, generation=2
    )
    assert updated == {"observedGeneration": 2, "accepted": True, "error": "", "version": 2}


async def test_invalid_spec_is_reported_and_the_accepted_version_kept(
    api: WorkflowApi, workflow: WorkflowClient
) -> None:
    await apply_workflow(
        api, namespace=NAMESPACE, name="invoice-issued", spec=resource_spec(), generation=1
    )
    broken = resource_spec()
    broken["steps"][0]["call"] = "mailer.SendInvoice"  # type: ignore[index]
    status = await apply_workflow(
        api, namespace=NAMESPACE, name="invoice-issued", spec=broken, generation=2
    )
    assert status["accepted"] is False
    assert status["observedGeneration"] == 2
    assert (
        "spec.steps[0].call: unknown method SendInvoice of aquaerp.mailer.v1.MailerService"
        in status["error"]
    )
    stored = await workflow.stub.GetDefinition(
        workflow_pb2.GetDefinitionRequest(name="aquaerp/invoice-issued"), metadata=workflow.admin
    )
    assert stored.version == 1 and stored.spec.steps[0].call == "mailer.SendInvoiceEmail"

    # A spec field the API does not know is refused before reaching the service.
    unknown = {**resource_spec(), "priority": "high"}
    status = await apply_workflow(
        api, namespace=NAMESPACE, name="other", spec=unknown, generation=1
    )
    assert status["accepted"] is False and "priority" in status["error"]
    # Never accepted: no run status to report.
    assert await workflow_status(api, namespace=NAMESPACE, name="other") == {}


async def test_status_reports_runs_and_the_last_error(
    api: WorkflowApi, workflow: WorkflowClient, stack: WorkflowStack
) -> None:
    stack.behaviour.failures = 1
    spec = resource_spec()
    spec["steps"][0]["retry"] = {"attempts": 1, "backoff_seconds": 0}  # type: ignore[index]
    await apply_workflow(api, namespace=NAMESPACE, name="invoice-issued", spec=spec, generation=1)
    await workflow.publish(event(sequence=1))
    await wait_for_runs(workflow, 1, state=workflow_pb2.RUN_STATE_FAILED)
    await workflow.publish(event(sequence=2))
    await wait_for_runs(workflow, 1, state=workflow_pb2.RUN_STATE_SUCCEEDED)
    status = await workflow_status(api, namespace=NAMESPACE, name="invoice-issued")
    assert status["version"] == 1
    assert status["runs"] == {"total": 2, "succeeded": 1, "failed": 1}
    assert status["lastRun"]["state"] == "Succeeded"
    assert status["lastRun"]["time"].endswith("Z")


async def test_delete_removes_the_definition_and_tolerates_repeats(
    api: WorkflowApi, workflow: WorkflowClient
) -> None:
    await apply_workflow(
        api, namespace=NAMESPACE, name="invoice-issued", spec=resource_spec(), generation=1
    )
    assert await remove_workflow(api, namespace=NAMESPACE, name="invoice-issued") is True
    error = await rpc_error(
        workflow.stub.GetDefinition(
            workflow_pb2.GetDefinitionRequest(name="aquaerp/invoice-issued"),
            metadata=workflow.admin,
        )
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    # The finalizer may run again after a restart: still fine.
    assert await remove_workflow(api, namespace=NAMESPACE, name="invoice-issued") is False


async def test_unreachable_service_is_retried_later(stack: WorkflowStack) -> None:
    settings = WorkflowSettings(
        targets={"auth": stack.auth.target, "workflow": "ipv4:127.0.0.1:1"},
        service_client_id="workflow",
        service_client_secret=SERVICE_ACCOUNT_SECRET,
        call_timeout=1.0,
    )
    api = WorkflowApi(settings)
    try:
        with pytest.raises(kopf.TemporaryError):
            await apply_workflow(
                api, namespace=NAMESPACE, name="x", spec=resource_spec(), generation=1
            )
    finally:
        await api.close()
