"""The operator on a real cluster (kind): Workflow resources created, changed and deleted with
kubectl end up in the workflow service, and their status comes back. Runs in the kind CI
workflow; skipped where no cluster is reachable."""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from aquaerp.workflow.v1 import workflow_pb2
from aquaerp_runtime.testing.plugin import SERVICE_ACCOUNT_SECRET, rpc_error

from .conftest import INVOICE_EMAIL_SPEC, WorkflowStack

pytestmark = pytest.mark.kind

CRD = Path(__file__).resolve().parents[3] / "k8s" / "crds" / "workflows.aquaerp.io.yaml"


def _cluster_reachable() -> bool:
    if shutil.which("kubectl") is None:
        return False
    probe = subprocess.run(
        ["kubectl", "version", "--request-timeout=5s", "-o", "json"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0 and b"serverVersion" in probe.stdout


def kubectl(*args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        ["kubectl", *args], input=stdin, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)}: {result.stderr}")
    return result.stdout


def workflow_resource(namespace: str, name: str, spec: dict[str, Any]) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "aquaerp.io/v1",
            "kind": "Workflow",
            "metadata": {"name": name, "namespace": namespace},
            "spec": spec,
        }
    )


async def wait_for_status(namespace: str, name: str, **expected: Any) -> dict[str, Any]:
    status: dict[str, Any] = {}
    for _ in range(120):
        raw = await asyncio.to_thread(
            kubectl, "-n", namespace, "get", "workflow", name, "-o", "json"
        )
        status = json.loads(raw).get("status", {})
        if all(status.get(key) == value for key, value in expected.items()):
            return status
        await asyncio.sleep(0.5)
    raise AssertionError(f"status of {namespace}/{name} never matched {expected}: {status}")


async def test_operator_syncs_workflow_resources(
    stack: WorkflowStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kopf.testing import KopfRunner

    assert _cluster_reachable(), "no Kubernetes cluster reachable with kubectl (the kind workflow)"

    workflow = await stack.start_workflow()
    namespace = f"wf-test-{secrets.token_hex(3)}"
    await asyncio.to_thread(kubectl, "apply", "-f", str(CRD))
    await asyncio.to_thread(
        kubectl, "wait", "--for=condition=established", "crd/workflows.aquaerp.io", "--timeout=60s"
    )
    await asyncio.to_thread(kubectl, "create", "namespace", namespace)
    monkeypatch.setenv(
        "WORKFLOW_TARGETS",
        json.dumps({"auth": stack.auth.target, "workflow": workflow.running.target}),
    )
    monkeypatch.setenv("WORKFLOW_SERVICE_CLIENT_ID", "workflow")
    monkeypatch.setenv("WORKFLOW_SERVICE_CLIENT_SECRET", SERVICE_ACCOUNT_SECRET)
    monkeypatch.setenv("WORKFLOW_OPERATOR_STATUS_INTERVAL", "2")
    args = [
        "run",
        "--standalone",
        "--namespace",
        namespace,
        "-m",
        "aquaerp_workflow.operator.kopf_app",
    ]
    try:
        with KopfRunner(args, timeout=60) as runner:
            await asyncio.to_thread(
                kubectl,
                "apply",
                "-f",
                "-",
                stdin=workflow_resource(namespace, "invoice-issued", INVOICE_EMAIL_SPEC),
            )
            status = await wait_for_status(namespace, "invoice-issued", accepted=True, version=1)
            assert status["observedGeneration"] == 1
            stored = await workflow.stub.GetDefinition(
                workflow_pb2.GetDefinitionRequest(name=f"{namespace}/invoice-issued"),
                metadata=workflow.admin,
            )
            assert stored.spec.steps[0].call == "mailer.SendInvoiceEmail"

            broken = json.loads(json.dumps(INVOICE_EMAIL_SPEC))
            broken["steps"][0]["call"] = "mailer.SendInvoice"
            await asyncio.to_thread(
                kubectl,
                "apply",
                "-f",
                "-",
                stdin=workflow_resource(namespace, "invoice-issued", broken),
            )
            status = await wait_for_status(
                namespace, "invoice-issued", accepted=False, observedGeneration=2
            )
            assert "unknown method SendInvoice" in status["error"]
            assert status["version"] == 1

            await asyncio.to_thread(
                kubectl, "-n", namespace, "delete", "workflow", "invoice-issued", "--timeout=60s"
            )
            error = await rpc_error(
                workflow.stub.GetDefinition(
                    workflow_pb2.GetDefinitionRequest(name=f"{namespace}/invoice-issued"),
                    metadata=workflow.admin,
                )
            )
            assert error.code() == grpc.StatusCode.NOT_FOUND
        assert runner.exit_code == 0, runner.output
    finally:
        await asyncio.to_thread(kubectl, "delete", "namespace", namespace, "--wait=false")
