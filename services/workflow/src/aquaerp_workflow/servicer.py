"""gRPC edge of the workflow service: proto <-> domain, nothing else."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from aquaerp.common.v1 import common_pb2
from aquaerp.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from aquaerp_runtime.errors import InvalidArgument
from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from .repository import AttemptRow, DefinitionRow, RunFilter, RunRow
from .service import WorkflowService, parse_event

RUN_STATES = {
    "pending": workflow_pb2.RUN_STATE_PENDING,
    "running": workflow_pb2.RUN_STATE_RUNNING,
    "succeeded": workflow_pb2.RUN_STATE_SUCCEEDED,
    "failed": workflow_pb2.RUN_STATE_FAILED,
    "skipped": workflow_pb2.RUN_STATE_SKIPPED,
}
RUN_STATE_NAMES = {value: name for name, value in RUN_STATES.items()}
ATTEMPT_STATES = {
    "running": workflow_pb2.ATTEMPT_STATE_RUNNING,
    "succeeded": workflow_pb2.ATTEMPT_STATE_SUCCEEDED,
    "failed": workflow_pb2.ATTEMPT_STATE_FAILED,
}


def _timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def spec_data(spec: workflow_pb2.DefinitionSpec) -> dict[str, Any]:
    """A proto spec as the plain data the domain reads (the YAML / resource shape)."""
    data: dict[str, Any] = json_format.MessageToDict(spec, preserving_proto_field_name=True)
    return data


def spec_message(data: dict[str, Any]) -> workflow_pb2.DefinitionSpec:
    message = workflow_pb2.DefinitionSpec()
    json_format.ParseDict(data, message)
    return message


def definition_message(row: DefinitionRow) -> workflow_pb2.Definition:
    return workflow_pb2.Definition(
        name=row.name,
        spec=spec_message(row.spec),
        version=row.version,
        create_time=_timestamp(row.created_at),
        update_time=_timestamp(row.updated_at),
    )


def attempt_message(row: AttemptRow) -> workflow_pb2.StepAttempt:
    return workflow_pb2.StepAttempt(
        step_index=row.step_index,
        step_name=row.step_name,
        attempt=row.attempt,
        state=ATTEMPT_STATES.get(row.state, workflow_pb2.ATTEMPT_STATE_UNSPECIFIED),
        error_code=row.error_code,
        error=row.error,
        start_time=_timestamp(row.started_at),
        end_time=_timestamp(row.finished_at),
        response_json=json.dumps(row.response, ensure_ascii=False)
        if row.response is not None
        else "",
        idempotency_key=row.idempotency_key,
    )


def run_message(row: RunRow, attempts: list[AttemptRow] | None = None) -> workflow_pb2.Run:
    return workflow_pb2.Run(
        id=str(row.id),
        definition=row.definition_name,
        version=row.definition_version,
        state=RUN_STATES.get(row.state, workflow_pb2.RUN_STATE_UNSPECIFIED),
        event_id=str(row.event_id) if row.event_id else "",
        event_type=row.event_type,
        scheduled_time=_timestamp(row.scheduled_at),
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        current_step=row.current_step,
        error=row.error,
        create_time=_timestamp(row.created_at),
        update_time=_timestamp(row.updated_at),
        end_time=_timestamp(row.finished_at),
        attempts=[attempt_message(a) for a in attempts or []],
        next_attempt_time=_timestamp(row.due_at) if row.state == "pending" else None,
    )


class WorkflowServicer(workflow_pb2_grpc.WorkflowServiceServicer):
    def __init__(self, service: WorkflowService) -> None:
        self.service = service

    async def Publish(self, request, context):  # type: ignore[no-untyped-def]
        events = [
            parse_event(
                index,
                id=e.id,
                type=e.type,
                source=e.source,
                aggregate_type=e.aggregate_type,
                aggregate_id=e.aggregate_id,
                sequence=e.sequence,
                occurred_at=e.occurred_at,
                payload_json=e.payload_json,
            )
            for index, e in enumerate(request.events)
        ]
        return common_pb2.PublishEventsResponse(accepted=await self.service.publish(events))

    async def UpsertDefinition(self, request, context):  # type: ignore[no-untyped-def]
        row, changed = await self.service.upsert_definition(request.name, spec_data(request.spec))
        return workflow_pb2.UpsertDefinitionResponse(
            definition=definition_message(row), changed=changed
        )

    async def DeleteDefinition(self, request, context):  # type: ignore[no-untyped-def]
        deleted = await self.service.delete_definition(
            request.name, allow_missing=request.allow_missing
        )
        return workflow_pb2.DeleteDefinitionResponse(deleted=deleted)

    async def GetDefinition(self, request, context):  # type: ignore[no-untyped-def]
        return definition_message(await self.service.get_definition(request.name))

    async def ListDefinitions(self, request, context):  # type: ignore[no-untyped-def]
        page = await self.service.list_definitions(request.page.page_size, request.page.page_token)
        return workflow_pb2.ListDefinitionsResponse(
            definitions=[definition_message(d) for d in page.definitions],
            page=common_pb2.PageResponse(next_page_token=page.next_page_token, total_size=-1),
        )

    async def ValidateDefinition(self, request, context):  # type: ignore[no-untyped-def]
        violations = await self.service.validate_definition(request.name, spec_data(request.spec))
        return workflow_pb2.ValidateDefinitionResponse(
            valid=not violations,
            violations=[
                workflow_pb2.Violation(field=f, description=d) for f, d in violations.items()
            ],
        )

    async def GetDefinitionStats(self, request, context):  # type: ignore[no-untyped-def]
        result = await self.service.definition_stats(request.name)
        return workflow_pb2.DefinitionStats(
            name=result.definition.name,
            version=result.definition.version,
            total_runs=result.stats.total,
            succeeded_runs=result.stats.succeeded,
            failed_runs=result.stats.failed,
            active_runs=result.stats.active,
            last_run=run_message(result.last_run) if result.last_run else None,
        )

    async def ListRuns(self, request, context):  # type: ignore[no-untyped-def]
        where = RunFilter(
            definition=request.definition,
            aggregate_type=request.aggregate_type,
            aggregate_id=request.aggregate_id,
            state=RUN_STATE_NAMES.get(request.state, "") if request.state else "",
            event_id=_optional_uuid(request.event_id),
        )
        page = await self.service.list_runs(where, request.page.page_size, request.page.page_token)
        return workflow_pb2.ListRunsResponse(
            runs=[run_message(r) for r in page.runs],
            page=common_pb2.PageResponse(next_page_token=page.next_page_token, total_size=-1),
        )

    async def GetRun(self, request, context):  # type: ignore[no-untyped-def]
        return run_message(*await self.service.get_run(request.id))

    async def RetryRun(self, request, context):  # type: ignore[no-untyped-def]
        return run_message(*await self.service.retry_run(request.id))


def _optional_uuid(value: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument(
            "event_id must be a UUID", fields={"event_id": "must be a UUID"}
        ) from None
