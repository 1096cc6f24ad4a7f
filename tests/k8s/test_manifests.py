"""Every overlay renders, every core object is valid for a recent Kubernetes, and the
availability, shutdown and network rules hold for every workload."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from k8s_render import DEPLOYABLE, GRPC_SERVICES, OVERLAYS, REPO, PodTemplate, key, render_services

# The Kubernetes version the manifests target (DOKS' current minor).
KUBERNETES_VERSION = "1.35.0"
CUSTOM_GROUPS = ("aquaerp.io", "velero.io", "cert-manager.io", "monitoring.coreos.com")
# Who calls whom over gRPC (port 50051): what each ServiceSpec declares in `calls` plus the
# platform's calls (auth for tokens, workflow for events), the gateway to every service, and
# the operator. Everything else is refused.
CALLS = {
    **{s.name: set(s.calls) for s in render_services.load_services()},
    "gateway": set(GRPC_SERVICES),
    "workflow-operator": {"workflow", "auth"},
    "web": set(),
}


def objects(
    rendered: dict[str, list[dict[str, Any]]], overlay: str, kind: str
) -> list[dict[str, Any]]:
    return [obj for obj in rendered[overlay] if obj["kind"] == kind]


def is_core(obj: dict[str, Any]) -> bool:
    group = obj["apiVersion"].rpartition("/")[0]
    return group not in CUSTOM_GROUPS


def validate_core(obj: dict[str, Any]) -> str | None:
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(part) for part in error.path)
        return f"{key(obj)}: {path}: {error.message}"
    except kubernetes_validate.SchemaNotFoundError as error:
        return f"{key(obj)}: {error.message}"
    return None


def labels_match(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    for name, value in selector.get("matchLabels", {}).items():
        if labels.get(name) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        present = expression["key"] in labels
        value = labels.get(expression["key"])
        operator = expression["operator"]
        if operator == "In" and value not in expression["values"]:
            return False
        if operator == "NotIn" and value in expression["values"]:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def template_labels(obj: dict[str, Any]) -> dict[str, str]:
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]  # type: ignore[no-any-return]
    return obj["spec"]["template"]["metadata"]["labels"]  # type: ignore[no-any-return]


# --- rendering and schema validation ---------------------------------------------------------


def test_every_overlay_renders(rendered: dict[str, list[dict[str, Any]]]) -> None:
    assert {"production", "staging", "kind"} <= set(OVERLAYS)
    for overlay in OVERLAYS:
        assert rendered[overlay], f"{overlay} renders nothing"
    for overlay in ["production", "staging"]:
        kinds = {obj["kind"] for obj in rendered[overlay]}
        assert {
            "Namespace",
            "Deployment",
            "Service",
            "PodDisruptionBudget",
            "HorizontalPodAutoscaler",
            "NetworkPolicy",
            "Ingress",
            "Workflow",
            "PodMonitor",
            "ServiceMonitor",
            "PrometheusRule",
            "CronJob",
            "Schedule",
            "BackupStorageLocation",
            "ClusterIssuer",
        } <= kinds, f"{overlay} misses kinds"


@pytest.mark.parametrize("overlay", [*OVERLAYS, "crds"])
def test_core_objects_are_valid_kubernetes(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    errors = [error for obj in rendered[overlay] if is_core(obj) and (error := validate_core(obj))]
    assert not errors, "\n".join(errors)


def test_strict_validation_rejects_unknown_fields(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    deployment = copy.deepcopy(objects(rendered, "production", "Deployment")[0])
    assert validate_core(deployment) is None
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    error = validate_core(deployment)
    assert error is not None and "imagePullPolicyy" in error


def test_no_object_is_declared_twice(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for overlay in OVERLAYS:
        keys = [key(obj) for obj in rendered[overlay]]
        assert len(keys) == len(set(keys)), overlay


# --- availability ------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", ["production", "staging", "kind"])
def test_deployments_have_two_replicas_a_pdb_and_an_hpa(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    deployments = objects(rendered, overlay, "Deployment")
    assert {d["metadata"]["name"] for d in deployments} >= {
        *GRPC_SERVICES,
        "gateway",
        "web",
        "workflow-operator",
    }
    budgets = objects(rendered, overlay, "PodDisruptionBudget")
    autoscalers = objects(rendered, overlay, "HorizontalPodAutoscaler")
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        labels = template_labels(deployment)
        if name == "workflow-operator":
            # One operator at a time: kopf runs --standalone, without peering.
            assert deployment["spec"]["replicas"] == 1
            assert deployment["spec"]["strategy"]["type"] == "Recreate"
            continue
        assert deployment["spec"]["replicas"] >= 2, name
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name
        matching = [b for b in budgets if labels_match(b["spec"]["selector"], labels)]
        assert len(matching) == 1, f"{name}: {len(matching)} PodDisruptionBudgets"
        assert matching[0]["spec"]["minAvailable"] == 1, name
        scaling = [a for a in autoscalers if a["spec"]["scaleTargetRef"]["name"] == name]
        assert len(scaling) == 1, f"{name}: no HorizontalPodAutoscaler"
        assert scaling[0]["spec"]["minReplicas"] >= 2, name
        assert scaling[0]["spec"]["metrics"][0]["resource"]["name"] == "cpu", name
        spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert spread[0]["topologyKey"] == "kubernetes.io/hostname", name


def test_probe_ports_are_numeric_and_declared(pod_templates: list[PodTemplate]) -> None:
    checked = 0
    for template in pod_templates:
        for container in template.containers:
            declared = {port["containerPort"] for port in container.get("ports", [])}
            for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
                probe = container.get(probe_name)
                if not probe:
                    continue
                handler = probe.get("grpc") or probe.get("httpGet") or probe.get("tcpSocket")
                if handler is None:
                    continue  # exec probes have no port
                port = handler["port"]
                where = f"{template.name} {container['name']} {probe_name}"
                assert isinstance(port, int), f"{where}: port {port!r} is not a number"
                assert port in declared, f"{where}: port {port} is not a container port"
                checked += 1
    assert checked >= 3 * 9


def test_grpc_services_use_native_grpc_probes(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for deployment in objects(rendered, "production", "Deployment"):
        if deployment["metadata"]["name"] not in GRPC_SERVICES:
            continue
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"]["port"] == 50051, deployment["metadata"]["name"]


def env_settings(template: PodTemplate, configmaps: dict[str, dict[str, str]]) -> dict[str, str]:
    """The plain environment of the first container: envFrom ConfigMaps, then literal values."""
    container = template.spec["containers"][0]
    settings: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            settings.update(configmaps[source["configMapRef"]["name"]])
    for variable in container.get("env", []):
        if "value" in variable:
            settings[variable["name"]] = variable["value"]
    return settings


@pytest.mark.parametrize("overlay", ["production", "staging", "kind"])
def test_prestop_and_drain_fit_in_the_termination_grace_period(
    rendered: dict[str, list[dict[str, Any]]], pod_templates: list[PodTemplate], overlay: str
) -> None:
    configmaps = {
        c["metadata"]["name"]: c.get("data", {}) for c in objects(rendered, overlay, "ConfigMap")
    }
    checked = []
    for template in pod_templates:
        if template.overlay != overlay or template.owner["kind"] != "Deployment":
            continue
        name = template.owner["metadata"]["name"]
        container = template.spec["containers"][0]
        grace_period = template.spec["terminationGracePeriodSeconds"]
        if name == "workflow-operator":
            continue
        pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        if name == "web":
            # nginx drains on SIGQUIT; only the preStop sleep comes before it.
            assert pre_stop < grace_period
            checked.append(name)
            continue
        settings = env_settings(template, configmaps)
        prefix = name.upper()
        drain = float(settings[f"{prefix}_DRAIN_DELAY"])
        grace = float(settings[f"{prefix}_SHUTDOWN_GRACE"])
        assert pre_stop + drain + grace < grace_period, (
            f"{name}: preStop {pre_stop} + drain {drain} + grace {grace} >= {grace_period}"
        )
        checked.append(name)
    assert sorted(checked) == sorted([*GRPC_SERVICES, "gateway", "web"])


def test_grpc_services_have_a_service_and_a_headless_service(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    services = {s["metadata"]["name"]: s for s in objects(rendered, "production", "Service")}
    deployments = {d["metadata"]["name"]: d for d in objects(rendered, "production", "Deployment")}
    for name in GRPC_SERVICES:
        labels = template_labels(deployments[name])
        for service_name in (name, f"{name}-headless"):
            service = services[service_name]
            assert labels_match({"matchLabels": service["spec"]["selector"]}, labels), service_name
            assert service["spec"]["ports"] == [
                {
                    "name": "grpc",
                    "port": 50051,
                    "targetPort": "grpc",
                    "protocol": "TCP",
                    "appProtocol": "kubernetes.io/h2c",
                }
            ], service_name
        assert services[f"{name}-headless"]["spec"]["clusterIP"] == "None"
        ports = {
            p["name"]: p["containerPort"]
            for p in deployments[name]["spec"]["template"]["spec"]["containers"][0]["ports"]
        }
        assert ports == {"grpc": 50051, "metrics": 9102}, name


def test_configuration_references_resolve_and_secrets_are_documented(
    rendered: dict[str, list[dict[str, Any]]], pod_templates: list[PodTemplate]
) -> None:
    documentation = (REPO / "docs" / "deployment.md").read_text()
    problems = []
    for template in pod_templates:
        present = {
            (obj["kind"], obj["metadata"]["name"]): obj.get("data", {})
            for obj in rendered[template.overlay]
            if obj["kind"] in ("ConfigMap", "Secret")
        }
        for container in template.containers:
            for source in container.get("envFrom", []):
                if (
                    "configMapRef" in source
                    and ("ConfigMap", source["configMapRef"]["name"]) not in present
                ):
                    problems.append(
                        f"{template.name}: no ConfigMap {source['configMapRef']['name']}"
                    )
            for variable in container.get("env", []):
                reference = variable.get("valueFrom", {})
                if "configMapKeyRef" in reference:
                    ref = reference["configMapKeyRef"]
                    if ref["key"] not in present.get(("ConfigMap", ref["name"]), {}):
                        problems.append(
                            f"{template.name}: no ConfigMap key {ref['name']}/{ref['key']}"
                        )
                if "secretKeyRef" in reference:
                    ref = reference["secretKeyRef"]
                    if ("Secret", ref["name"]) in present:
                        if ref["key"] not in present[("Secret", ref["name"])]:
                            problems.append(
                                f"{template.name}: no Secret key {ref['name']}/{ref['key']}"
                            )
                    elif not re.search(
                        rf"`{re.escape(ref['name'])}`[^\n]*`{re.escape(ref['key'])}`", documentation
                    ):
                        problems.append(
                            f"{template.name}: Secret {ref['name']} key {ref['key']}"
                            " not in docs/deployment.md"
                        )
    assert not problems, "\n".join(sorted(set(problems)))


# --- network ----------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_namespace_denies_by_default_and_allows_dns(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    # migrations/ and prerequisites/ are applied into the namespace of their parent overlay.
    parent = overlay.split("/")[0]
    policies = objects(rendered, parent, "NetworkPolicy") + (
        objects(rendered, overlay, "NetworkPolicy") if overlay != parent else []
    )
    namespaces = {obj["metadata"]["name"] for obj in objects(rendered, overlay, "Namespace")}
    namespaces |= {
        obj["metadata"]["namespace"]
        for obj in rendered[overlay]
        if obj["kind"] in ("Deployment", "StatefulSet", "Job", "CronJob")
    }
    assert namespaces, overlay
    for namespace in namespaces:
        local = [p for p in policies if p["metadata"]["namespace"] == namespace]
        deny = [
            p
            for p in local
            if p["spec"]["podSelector"] == {}
            and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
            and not p["spec"].get("ingress")
            and not p["spec"].get("egress")
        ]
        assert deny, f"{overlay}: namespace {namespace} has no default-deny policy"
        dns = [
            p
            for p in local
            if p["spec"]["podSelector"] == {}
            and any(
                {(port["port"], port["protocol"]) for port in rule.get("ports", [])}
                >= {(53, "UDP"), (53, "TCP")}
                and any(
                    peer.get("podSelector", {}).get("matchLabels", {}).get("k8s-app") == "kube-dns"
                    for peer in rule["to"]
                )
                for rule in p["spec"].get("egress", [])
            )
        ]
        assert dns, f"{overlay}: namespace {namespace} does not allow DNS"


def allowed_calls(
    rendered: dict[str, list[dict[str, Any]]], overlay: str, port: int = 50051
) -> set[tuple[str, str]]:
    """(caller, callee) pairs that both the caller's egress and the callee's ingress allow."""
    policies = [
        p
        for p in objects(rendered, overlay, "NetworkPolicy")
        if p["metadata"]["namespace"] == "aquaerp"
    ]
    workloads = {
        obj["metadata"]["name"]: template_labels(obj)
        for obj in rendered[overlay]
        if obj["kind"] in ("Deployment", "StatefulSet", "CronJob", "Job")
    }

    def rule_allows(rule: dict[str, Any], peers_key: str, peer: str) -> bool:
        ports = rule.get("ports")
        if ports and not any(p.get("port") == port for p in ports):
            return False
        return any(
            "namespaceSelector" not in entry
            and "ipBlock" not in entry
            and labels_match(entry.get("podSelector", {}), workloads[peer])
            for entry in rule.get(peers_key, [])
        )

    def allows(direction: str, workload: str, peer: str) -> bool:
        peers_key = "to" if direction == "egress" else "from"
        return any(
            labels_match(p["spec"]["podSelector"], workloads[workload])
            and any(rule_allows(rule, peers_key, peer) for rule in p["spec"].get(direction, []))
            for p in policies
        )

    return {
        (caller, callee)
        for caller in workloads
        for callee in workloads
        if allows("egress", caller, callee) and allows("ingress", callee, caller)
    }


@pytest.mark.parametrize("overlay", ["production", "staging", "kind"])
def test_network_policies_allow_exactly_the_calls_between_services(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    expected = {(caller, callee) for caller, callees in CALLS.items() for callee in callees}
    assert allowed_calls(rendered, overlay) == expected


def test_the_call_graph_check_sees_missing_and_extra_paths(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    changed = copy.deepcopy(rendered)
    policies = {p["metadata"]["name"]: p for p in objects(changed, "production", "NetworkPolicy")}
    policies["mailer"]["spec"]["ingress"] = []
    policies["contrat"]["spec"]["egress"][0]["to"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "facture"}}}
    )
    policies["facture"]["spec"]["ingress"][0]["from"].append(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "contrat"}}}
    )
    allowed = allowed_calls(changed, "production")
    assert ("gateway", "mailer") not in allowed and ("workflow", "mailer") not in allowed
    assert ("contrat", "facture") in allowed


def test_gateway_and_web_accept_only_ingress_nginx(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    policies = {p["metadata"]["name"]: p for p in objects(rendered, "production", "NetworkPolicy")}
    for name, port in (("gateway", 8000), ("web", 8080)):
        (rule,) = policies[name]["spec"]["ingress"]
        assert rule["ports"] == [{"port": port, "protocol": "TCP"}]
        (peer,) = rule["from"]
        assert peer["namespaceSelector"]["matchLabels"] == {
            "kubernetes.io/metadata.name": "ingress-nginx"
        }
    smtp = [
        rule
        for rule in policies["mailer"]["spec"]["egress"]
        if any(p["port"] == 587 for p in rule.get("ports", []))
    ]
    assert smtp, "mailer cannot reach SMTP"


# --- entry, images, backups ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overlay", "host"), [("production", "aquaerp.cloud"), ("staging", "staging.aquaerp.cloud")]
)
def test_ingress_routes_api_to_gateway_and_the_rest_to_web(
    rendered: dict[str, list[dict[str, Any]]], overlay: str, host: str
) -> None:
    (ingress,) = objects(rendered, overlay, "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt-production"
    assert int(annotations["nginx.ingress.kubernetes.io/limit-rps"]) > 0
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"].endswith("m")
    assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": "aquaerp-tls"}]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == host
    routes = {p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
    assert routes == {
        "/api": "gateway",
        "/openapi.json": "gateway",
        "/.well-known": "gateway",
        "/": "web",
    }
    issuers = {i["metadata"]["name"] for i in objects(rendered, overlay, "ClusterIssuer")}
    assert "letsencrypt-production" in issuers


@pytest.mark.parametrize("overlay", DEPLOYABLE)
def test_deployable_images_come_from_the_registry(
    pod_templates: list[PodTemplate], overlay: str
) -> None:
    images = [c["image"] for t in pod_templates if t.overlay == overlay for c in t.containers]
    assert images
    for image in images:
        assert image.startswith("registry.digitalocean.com/aquaerp/"), image
        assert not image.endswith(":latest") and ":" in image.rpartition("/")[2], image


def test_velero_schedules_back_up_the_namespace_to_both_regions(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for overlay in ("production", "staging"):
        locations = {
            b["metadata"]["name"]: b for b in objects(rendered, overlay, "BackupStorageLocation")
        }
        assert {b["spec"]["config"]["region"] for b in locations.values()} == {"fra1", "ams3"}
        schedules = objects(rendered, overlay, "Schedule")
        assert {s["spec"]["template"]["storageLocation"] for s in schedules} == set(locations)
        for schedule in schedules:
            assert schedule["metadata"]["namespace"] == "velero"
            assert schedule["metadata"]["name"].startswith(
                "aquaerp-"
            )  # matched by VeleroBackupTooOld
            assert schedule["spec"]["useOwnerReferencesInBackup"] is False
            template = schedule["spec"]["template"]
            assert template["includedNamespaces"] == ["aquaerp"]
            assert template["ttl"] == "720h0m0s"  # 30 days, the dumps' lifecycle rule
            assert "secrets" not in template.get("excludedResources", [])
        prefixes = {b["spec"]["objectStorage"]["prefix"] for b in locations.values()}
        assert prefixes == {overlay}


def test_database_dump_runs_nightly_and_the_alert_watches_it(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for overlay in ("production", "staging"):
        (cronjob,) = objects(rendered, overlay, "CronJob")
        assert cronjob["metadata"]["name"] == "aquaerp-db-backup"
        assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
        assert cronjob["spec"]["timeZone"] == "Europe/Paris"
        day_of_month, month, day_of_week = cronjob["spec"]["schedule"].split()[2:]
        assert (day_of_month, month, day_of_week) == ("*", "*", "*")
        (rules,) = objects(rendered, overlay, "PrometheusRule")
        expressions = [r.get("expr", "") for g in rules["spec"]["groups"] for r in g["rules"]]
        assert any('cronjob="aquaerp-db-backup"' in e and "26 * 3600" in e for e in expressions)
        config = next(
            c
            for c in objects(rendered, overlay, "ConfigMap")
            if c["metadata"]["name"].startswith("db-backup-config")
        )
        assert config["data"]["BACKUP_PRIMARY"].startswith("fra1:")
        assert config["data"]["BACKUP_OFFSITE"].startswith("ams3:")
        assert config["data"]["BACKUP_PREFIX"] == overlay


def test_migrations_job_migrates_every_service_before_the_gateway(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for overlay in ("production/migrations", "staging/migrations", "kind/migrations"):
        (job,) = objects(rendered, overlay, "Job")
        spec = job["spec"]["template"]["spec"]
        steps = [(c["name"], c["args"]) for c in [*spec["initContainers"], *spec["containers"]]]
        assert steps == [(name, ["migrate"]) for name in [*GRPC_SERVICES, "gateway"]]
        assert steps[0][0] == "auth"


def test_workflow_operator_rbac_is_least_privilege(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    roles = objects(rendered, "production", "Role")
    assert not objects(rendered, "production", "ClusterRole")
    (role,) = [r for r in roles if r["metadata"]["name"] == "workflow-operator"]
    rules = {(tuple(r["apiGroups"]), tuple(r["resources"])): set(r["verbs"]) for r in role["rules"]}
    assert rules == {
        (("aquaerp.io",), ("workflows",)): {"get", "list", "watch", "patch"},
        (("aquaerp.io",), ("workflows/status",)): {"get", "patch"},
        (("",), ("events",)): {"create"},
    }
    (binding,) = [
        b
        for b in objects(rendered, "production", "RoleBinding")
        if b["metadata"]["name"] == "workflow-operator"
    ]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "workflow-operator", "namespace": "aquaerp"}
    ]
    operator = next(
        d
        for d in objects(rendered, "production", "Deployment")
        if d["metadata"]["name"] == "workflow-operator"
    )
    args = operator["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--standalone" in args


def test_only_the_operator_mounts_a_service_account_token(pod_templates: list[PodTemplate]) -> None:
    # The API's clients: the workflow operator, and Alloy reading pod logs (logging component).
    api_clients = {("aquaerp", "workflow-operator"), ("logging", "alloy")}
    for template in pod_templates:
        mounted = template.spec.get("automountServiceAccountToken", True)
        owner = template.owner["metadata"]
        is_client = (owner.get("namespace"), owner["name"]) in api_clients
        assert mounted == is_client, template.name


def test_alloy_only_reads_pods_and_their_logs(rendered: dict[str, list[dict[str, Any]]]) -> None:
    for overlay in ("production", "staging"):
        (role,) = [
            r
            for r in objects(rendered, overlay, "Role")
            if r["metadata"]["name"] == "alloy-log-reader"
        ]
        assert role["metadata"]["namespace"] == "aquaerp"
        rules = {
            (tuple(r["apiGroups"]), tuple(r["resources"])): set(r["verbs"]) for r in role["rules"]
        }
        assert rules == {
            (("",), ("pods",)): {"get", "list", "watch"},
            (("",), ("pods/log",)): {"get"},
        }


def test_kind_overlay_is_the_only_one_with_inline_secrets(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for overlay in OVERLAYS:
        secrets = objects(rendered, overlay, "Secret")
        if overlay.startswith("kind"):
            continue
        assert not secrets, f"{overlay} declares Secrets: {[key(s) for s in secrets]}"


def test_docs_describe_each_overlay() -> None:
    text = (REPO / "docs" / "deployment.md").read_text()
    for overlay in OVERLAYS:
        assert f"k8s/overlays/{overlay}" in text, overlay
    assert Path(REPO / "docs" / "operations" / "restore-drill.md").exists()


def test_workflow_definitions_come_only_from_the_workflow_resources(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    """The workflow service must not load its packaged YAML at start on Kubernetes: that would
    overwrite an operator's edit of a Workflow resource on every restart."""
    for overlay in ("production", "staging", "kind"):
        config = next(
            c
            for c in objects(rendered, overlay, "ConfigMap")
            if c["metadata"]["name"].startswith("workflow-config")
        )
        assert config["data"]["WORKFLOW_DEFINITIONS_DIR"] == ""
