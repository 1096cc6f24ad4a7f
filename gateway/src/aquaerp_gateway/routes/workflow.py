"""/api/v1/workflows: workflow definitions (admin changes them) and their runs (office reads
them, retries failed ones)."""

from __future__ import annotations

from aquaerp.common.v1 import common_pb2
from aquaerp.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from aquaerp_runtime.authz import ADMIN, BUREAU, COMPTA
from fastapi import APIRouter, Depends, Query, Request, Response

from ..schemas import Page
from ..schemas.workflow import (
    RUN_STATE_TO_PROTO,
    Definition,
    DefinitionList,
    DefinitionStats,
    DefinitionUpsertBody,
    DefinitionUpserted,
    DefinitionValidateBody,
    Run,
    RunList,
    RunStateName,
    ValidationResult,
    Violation,
)
from ..security import require

router = APIRouter(prefix="/workflows", tags=["workflows"])
readers = Depends(require(ADMIN, BUREAU, COMPTA))
administrators = Depends(require(ADMIN))
operators = Depends(require(ADMIN, BUREAU))


def _workflow(request: Request) -> workflow_pb2_grpc.WorkflowServiceStub:
    return request.app.state.clients.stub("workflow", workflow_pb2_grpc.WorkflowServiceStub)  # type: ignore[no-any-return]


@router.get(
    "/definitions",
    response_model=DefinitionList,
    dependencies=[readers],
    summary="List workflow definitions",
)
async def list_definitions(
    request: Request,
    page_size: int = Query(default=50, ge=1, le=500),
    page_token: str = Query(default="", max_length=400),
) -> DefinitionList:
    answer = await _workflow(request).ListDefinitions(
        workflow_pb2.ListDefinitionsRequest(
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token)
        )
    )
    return DefinitionList(
        items=[Definition.from_proto(d) for d in answer.definitions],
        page=Page(next_page_token=answer.page.next_page_token),
    )


@router.post(
    "/definitions/validate",
    response_model=ValidationResult,
    dependencies=[readers],
    summary="Check a definition without storing it",
)
async def validate_definition(body: DefinitionValidateBody, request: Request) -> ValidationResult:
    answer = await _workflow(request).ValidateDefinition(
        workflow_pb2.ValidateDefinitionRequest(name=body.name, spec=body.spec.to_proto())
    )
    return ValidationResult(
        valid=answer.valid,
        violations=[Violation(field=v.field, description=v.description) for v in answer.violations],
    )


@router.get(
    "/definitions/{name:path}/stats",
    response_model=DefinitionStats,
    dependencies=[readers],
    summary="Run counts and latest run of a definition",
)
async def definition_stats(name: str, request: Request) -> DefinitionStats:
    answer = await _workflow(request).GetDefinitionStats(
        workflow_pb2.GetDefinitionStatsRequest(name=name)
    )
    return DefinitionStats(
        name=answer.name,
        version=answer.version,
        total_runs=answer.total_runs,
        succeeded_runs=answer.succeeded_runs,
        failed_runs=answer.failed_runs,
        active_runs=answer.active_runs,
        last_run=Run.from_proto(answer.last_run) if answer.HasField("last_run") else None,
    )


@router.get(
    "/definitions/{name:path}",
    response_model=Definition,
    dependencies=[readers],
    summary="Get a workflow definition",
)
async def get_definition(name: str, request: Request) -> Definition:
    return Definition.from_proto(
        await _workflow(request).GetDefinition(workflow_pb2.GetDefinitionRequest(name=name))
    )


@router.put(
    "/definitions/{name:path}",
    response_model=DefinitionUpserted,
    dependencies=[administrators],
    summary="Create or replace a workflow definition (a changed spec gets a new version)",
)
async def upsert_definition(
    name: str, body: DefinitionUpsertBody, request: Request
) -> DefinitionUpserted:
    answer = await _workflow(request).UpsertDefinition(
        workflow_pb2.UpsertDefinitionRequest(name=name, spec=body.spec.to_proto())
    )
    return DefinitionUpserted(
        definition=Definition.from_proto(answer.definition), changed=answer.changed
    )


@router.delete(
    "/definitions/{name:path}",
    status_code=204,
    dependencies=[administrators],
    summary="Delete a workflow definition (runs in progress finish)",
)
async def delete_definition(name: str, request: Request) -> Response:
    await _workflow(request).DeleteDefinition(workflow_pb2.DeleteDefinitionRequest(name=name))
    return Response(status_code=204)


@router.get(
    "/runs",
    response_model=RunList,
    dependencies=[readers],
    summary="List runs, newest first, by definition, business object or state",
)
async def list_runs(
    request: Request,
    definition: str = Query(default="", max_length=200),
    aggregate_type: str = Query(default="", max_length=100, examples=["invoice"]),
    aggregate_id: str = Query(default="", max_length=100),
    state: RunStateName | None = None,
    event_id: str = Query(default="", max_length=36),
    page_size: int = Query(default=50, ge=1, le=500),
    page_token: str = Query(default="", max_length=400),
) -> RunList:
    answer = await _workflow(request).ListRuns(
        workflow_pb2.ListRunsRequest(
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
            definition=definition,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            state=RUN_STATE_TO_PROTO[state] if state else workflow_pb2.RUN_STATE_UNSPECIFIED,
            event_id=event_id,
        )
    )
    return RunList(
        items=[Run.from_proto(r) for r in answer.runs],
        page=Page(next_page_token=answer.page.next_page_token),
    )


@router.get(
    "/runs/{run_id}",
    response_model=Run,
    dependencies=[readers],
    summary="Get a run with its step attempts",
)
async def get_run(run_id: str, request: Request) -> Run:
    return Run.from_proto(await _workflow(request).GetRun(workflow_pb2.GetRunRequest(id=run_id)))


@router.post(
    "/runs/{run_id}/retry",
    response_model=Run,
    dependencies=[operators],
    summary="Retry a failed run from the step that failed",
)
async def retry_run(run_id: str, request: Request) -> Run:
    return Run.from_proto(
        await _workflow(request).RetryRun(workflow_pb2.RetryRunRequest(id=run_id))
    )
