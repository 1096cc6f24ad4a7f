"""What the operator does for a Workflow resource, as plain async functions over the workflow
service API (kopf only wires them to resource changes, in `kopf_app`).

The definition's name in the workflow service is "<namespace>/<resource name>". A spec the
service refuses is reported in status (accepted: false, error) and not retried: only an edit
can fix it; the previously accepted version, if any, keeps running meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

import grpc
import kopf
from aquaerp.workflow.v1 import workflow_pb2
from google.protobuf import json_format

from .client import WorkflowApi

RUN_STATE_NAMES = {
    workflow_pb2.RUN_STATE_PENDING: "Pending",
    workflow_pb2.RUN_STATE_RUNNING: "Running",
    workflow_pb2.RUN_STATE_SUCCEEDED: "Succeeded",
    workflow_pb2.RUN_STATE_FAILED: "Failed",
    workflow_pb2.RUN_STATE_SKIPPED: "Skipped",
}
# Failures worth trying again later (the workflow service restarting, a network blip).
TRANSIENT_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
    }
)
RETRY_DELAY = 15.0


def definition_name(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"


def _retry_later(error: grpc.aio.AioRpcError) -> kopf.TemporaryError:
    return kopf.TemporaryError(
        f"workflow service: {error.code().name}: {error.details()}", delay=RETRY_DELAY
    )


async def apply_workflow(
    api: WorkflowApi, *, namespace: str, name: str, spec: Mapping[str, Any], generation: int
) -> dict[str, Any]:
    """Upserts the resource's spec (idempotent: an unchanged spec keeps its version) and
    returns the status fields describing the outcome."""
    status: dict[str, Any] = {"observedGeneration": generation}
    try:
        message = json_format.ParseDict(dict(spec), workflow_pb2.DefinitionSpec())
    except json_format.ParseError as error:
        return {**status, "accepted": False, "error": f"invalid spec: {error}"}
    try:
        answer = await api.stub.UpsertDefinition(
            workflow_pb2.UpsertDefinitionRequest(
                name=definition_name(namespace, name), spec=message
            )
        )
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
            return {**status, "accepted": False, "error": error.details() or "invalid spec"}
        if error.code() in TRANSIENT_CODES:
            raise _retry_later(error) from None
        raise kopf.PermanentError(
            f"workflow service: {error.code().name}: {error.details()}"
        ) from None
    return {**status, "accepted": True, "error": "", "version": answer.definition.version}


async def remove_workflow(api: WorkflowApi, *, namespace: str, name: str) -> bool:
    """Deletes the definition (nothing to do if the service never accepted it)."""
    try:
        answer = await api.stub.DeleteDefinition(
            workflow_pb2.DeleteDefinitionRequest(
                name=definition_name(namespace, name), allow_missing=True
            )
        )
    except grpc.aio.AioRpcError as error:
        raise _retry_later(error) from None
    return bool(answer.deleted)


async def workflow_status(api: WorkflowApi, *, namespace: str, name: str) -> dict[str, Any]:
    """Run counts and the latest run, as status fields (empty when the service does not hold
    this definition, e.g. it was never accepted)."""
    try:
        stats = await api.stub.GetDefinitionStats(
            workflow_pb2.GetDefinitionStatsRequest(name=definition_name(namespace, name))
        )
    except grpc.aio.AioRpcError as error:
        if error.code() == grpc.StatusCode.NOT_FOUND:
            return {}
        raise _retry_later(error) from None
    status: dict[str, Any] = {
        "version": stats.version,
        "runs": {
            "total": stats.total_runs,
            "succeeded": stats.succeeded_runs,
            "failed": stats.failed_runs,
        },
    }
    if stats.HasField("last_run"):
        run = stats.last_run
        status["lastRun"] = {
            "id": run.id,
            "state": RUN_STATE_NAMES.get(run.state, "Unknown"),
            "time": run.update_time.ToDatetime(tzinfo=UTC).isoformat().replace("+00:00", "Z"),
            "error": run.error,
        }
    return status
