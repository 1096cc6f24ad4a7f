"""Bodies of /api/v1/workflows: definitions (the same shape as the YAML files and Workflow
resources) and runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from aquaerp.workflow.v1 import workflow_pb2
from google.protobuf import json_format
from pydantic import BaseModel, Field

from . import Page, RequestBody

RunStateName = Literal["pending", "running", "succeeded", "failed", "skipped"]
RUN_STATE_TO_PROTO = {
    "pending": workflow_pb2.RUN_STATE_PENDING,
    "running": workflow_pb2.RUN_STATE_RUNNING,
    "succeeded": workflow_pb2.RUN_STATE_SUCCEEDED,
    "failed": workflow_pb2.RUN_STATE_FAILED,
    "skipped": workflow_pb2.RUN_STATE_SKIPPED,
}
PROTO_TO_RUN_STATE = {v: k for k, v in RUN_STATE_TO_PROTO.items()}
ATTEMPT_STATES = {
    workflow_pb2.ATTEMPT_STATE_RUNNING: "running",
    workflow_pb2.ATTEMPT_STATE_SUCCEEDED: "succeeded",
    workflow_pb2.ATTEMPT_STATE_FAILED: "failed",
}


def _time(message: Any, field: str) -> datetime | None:
    if not message.HasField(field):
        return None
    return getattr(message, field).ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]


class TriggerBody(RequestBody):
    """Exactly one of `event` or `cron`."""

    event: str | None = Field(default=None, max_length=200, examples=["facture.invoice.issued"])
    cron: str | None = Field(default=None, max_length=100, examples=["0 6 * * *"])
    timezone: str | None = Field(default=None, max_length=64, examples=["Europe/Paris"])


class RetryBody(RequestBody):
    attempts: int = Field(ge=1, le=20)
    backoff_seconds: int = Field(default=0, ge=0, le=86400)


class StepBody(RequestBody):
    name: str = Field(max_length=63, examples=["send-invoice-email"])
    call: str = Field(max_length=100, examples=["mailer.SendInvoiceEmail"])
    # Request fields; string values are jinja2 templates over event, run and steps.
    args: dict[str, Any] = Field(default_factory=dict)
    retry: RetryBody | None = None
    timeout_seconds: int | None = Field(default=None, ge=1, le=3600)


class WorkflowSpecBody(RequestBody):
    description: str | None = Field(default=None, max_length=500)
    trigger: TriggerBody
    when: str | None = Field(default=None, max_length=1000)
    steps: list[StepBody] = Field(min_length=1, max_length=20)
    enabled: bool | None = None

    def to_proto(self) -> workflow_pb2.DefinitionSpec:
        message = workflow_pb2.DefinitionSpec()
        json_format.ParseDict(self.model_dump(exclude_none=True), message)
        return message


class DefinitionUpsertBody(RequestBody):
    spec: WorkflowSpecBody


class DefinitionValidateBody(RequestBody):
    name: str = Field(max_length=200)
    spec: WorkflowSpecBody


class Definition(BaseModel):
    name: str
    version: int
    spec: dict[str, Any]
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @classmethod
    def from_proto(cls, definition: workflow_pb2.Definition) -> Definition:
        return cls(
            name=definition.name,
            version=definition.version,
            spec=json_format.MessageToDict(definition.spec, preserving_proto_field_name=True),
            created_at=_time(definition, "create_time"),
            updated_at=_time(definition, "update_time"),
        )


class DefinitionUpserted(BaseModel):
    definition: Definition
    # False when the spec was identical to the current version's.
    changed: bool


class DefinitionList(BaseModel):
    items: list[Definition]
    page: Page


class Violation(BaseModel):
    field: str
    description: str


class ValidationResult(BaseModel):
    valid: bool
    violations: list[Violation]


class StepAttempt(BaseModel):
    step_index: int
    step_name: str
    attempt: int
    state: str
    error_code: str = ""
    error: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    response: Any = None
    idempotency_key: str

    @classmethod
    def from_proto(cls, attempt: workflow_pb2.StepAttempt) -> StepAttempt:
        return cls(
            step_index=attempt.step_index,
            step_name=attempt.step_name,
            attempt=attempt.attempt,
            state=ATTEMPT_STATES.get(attempt.state, "unknown"),
            error_code=attempt.error_code,
            error=attempt.error,
            started_at=_time(attempt, "start_time"),
            ended_at=_time(attempt, "end_time"),
            response=json.loads(attempt.response_json) if attempt.response_json else None,
            idempotency_key=attempt.idempotency_key,
        )


class Run(BaseModel):
    id: str
    definition: str
    version: int
    state: str
    event_id: str | None = None
    event_type: str | None = None
    scheduled_at: datetime | None = None
    aggregate_type: str | None = None
    aggregate_id: str | None = None
    current_step: int
    error: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    ended_at: datetime | None = None
    next_attempt_at: datetime | None = None
    attempts: list[StepAttempt] = Field(default_factory=list)

    @classmethod
    def from_proto(cls, run: workflow_pb2.Run) -> Run:
        return cls(
            id=run.id,
            definition=run.definition,
            version=run.version,
            state=PROTO_TO_RUN_STATE.get(run.state, "unknown"),
            event_id=run.event_id or None,
            event_type=run.event_type or None,
            scheduled_at=_time(run, "scheduled_time"),
            aggregate_type=run.aggregate_type or None,
            aggregate_id=run.aggregate_id or None,
            current_step=run.current_step,
            error=run.error,
            created_at=_time(run, "create_time"),
            updated_at=_time(run, "update_time"),
            ended_at=_time(run, "end_time"),
            next_attempt_at=_time(run, "next_attempt_time"),
            attempts=[StepAttempt.from_proto(a) for a in run.attempts],
        )


class RunList(BaseModel):
    items: list[Run]
    page: Page


class DefinitionStats(BaseModel):
    name: str
    version: int
    total_runs: int
    succeeded_runs: int
    failed_runs: int
    active_runs: int
    last_run: Run | None = None
