"""Custom resources validate against the schemas that the API server will use: the Workflow
CRD of k8s/crds for our Workflows, and the upstream CRDs (../shared/k8s-crds) for Velero,
cert-manager and the Prometheus Operator."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from k8s_render import OVERLAYS, REPO, SHARED_CRDS, key

OWN_GROUPS = {"aquaerp.io"}
UPSTREAM_GROUPS = {"velero.io", "cert-manager.io", "monitoring.coreos.com"}
# Upstream kinds whose CRD may be missing from ../shared/k8s-crds (added there after the
# others): checked against it when present, here and in test_alerting.py.
LATER_UPSTREAM = {("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig")}
# The standard workflows of the design: trigger -> calls they must make, in this order
# (a definition may make more calls, e.g. to read the customer's address first).
STANDARD_WORKFLOWS = {
    "contract-activated": ("event", "contrat.contract.activated", ["intervention.GeneratePlan"]),
    "contract-terminated": (
        "event",
        "contrat.contract.terminated",
        ["intervention.CancelFutureVisits"],
    ),
    "intervention-completed": (
        "event",
        "intervention.intervention.completed",
        ["facture.InvoiceIntervention"],
    ),
    "invoice-issued": ("event", "facture.invoice.issued", ["mailer.SendInvoiceEmail"]),
    "appointment-scheduled": (
        "event",
        "intervention.visit.scheduled",
        ["mailer.SendAppointmentEmail"],
    ),
    "renewal-notice-due": (
        "event",
        "contrat.contract.renewal_notice_due",
        ["mailer.SendRenewalNotice"],
    ),
    "daily-maintenance": (
        "cron",
        "0 6 * * *",
        ["intervention.MarkOverdueVisits", "facture.RunDunning"],
    ),
    "monthly-billing": ("cron", "0 5 1 * *", ["facture.StartBillingRun"]),
}
PACKAGED_DEFINITIONS = REPO / "services/workflow/src/aquaerp_workflow/definitions"


def strict(schema: Any, *, in_junctor: bool = False) -> Any:
    """An OpenAPI v3 structural schema as JSON Schema, with unknown fields rejected (the API
    server's strict field validation, which kubectl apply uses) except where the schema
    preserves them."""
    if isinstance(schema, list):
        return [strict(item, in_junctor=in_junctor) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {}
    for name, value in schema.items():
        if name == "properties":
            result[name] = {field: strict(sub) for field, sub in value.items()}
        elif name in ("allOf", "anyOf", "oneOf", "not"):
            result[name] = strict(value, in_junctor=True)
        elif name in ("items", "additionalProperties") and isinstance(value, dict):
            result[name] = strict(value)
        else:
            result[name] = value
    if result.get("nullable") and "type" in result:
        result["type"] = [result["type"], "null"]
    if (
        not in_junctor
        and result.get("type") == "object"
        and "properties" in result
        and "additionalProperties" not in result
        and not result.get("x-kubernetes-preserve-unknown-fields")
    ):
        result["additionalProperties"] = False
    return result


def validators_from(
    crds: list[dict[str, Any]],
) -> dict[tuple[str, str], jsonschema.Draft4Validator]:
    """(apiVersion, kind) -> validator, for every served version of every CRD."""
    validators = {}
    for crd in crds:
        assert crd["kind"] == "CustomResourceDefinition"
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                schema = strict(version["schema"]["openAPIV3Schema"])
                validators[(f"{group}/{version['name']}", kind)] = jsonschema.Draft4Validator(
                    schema
                )
    return validators


def errors_of(validator: jsonschema.Draft4Validator, obj: dict[str, Any]) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(obj)
    ]


def group_of(obj: dict[str, Any]) -> str:
    return obj["apiVersion"].rpartition("/")[0]


@pytest.fixture(scope="session")
def workflow_validator(rendered: dict[str, list[dict[str, Any]]]) -> jsonschema.Draft4Validator:
    validators = validators_from(rendered["crds"])
    return validators[("aquaerp.io/v1", "Workflow")]


class CrdLoader(yaml.SafeLoader):
    """Reads a bare `=` (an enum value of the AlertmanagerConfig CRD) as the string it is,
    not as YAML 1.1's "value" tag."""


CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: node.value)


@functools.cache
def load_upstream_validators() -> dict[tuple[str, str], jsonschema.Draft4Validator]:
    crds = [
        yaml.load(path.read_text(), Loader=CrdLoader) for path in sorted(SHARED_CRDS.glob("*.yaml"))
    ]
    return validators_from(crds)


@pytest.fixture(scope="session")
def upstream_validators() -> dict[tuple[str, str], jsonschema.Draft4Validator]:
    if not SHARED_CRDS.is_dir():
        pytest.fail(f"{SHARED_CRDS} is absent: run scripts/k8s-crds", pytrace=False)
    return load_upstream_validators()


