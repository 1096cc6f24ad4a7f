"""Definitions over gRPC: validation errors are precise and change nothing; versions."""

from __future__ import annotations

import copy
from typing import Any

import grpc
import pytest
from aquaerp.common.v1 import common_pb2
from aquaerp.workflow.v1 import workflow_pb2
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error
from aquaerp_workflow.servicer import spec_message

from .conftest import INVOICE_EMAIL_SPEC, WorkflowStack


def spec_with(**changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(INVOICE_EMAIL_SPEC)
    step_changes = changes.pop("step", {})
    spec.update(changes)
    if step_changes:
        spec["steps"][0].update(step_changes)
    return spec


INVALID_SPECS = [
    pytest.param(
        spec_with(step={"call": "mailer.SendInvoiceEmails"}),
        "spec.steps[0].call",
        "unknown method SendInvoiceEmails of aquaerp.mailer.v1.MailerService",
        id="unknown-method",
    ),
    pytest.param(
        spec_with(step={"call": "billing.Charge"}),
        "spec.steps[0].call",
        "unknown service 'billing': no aquaerp.billing.v1 API is installed",
        id="unknown-service",
    ),
    pytest.param(
        spec_with(step={"call": "mailer"}),
        "spec.steps[0].call",
        "is not of the form service.Method",
        id="malformed-call",
    ),
    pytest.param(
        spec_with(step={"args": {"invoice_id": "{{ event.payload.invoice_id "}}),
        "spec.steps[0].args.invoice_id",
        "invalid template: unexpected end of template",
        id="template-syntax",
    ),
    pytest.param(
        spec_with(step={"args": {"invoice_id": "{{ invoice.id }}"}}),
        "spec.steps[0].args.invoice_id",
        "unknown name 'invoice' (available: event, run, steps)",
        id="template-unknown-name",
    ),
    pytest.param(
        spec_with(step={"args": {"invoice_number": "{{ event.payload.number }}"}}),
        "spec.steps[0].args",
        'has no field named "invoice_number"',
        id="args-unknown-field",
    ),
    pytest.param(
        spec_with(step={"args": {"invoice_id": "x", "recipient": "someone@example.com"}}),
        "spec.steps[0].args",
        "do not fit aquaerp.mailer.v1.SendInvoiceEmailRequest",
        id="args-wrong-type",
    ),
    pytest.param(
        spec_with(step={"args": {"invoice_id": "{{ steps['later'].id }}"}}),
        "spec.steps[0].args.invoice_id",
        "steps['later'] is not an earlier step",
        id="reference-to-later-step",
    ),
    pytest.param(
        spec_with(trigger={"cron": "0 25 * * *", "timezone": "Europe/Paris"}),
        "spec.trigger.cron",
        "invalid cron expression",
        id="bad-cron",
    ),
    pytest.param(
        spec_with(trigger={"cron": "0 6 * *"}),
        "spec.trigger.cron",
        "must have five fields",
        id="cron-four-fields",
    ),
    pytest.param(
        spec_with(trigger={"cron": "0 6 * * *", "timezone": "Europe/Pariss"}),
        "spec.trigger.timezone",
        "unknown time zone 'Europe/Pariss'",
        id="bad-timezone",
    ),
    pytest.param(
        spec_with(trigger={"event": "facture.invoice.issued", "cron": "0 6 * * *"}),
        "spec.trigger",
        "exactly one of trigger.event or trigger.cron must be set",
        id="both-triggers",
    ),
    pytest.param(
        spec_with(trigger={}),
        "spec.trigger",
        "exactly one of trigger.event or trigger.cron must be set",
        id="neither-trigger",
    ),
    pytest.param(
        spec_with(when="event.payload.total >"),
        "spec.when",
        "invalid expression",
        id="bad-condition",
    ),
    pytest.param(
        spec_with(steps=[]),
        "spec.steps",
        "at least one step is required",
        id="no-steps",
    ),
    pytest.param(
        spec_with(step={"retry": {"attempts": 0, "backoff_seconds": 5}}),
        "spec.steps[0].retry.attempts",
        "between 1 and 20",
        id="retry-attempts",
    ),
    pytest.param(
        spec_with(
            trigger={"cron": "0 6 * * *"},
            step={"args": {"invoice_id": "{{ event.payload.invoice_id }}"}},
        ),
        "spec.steps[0].args.invoice_id",
        "unknown name 'event' (available: run, steps)",
        id="event-in-cron-workflow",
    ),
]


@pytest.mark.parametrize(("spec", "field", "message"), INVALID_SPECS)
async def test_invalid_definition_is_rejected_with_the_field(
    stack: WorkflowStack, spec: dict[str, Any], field: str, message: str
) -> None:
    workflow = await stack.start_workflow(worker_enabled=False)
    error = await rpc_error(workflow.upsert("invoice-issued", spec))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(error.trailing_metadata())
    assert field in violations, violations
    assert message in violations[field]
    assert message in (error.details() or "")
    # Nothing was stored.
    missing = await rpc_error(
        workflow.stub.GetDefinition(
            workflow_pb2.GetDefinitionRequest(name="invoice-issued"), metadata=workflow.admin
        )
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    # ValidateDefinition reports the same problem without an error status.
    answer = await workflow.stub.ValidateDefinition(
        workflow_pb2.ValidateDefinitionRequest(name="invoice-issued", spec=spec_message(spec)),
        metadata=workflow.admin,
    )
    assert not answer.valid
    assert any(v.field == field and message in v.description for v in answer.violations)


async def test_bad_name_is_rejected(stack: WorkflowStack) -> None:
    workflow = await stack.start_workflow(worker_enabled=False)
    error = await rpc_error(workflow.upsert("Invoice Issued!", INVOICE_EMAIL_SPEC))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "name" in field_violations(error.trailing_metadata())


async def test_versions_change_only_when_the_spec_changes(stack: WorkflowStack) -> None:
    workflow = await stack.start_workflow(worker_enabled=False)
    first = await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    assert first.changed and first.definition.version == 1
    again = await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    assert not again.changed and again.definition.version == 1
    changed = await workflow.upsert("invoice-issued", spec_with(description="Changed."))
    assert changed.changed and changed.definition.version == 2
    stored = await workflow.stub.GetDefinition(
        workflow_pb2.GetDefinitionRequest(name="invoice-issued"), metadata=workflow.admin
    )
    assert stored.version == 2
    assert stored.spec.description == "Changed."
    assert stored.spec.enabled
    assert stored.spec.steps[0].args["recipient"]["email"] == "compta@client.example"


async def test_delete_then_recreate_continues_versions(stack: WorkflowStack) -> None:
    workflow = await stack.start_workflow(worker_enabled=False)
    await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    deleted = await workflow.stub.DeleteDefinition(
        workflow_pb2.DeleteDefinitionRequest(name="invoice-issued"), metadata=workflow.admin
    )
    assert deleted.deleted
    listed = await workflow.stub.ListDefinitions(
        workflow_pb2.ListDefinitionsRequest(), metadata=workflow.admin
    )
    assert [d.name for d in listed.definitions] == []
    again = await rpc_error(
        workflow.stub.DeleteDefinition(
            workflow_pb2.DeleteDefinitionRequest(name="invoice-issued"), metadata=workflow.admin
        )
    )
    assert again.code() == grpc.StatusCode.NOT_FOUND
    tolerated = await workflow.stub.DeleteDefinition(
        workflow_pb2.DeleteDefinitionRequest(name="invoice-issued", allow_missing=True),
        metadata=workflow.admin,
    )
    assert not tolerated.deleted
    recreated = await workflow.upsert("invoice-issued", INVOICE_EMAIL_SPEC)
    assert recreated.changed and recreated.definition.version == 2


async def test_only_administrators_change_definitions(stack: WorkflowStack) -> None:
    workflow = await stack.start_workflow(worker_enabled=False)
    office = await stack.auth.token("bureau")
    error = await rpc_error(
        workflow.stub.UpsertDefinition(
            workflow_pb2.UpsertDefinitionRequest(
                name="invoice-issued", spec=spec_message(INVOICE_EMAIL_SPEC)
            ),
            metadata=(("authorization", f"Bearer {office}"),),
        )
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    publish = await rpc_error(
        workflow.stub.Publish(
            common_pb2.PublishEventsRequest(),
            metadata=(("authorization", f"Bearer {office}"),),
        )
    )
    assert publish.code() == grpc.StatusCode.PERMISSION_DENIED
