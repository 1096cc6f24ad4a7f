"""Workflow test fixtures: the real workflow service (real PostgreSQL, real auth, real
downstream gRPC server), emptied before each test because runs are claimed by concurrent
transactions that a rolled-back test transaction could not show."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio
from aquaerp.auth.v1 import auth_pb2
from aquaerp.common.v1 import common_pb2
from aquaerp.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import SYSTEM_CLOCK, Clock
from aquaerp_runtime.service import RunningService, ServiceSpec
from aquaerp_runtime.testing.plugin import (
    SERVICE_ACCOUNT_SECRET,
    AuthFixture,
    ServiceHarness,
    bearer,
    service_account_settings,
    truncate_schema,
)
from aquaerp_workflow.app import SPEC
from sqlalchemy.ext.asyncio import AsyncEngine

from .downstream import Behaviour, downstream_spec


@pytest_asyncio.fixture
async def clean_workflow(
    engine: AsyncEngine, migrate: Callable[[ServiceSpec], Awaitable[None]]
) -> None:
    await migrate(SPEC)
    await truncate_schema(engine, "workflow")


async def service_token(auth: AuthFixture, client_id: str) -> str:
    answer = await auth.stub.IssueServiceToken(
        auth_pb2.IssueServiceTokenRequest(client_id=client_id, client_secret=SERVICE_ACCOUNT_SECRET)
    )
    return str(answer.access_token)


class WorkflowClient:
    """A stub to one workflow replica, with an administrator's and a service's credentials."""

    def __init__(self, running: RunningService, admin_token: str, publisher_token: str) -> None:
        self.running = running
        self.channel = create_channel(running.target, default_timeout=10)
        self.stub = workflow_pb2_grpc.WorkflowServiceStub(self.channel)
        self.admin = bearer(admin_token)
        self.publisher = bearer(publisher_token)

    async def upsert(
        self, name: str, spec: dict[str, Any]
    ) -> workflow_pb2.UpsertDefinitionResponse:
        from aquaerp_workflow.servicer import spec_message

        return await self.stub.UpsertDefinition(
            workflow_pb2.UpsertDefinitionRequest(name=name, spec=spec_message(spec)),
            metadata=self.admin,
        )

    async def publish(self, *events: common_pb2.Event) -> int:
        answer = await self.stub.Publish(
            common_pb2.PublishEventsRequest(events=list(events)), metadata=self.publisher
        )
        return int(answer.accepted)

    async def close(self) -> None:
        await self.channel.close()


def event(
    event_type: str = "facture.invoice.issued",
    *,
    aggregate_id: str = "",
    sequence: int = 1,
    payload: dict[str, Any] | None = None,
    source: str = "facture",
    event_id: str = "",
) -> common_pb2.Event:
    aggregate_id = aggregate_id or str(uuid.uuid4())
    return common_pb2.Event(
        id=event_id or str(uuid.uuid4()),
        type=event_type,
        source=source,
        aggregate_type=event_type.split(".")[1],
        aggregate_id=aggregate_id,
        sequence=sequence,
        occurred_at="2026-11-21T09:00:00+00:00",
        payload_json=json.dumps(payload if payload is not None else {"invoice_id": aggregate_id}),
    )


class WorkflowStack:
    """Starts workflow replicas and the recording downstream service, all wired to auth."""

    def __init__(self, services: ServiceHarness, auth: AuthFixture) -> None:
        self.services = services
        self.auth = auth
        self.behaviour = Behaviour()
        self.downstream: RunningService | None = None
        self.clients: list[WorkflowClient] = []

    async def start_downstream(self) -> RunningService:
        if self.downstream is None:
            self.downstream = await self.services.start(
                downstream_spec(self.behaviour), targets={"auth": self.auth.target}
            )
        return self.downstream

    async def start_workflow(
        self, *, clock: Clock = SYSTEM_CLOCK, **overrides: Any
    ) -> WorkflowClient:
        """A workflow replica; `clock` fixed for what depends on the date (cron, backlog),
        the machine's for runs whose retries and leases have to pass for real."""
        downstream = await self.start_downstream()
        settings: dict[str, Any] = {
            "targets": {"auth": self.auth.target, "mailer": downstream.target},
            "definitions_dir": "",
            "scheduler_enabled": False,
            "worker_poll_interval": 0.1,
            **service_account_settings("workflow"),
            **overrides,
        }
        running = await self.services.start(SPEC, clock=clock, **settings)
        client = WorkflowClient(
            running, await self.auth.admin_token(), await service_token(self.auth, "workflow")
        )
        self.clients.append(client)
        return client

    async def close(self) -> None:
        for client in self.clients:
            await client.close()


@pytest_asyncio.fixture
async def stack(
    clean_workflow: None, services: ServiceHarness, auth_service: AuthFixture
) -> AsyncIterator[WorkflowStack]:
    stack = WorkflowStack(services, auth_service)
    yield stack
    await stack.close()


INVOICE_EMAIL_SPEC: dict[str, Any] = {
    "description": "Email an issued invoice.",
    "trigger": {"event": "facture.invoice.issued"},
    "steps": [
        {
            "name": "send-invoice-email",
            "call": "mailer.SendInvoiceEmail",
            "args": {
                "invoice_id": "{{ event.payload.invoice_id }}",
                "recipient": {
                    "email": "compta@client.example",
                    "name": "{{ event.payload.get('name', 'Client') }}",
                },
            },
            "retry": {"attempts": 4, "backoff_seconds": 0},
            "timeout_seconds": 2,
        }
    ],
}