# --- Workflow ----------------------------------------------------------------------------------


def test_the_workflow_crd_matches_the_design(rendered: dict[str, list[dict[str, Any]]]) -> None:
    (crd,) = rendered["crds"]
    assert crd["metadata"]["name"] == "workflows.aquaerp.io"
    spec = crd["spec"]
    assert spec["group"] == "aquaerp.io" and spec["scope"] == "Namespaced"
    assert spec["names"]["kind"] == "Workflow" and spec["names"]["plural"] == "workflows"
    assert spec["names"]["shortNames"] == ["wf"]
    (version,) = spec["versions"]
    assert (
        version["name"] == "v1" and version["storage"] and version["subresources"] == {"status": {}}
    )
    status = version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    assert set(status) == {"observedGeneration", "accepted", "error", "version", "runs", "lastRun"}
    assert set(status["runs"]["properties"]) == {"total", "succeeded", "failed"}
    assert set(status["lastRun"]["properties"]) == {"id", "state", "time", "error"}


@pytest.mark.parametrize("overlay", ["production", "staging", "kind"])
def test_shipped_workflows_validate_against_the_crd(
    rendered: dict[str, list[dict[str, Any]]],
    workflow_validator: jsonschema.Draft4Validator,
    overlay: str,
) -> None:
    workflows = {w["metadata"]["name"]: w for w in rendered[overlay] if w["kind"] == "Workflow"}
    assert set(STANDARD_WORKFLOWS) <= set(workflows)
    for name, workflow in workflows.items():
        assert errors_of(workflow_validator, workflow) == [], name
        assert workflow["metadata"]["namespace"] == "aquaerp"
    for name, (trigger_kind, trigger, calls) in STANDARD_WORKFLOWS.items():
        spec = workflows[name]["spec"]
        assert spec["trigger"][trigger_kind] == trigger, name
        made = [step["call"] for step in spec["steps"]]
        assert [call for call in made if call in calls] == calls, f"{name}: {made}"


