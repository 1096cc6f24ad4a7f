"""/api/v1/workflows through the real gateway and the real workflow service."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from typing import Any

from aquaerp.auth.v1 import auth_pb2
from aquaerp.common.v1 import common_pb2
from aquaerp.workflow.v1 import workflow_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.service import RunningService, load_service
from aquaerp_runtime.testing.plugin import (
    SERVICE_ACCOUNT_SECRET,
    AuthFixture,
    ServiceHarness,
    bearer,
    service_account_settings,
)

from .conftest import GatewayFactory, RunningGateway, auth_header


def spec(call: str = "mailer.SendInvoiceEmail") -> dict[str, Any]:
    return {
        "description": "Email an issued invoice.",
        "trigger": {"event": "facture.invoice.issued"},
        "steps": [
            {
                "name": "send-invoice-email",
                "call": call,
                "args": {"invoice_id": "{{ event.payload.invoice_id }}"},
                "retry": {"attempts": 1, "backoff_seconds": 0},
                "timeout_seconds": 1,
            }
        ],
    }


async def start(
    services: ServiceHarness, auth_service: AuthFixture, start_gateway: GatewayFactory
) -> tuple[RunningService, RunningGateway]:
    workflow = await services.start(
        load_service("workflow"),
        # Nothing listens for mailer here: the step fails, which is what the runs tests need.
        targets={"auth": auth_service.target, "mailer": "ipv4:127.0.0.1:9"},
        definitions_dir="",
        scheduler_enabled=False,
        worker_poll_interval=0.1,
        **service_account_settings("workflow"),
    )
    gateway = await start_gateway(targets={"workflow": workflow.target})
    return workflow, gateway


async def test_definitions_crud_and_validation(
    services: ServiceHarness, auth_service: AuthFixture, start_gateway: GatewayFactory
) -> None:
    _, gateway = await start(services, auth_service, start_gateway)
    admin = auth_header(await auth_service.admin_token())
    office = auth_header(await auth_service.token("bureau"))
    name = f"gw-{secrets.token_hex(3)}"
    url = f"/api/v1/workflows/definitions/{name}"

    created = await gateway.client.put(url, json={"spec": spec()}, headers=admin)
    assert created.status_code == 200, created.text
    assert created.json()["changed"] is True
    assert created.json()["definition"]["version"] == 1
    fetched = await gateway.client.get(url, headers=office)
    assert fetched.status_code == 200
    assert fetched.json()["spec"]["steps"][0]["call"] == "mailer.SendInvoiceEmail"
    listed = await gateway.client.get("/api/v1/workflows/definitions", headers=office)
    assert name in [d["name"] for d in listed.json()["items"]]

    forbidden = await gateway.client.put(url, json={"spec": spec()}, headers=office)
    assert forbidden.status_code == 403

    invalid = await gateway.client.put(
        url, json={"spec": spec("mailer.SendInvoice")}, headers=admin
    )
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    errors = invalid.json()["errors"]
    assert "unknown method SendInvoice" in errors["spec.steps[0].call"]
    unknown_field = await gateway.client.put(
        url, json={"spec": {**spec(), "priority": "high"}}, headers=admin
    )
    assert unknown_field.status_code == 422
    still = await gateway.client.get(url, headers=office)
    assert still.json()["version"] == 1

    checked = await gateway.client.post(
        "/api/v1/workflows/definitions/validate",
        json={"name": name, "spec": {**spec(), "trigger": {"cron": "0 6 * * *", "event": "a.b.c"}}},
        headers=office,
    )
    assert checked.status_code == 200
    assert checked.json()["valid"] is False
    assert checked.json()["violations"][0]["field"] == "spec.trigger"

    deleted = await gateway.client.delete(url, headers=admin)
    assert deleted.status_code == 204
    gone = await gateway.client.get(url, headers=admin)
    assert gone.status_code == 404


async def test_runs_are_listed_by_business_object_and_retried(
    services: ServiceHarness, auth_service: AuthFixture, start_gateway: GatewayFactory
) -> None:
    workflow, gateway = await start(services, auth_service, start_gateway)
    admin = auth_header(await auth_service.admin_token())
    office = auth_header(await auth_service.token("bureau"))
    accounting = auth_header(await auth_service.token("compta"))
    name = f"gw-{secrets.token_hex(3)}"
    created = await gateway.client.put(
        f"/api/v1/workflows/definitions/{name}", json={"spec": spec()}, headers=admin
    )
    assert created.status_code == 200

    invoice_id = str(uuid.uuid4())
    token = await auth_service.stub.IssueServiceToken(
        auth_pb2.IssueServiceTokenRequest(
            client_id="workflow", client_secret=SERVICE_ACCOUNT_SECRET
        )
    )
    async with create_channel(workflow.target) as channel:
        await workflow_pb2_grpc.WorkflowServiceStub(channel).Publish(
            common_pb2.PublishEventsRequest(
                events=[
                    common_pb2.Event(
                        id=str(uuid.uuid4()),
                        type="facture.invoice.issued",
                        source="facture",
                        aggregate_type="invoice",
                        aggregate_id=invoice_id,
                        sequence=1,
                        occurred_at="2026-11-21T09:00:00+00:00",
                        payload_json=json.dumps({"invoice_id": invoice_id}),
                    )
                ]
            ),
            metadata=bearer(token.access_token),
        )

    query = {
        "definition": name,
        "aggregate_type": "invoice",
        "aggregate_id": invoice_id,
        "state": "failed",
    }
    runs: list[dict[str, Any]] = []
    for _ in range(100):
        listed = await gateway.client.get(
            "/api/v1/workflows/runs", params=query, headers=accounting
        )
        assert listed.status_code == 200, listed.text
        runs = listed.json()["items"]
        if runs:
            break
        await asyncio.sleep(0.1)
    [run] = runs
    assert run["definition"] == name and run["error"].startswith(
        "step send-invoice-email attempt 1:"
    )

    detail = await gateway.client.get(f"/api/v1/workflows/runs/{run['id']}", headers=accounting)
    assert detail.status_code == 200
    [attempt] = detail.json()["attempts"]
    assert attempt["state"] == "failed"
    assert attempt["idempotency_key"] == f"workflow-{run['id']}-0"

    refused = await gateway.client.post(
        f"/api/v1/workflows/runs/{run['id']}/retry", headers=accounting
    )
    assert refused.status_code == 403
    retried = await gateway.client.post(f"/api/v1/workflows/runs/{run['id']}/retry", headers=office)
    assert retried.status_code == 200
    assert retried.json()["state"] == "pending"

    stats = await gateway.client.get(f"/api/v1/workflows/definitions/{name}/stats", headers=office)
    assert stats.status_code == 200
    assert stats.json()["total_runs"] == 1

    bad_state = await gateway.client.get(
        "/api/v1/workflows/runs", params={"state": "lost"}, headers=office
    )
    assert bad_state.status_code == 422
    missing = await gateway.client.get(f"/api/v1/workflows/runs/{uuid.uuid4()}", headers=office)
    assert missing.status_code == 404
    malformed = await gateway.client.get("/api/v1/workflows/runs/not-a-uuid", headers=office)
    assert malformed.status_code == 422
