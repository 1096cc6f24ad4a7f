"""gRPC edge of the workflow service: proto <-> domain, nothing else."""

from __future__ import annotations

import json
import uuid
from typing import Any, TypeVar

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from aquaerp_runtime.convert import EnumMap, enum_map, timestamp
from aquaerp_runtime.errors import InvalidArgument
from aquaerp_runtime.paging import page_response
from google.protobuf import json_format

from .repository import AttemptRow, DefinitionRow, RunFilter, RunRow
from .service import AttemptState, RunState, WorkflowService, parse_event

S = TypeVar("S", RunState, AttemptState)
RUN_STATES = enum_map(workflow_pb2.RunState, RunState)
ATTEMPT_STATES = enum_map(workflow_pb2.AttemptState, AttemptState)


def _state(values: EnumMap[S], states: type[S], name: str) -> Any:
    """The proto value of a stored state; UNSPECIFIED for one this API does not know."""
    try:
        return values.to_proto(states(name))
    except ValueError:
        return 0


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
        create_time=timestamp(row.created_at),
        update_time=timestamp(row.updated_at),
    )


def attempt_message(row: AttemptRow) -> workflow_pb2.StepAttempt:
    return workflow_pb2.StepAttempt(
        step_index=row.step_index,
        step_name=row.step_name,
        attempt=row.attempt,
        state=_state(ATTEMPT_STATES, AttemptState, row.state),
        error_code=row.error_code,
        error=row.error,
        start_time=timestamp(row.started_at),
        end_time=timestamp(row.finished_at),
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
        state=_state(RUN_STATES, RunState, row.state),
        event_id=str(row.event_id) if row.event_id else "",
        event_type=row.event_type,
        scheduled_time=timestamp(row.scheduled_at),
        aggregate_type=row.aggregate_type,
        aggregate_id=row.aggregate_id,
        current_step=row.current_step,
        error=row.error,
        create_time=timestamp(row.created_at),
        update_time=timestamp(row.updated_at),
        end_time=timestamp(row.finished_at),
        attempts=[attempt_message(a) for a in attempts or []],
        next_attempt_time=timestamp(row.due_at) if row.state == "pending" else None,
    )


class WorkflowServicer(workflow_pb2_grpc.WorkflowServiceServicer):
    def __init__(self, service: WorkflowService) -> None:
        self.service = service

    async def Publish(
        self, request: common_pb2.PublishEventsRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.PublishEventsResponse:
        received_at = self.service.clock.now()
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
                received_at=received_at,
            )
            for index, e in enumerate(request.events)
        ]
        return common_pb2.PublishEventsResponse(accepted=await self.service.publish(events))

    async def UpsertDefinition(
        self, request: workflow_pb2.UpsertDefinitionRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.UpsertDefinitionResponse:
        row, changed = await self.service.upsert_definition(request.name, spec_data(request.spec))
        return workflow_pb2.UpsertDefinitionResponse(
            definition=definition_message(row), changed=changed
        )

    async def DeleteDefinition(
        self, request: workflow_pb2.DeleteDefinitionRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.DeleteDefinitionResponse:
        deleted = await self.service.delete_definition(
            request.name, allow_missing=request.allow_missing
        )
        return workflow_pb2.DeleteDefinitionResponse(deleted=deleted)

    async def GetDefinition(
        self, request: workflow_pb2.GetDefinitionRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.Definition:
        return definition_message(await self.service.get_definition(request.name))

    async def ListDefinitions(
        self, request: workflow_pb2.ListDefinitionsRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.ListDefinitionsResponse:
        page = await self.service.list_definitions(request.page.page_size, request.page.page_token)
        return workflow_pb2.ListDefinitionsResponse(
            definitions=[definition_message(d) for d in page.definitions],
            page=page_response(page.next_page_token),
        )

    async def ValidateDefinition(
        self, request: workflow_pb2.ValidateDefinitionRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.ValidateDefinitionResponse:
        violations = await self.service.validate_definition(request.name, spec_data(request.spec))
        return workflow_pb2.ValidateDefinitionResponse(
            valid=not violations,
            violations=[
                workflow_pb2.Violation(field=f, description=d) for f, d in violations.items()
            ],
        )

    async def GetDefinitionStats(
        self, request: workflow_pb2.GetDefinitionStatsRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.DefinitionStats:
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

    async def ListRuns(
        self, request: workflow_pb2.ListRunsRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.ListRunsResponse:
        where = RunFilter(
            definition=request.definition,
            aggregate_type=request.aggregate_type,
            aggregate_id=request.aggregate_id,
            state=state.value if (state := RUN_STATES.optional(request.state)) else "",
            event_id=_optional_uuid(request.event_id),
        )
        page = await self.service.list_runs(where, request.page.page_size, request.page.page_token)
        return workflow_pb2.ListRunsResponse(
            runs=[run_message(r) for r in page.runs],
            page=page_response(page.next_page_token),
        )

    async def GetRun(
        self, request: workflow_pb2.GetRunRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.Run:
        return run_message(*await self.service.get_run(request.id))

    async def RetryRun(
        self, request: workflow_pb2.RetryRunRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.Run:
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