def test_workflow_resources_are_the_packaged_definitions(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """Locally the workflow service loads its packaged YAML; on Kubernetes the same definitions
    arrive as resources. They must not drift apart."""
    packaged = {}
    for path in sorted(PACKAGED_DEFINITIONS.glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        packaged[document["name"]] = document["spec"]
    assert packaged, f"no definitions in {PACKAGED_DEFINITIONS}"
    resources = {
        w["metadata"]["name"]: w["spec"] for w in rendered["production"] if w["kind"] == "Workflow"
    }
    assert resources == packaged


def a_workflow() -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "k8s/base/workflows/daily-maintenance.yaml"
    return yaml.safe_load(path.read_text())  # type: ignore[no-any-return]


def break_workflow(change: str) -> dict[str, Any]:
    workflow = a_workflow()
    spec = workflow["spec"]
    step = spec["steps"][0]
    if change == "both event and cron":
        spec["trigger"]["event"] = "facture.invoice.issued"
    elif change == "neither event nor cron":
        spec["trigger"] = {"timezone": "Europe/Paris"}
    elif change == "call is not service.Method":
        step["call"] = "intervention-MarkOverdueVisits"
    elif change == "call to an unknown service":
        step["call"] = "billing.MarkOverdueVisits"
    elif change == "no steps":
        del spec["steps"]
    elif change == "empty steps":
        spec["steps"] = []
    elif change == "step without call":
        del step["call"]
    elif change == "unknown field in a step":
        step["cal"] = "facture.RunDunning"
    elif change == "unknown field in spec":
        spec["triggers"] = spec["trigger"]
    elif change == "args not an object":
        step["args"] = "as_of=today"
    elif change == "zero retry attempts":
        step["retry"] = {"attempts": 0, "backoff_seconds": 10}
    elif change == "timeout as text":
        step["timeout_seconds"] = "5m"
    elif change == "bad cron":
        spec["trigger"]["cron"] = "every day"
    elif change == "bad event name":
        spec["trigger"] = {"event": "Invoice Issued"}
    elif change == "enabled as text":
        spec["enabled"] = "yes"
    else:
        raise AssertionError(change)
    return workflow


def test_args_are_free_form(workflow_validator: jsonschema.Draft4Validator) -> None:
    workflow = a_workflow()
    workflow["spec"]["steps"][0]["args"] = {"nested": {"list": [1, "two", {"three": True}]}, "n": 3}
    workflow["spec"]["enabled"] = False
    workflow["spec"]["when"] = "run.scheduled_date.weekday() < 5"
    assert errors_of(workflow_validator, workflow) == []


@pytest.mark.parametrize(
    "change",
    [
        "both event and cron",
        "neither event nor cron",
        "call is not service.Method",
        "call to an unknown service",
        "no steps",
        "empty steps",
        "step without call",
        "unknown field in a step",
        "unknown field in spec",
        "args not an object",
        "zero retry attempts",
        "timeout as text",
        "bad cron",
        "bad event name",
        "enabled as text",
    ],
)
def test_a_broken_workflow_is_rejected(
    workflow_validator: jsonschema.Draft4Validator, change: str
) -> None:
    assert errors_of(workflow_validator, break_workflow(change)), change


# --- upstream CRDs ----------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_custom_resource_has_a_schema(
    rendered: dict[str, list[dict[str, Any]]],
    workflow_validator: jsonschema.Draft4Validator,
    overlay: str,
) -> None:
    custom = {
        (o["apiVersion"], o["kind"])
        for o in rendered[overlay]
        if group_of(o) in OWN_GROUPS | UPSTREAM_GROUPS
    }
    known = {("aquaerp.io/v1", "Workflow")}
    if SHARED_CRDS.is_dir():
        known |= set(load_upstream_validators()) | LATER_UPSTREAM
        assert custom <= known, f"no schema for {sorted(custom - known)}"
    else:
        own = {c for c in custom if c[0].startswith("aquaerp.io/")}
        assert own <= known


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_upstream_custom_resources_validate(
    rendered: dict[str, list[dict[str, Any]]],
    upstream_validators: dict[tuple[str, str], jsonschema.Draft4Validator],
    overlay: str,
) -> None:
    problems = []
    for obj in rendered[overlay]:
        if group_of(obj) in UPSTREAM_GROUPS:
            kind = (obj["apiVersion"], obj["kind"])
            if kind in LATER_UPSTREAM and kind not in upstream_validators:
                continue
            validator = upstream_validators[kind]
            problems += [f"{key(obj)}: {error}" for error in errors_of(validator, obj)]
    assert not problems, "\n".join(problems)


def test_upstream_kinds_are_all_used(
    rendered: dict[str, list[dict[str, Any]]],
    upstream_validators: dict[tuple[str, str], jsonschema.Draft4Validator],
) -> None:
    used = {o["kind"] for o in rendered["production"] if group_of(o) in UPSTREAM_GROUPS}
    assert used == {
        "BackupStorageLocation",
        "Schedule",
        "ClusterIssuer",
        "PodMonitor",
        "ServiceMonitor",
        "PrometheusRule",
        "AlertmanagerConfig",
    }


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("Schedule", lambda o: o["spec"]["template"].update(ttl=720)),
        ("Schedule", lambda o: o["spec"].update(useOwnerReferences=False)),
        ("BackupStorageLocation", lambda o: o["spec"]["objectStorage"].pop("bucket")),
        ("ClusterIssuer", lambda o: o["spec"]["acme"].update(email=["ops@aquaerp.cloud"])),
        ("PrometheusRule", lambda o: o["spec"]["groups"][0]["rules"][0].update(recordd="x")),
        ("PodMonitor", lambda o: o["spec"]["podMetricsEndpoints"][0].update(interval=30)),
        ("ServiceMonitor", lambda o: o["spec"].pop("selector")),
    ],
)
def test_upstream_validation_rejects_broken_resources(
    rendered: dict[str, list[dict[str, Any]]],
    upstream_validators: dict[tuple[str, str], jsonschema.Draft4Validator],
    kind: str,
    change: Any,
) -> None:
    obj = copy.deepcopy(next(o for o in rendered["production"] if o["kind"] == kind))
    validator = upstream_validators[(obj["apiVersion"], kind)]
    assert errors_of(validator, obj) == []
    change(obj)
    assert errors_of(validator, obj), kind


def test_shipped_workflows_pass_the_workflow_service_validation(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """The workflow service checks what the schema cannot: templates, conditions, and the args
    against the called method's request message. Steps calling a service whose API is not
    generated yet are left for when it is."""
    from aquaerp_workflow import catalog
    from aquaerp_workflow.definition import parse_spec, validate

    problems = []
    for workflow in (w for w in rendered["production"] if w["kind"] == "Workflow"):
        name = workflow["metadata"]["name"]
        violations = validate(name, parse_spec(workflow["spec"]))
        for path, problem in violations.items():
            if path.startswith("steps["):
                index = int(path[len("steps[") : path.index("]")])
                service = workflow["spec"]["steps"][index]["call"].split(".")[0]
                try:
                    catalog._service_module(service)
                except Exception:
                    continue  # that service's API does not exist yet
            problems.append(f"{name}: {path}: {problem}")
    assert not problems, "\n".join(problems)
