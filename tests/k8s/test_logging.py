"""The logging component as deployed: Loki keeps 30 days on Spaces, Alloy reads the aquaerp
pods' JSON logs through the API and pushes them to Loki's Service, and Grafana shows them next
to each dashboard. The generic checks (schemas, Pod Security, policies, checkov) run on the same
rendered overlays in test_manifests.py, test_pod_security.py and test_checkov.py; this module
checks that the logging objects are among them and that the pieces fit together."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from aquaerp_runtime.structured_logging import JsonFormatter
from k8s_render import K8S

DASHBOARDS = K8S / "components" / "monitoring" / "dashboards"
SERVICE_DASHBOARDS = ["gateway", "auth", "contrat", "intervention", "facture", "mailer", "workflow"]


def find(
    rendered: dict[str, list[dict[str, Any]]], overlay: str, kind: str, name: str
) -> dict[str, Any]:
    (obj,) = [
        o for o in rendered[overlay] if o["kind"] == kind and o["metadata"]["name"].startswith(name)
    ]
    return obj


def config_file(rendered: dict[str, list[dict[str, Any]]], overlay: str, name: str) -> str:
    data = find(rendered, overlay, "ConfigMap", name)["data"]
    (text,) = data.values()
    return text  # type: ignore[no-any-return]


def alloy_blocks(text: str) -> dict[str, str]:
    """Top-level Alloy components by "<kind> <label>" -> body (the config has no nested
    top-level braces inside strings)."""
    blocks: dict[str, str] = {}
    for match in re.finditer(r'^([a-z_.]+) "([^"]+)" \{', text, re.MULTILINE):
        depth, index = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        blocks[f"{match.group(1)} {match.group(2)}"] = text[match.end() : index - 1]
    return blocks


@pytest.mark.parametrize("overlay", ["production", "staging"])
def test_loki_and_alloy_are_deployed_in_their_own_restricted_namespace(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    namespace = find(rendered, overlay, "Namespace", "logging")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for name in ("loki", "alloy"):
        statefulset = find(rendered, overlay, "StatefulSet", name)
        assert statefulset["metadata"]["namespace"] == "logging"
        (container,) = statefulset["spec"]["template"]["spec"]["containers"]
        # Pinned versions mirrored into the registry, never a moving tag.
        assert re.fullmatch(
            rf"registry\.digitalocean\.com/aquaerp/grafana-{name}:v?\d+\.\d+\.\d+",
            container["image"],
        ), container["image"]
    # The kind cluster of the e2e workflow runs without it.
    assert not [o for o in rendered["kind"] if o["metadata"].get("namespace") == "logging"]


@pytest.mark.parametrize("overlay", ["production", "staging"])
def test_loki_keeps_thirty_days_on_spaces(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    config = yaml.safe_load(config_file(rendered, overlay, "loki-config"))
    assert config["limits_config"]["retention_period"] == "720h"
    assert config["limits_config"]["max_query_lookback"] == "720h"
    compactor = config["compactor"]
    assert compactor["retention_enabled"] is True
    assert compactor["delete_request_store"] == "s3"
    s3 = config["common"]["storage"]["s3"]
    assert s3["endpoint"] == "fra1.digitaloceanspaces.com"
    assert s3["bucketnames"] == "aquaerp-logs"
    # Credentials come from the environment (the loki-spaces Secret), never the file.
    assert s3["access_key_id"] == "${SPACES_ACCESS_KEY_ID}"
    assert s3["secret_access_key"] == "${SPACES_SECRET_ACCESS_KEY}"
    (schema,) = config["schema_config"]["configs"]
    assert (schema["store"], schema["schema"], schema["object_store"]) == ("tsdb", "v13", "s3")
    loki = find(rendered, overlay, "StatefulSet", "loki")["spec"]["template"]["spec"]
    assert "-config.expand-env=true" in loki["containers"][0]["args"]
    # Everything Loki writes is on its volume or /tmp (read-only root filesystem).
    mounts = {m["mountPath"] for m in loki["containers"][0]["volumeMounts"]}
    for path in (
        config["common"]["path_prefix"],
        config["ingester"]["wal"]["dir"],
        config["compactor"]["working_directory"],
    ):
        assert any(path == m or path.startswith(m + "/") for m in mounts), path


def test_alloy_reads_the_aquaerp_pods_and_pushes_to_the_loki_service(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    blocks = alloy_blocks(config_file(rendered, "production", "alloy-config"))
    assert set(blocks) == {
        "discovery.kubernetes pods",
        "discovery.relabel pods",
        "loki.source.kubernetes pods",
        "loki.process json",
        "loki.write loki",
    }
    assert 'names = ["aquaerp"]' in blocks["discovery.kubernetes pods"]
    (url,) = re.findall(r'url = "([^"]+)"', blocks["loki.write loki"])
    service = find(rendered, "production", "Service", "loki")
    (port,) = service["spec"]["ports"]
    assert url == (
        f"http://{service['metadata']['name']}.{service['metadata']['namespace']}"
        f".svc.cluster.local:{port['port']}/loki/api/v1/push"
    )
    role = find(rendered, "production", "Role", "alloy-log-reader")
    binding = find(rendered, "production", "RoleBinding", "alloy-log-reader")
    assert role["metadata"]["namespace"] == "aquaerp"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "alloy", "namespace": "logging"}
    ]


def test_alloy_parses_the_fields_the_services_log() -> None:
    """The JSON keys Alloy extracts are the ones aquaerp_runtime writes, and its timestamp
    parses as RFC 3339."""
    text = (K8S / "components" / "logging" / "alloy" / "config.alloy").read_text()
    json_stage = re.search(r"stage\.json \{\s*expressions = \{(.*?)\}", text, re.DOTALL)
    assert json_stage
    extracted = dict(re.findall(r'(\w+)\s*=\s*"(\w+)"', json_stage.group(1)))
    record = logging.LogRecord("aquaerp.facture", logging.WARNING, __file__, 1, "late", None, None)
    line = json.loads(JsonFormatter("facture").format(record))
    for key in ("ts", "level"):
        assert extracted[key] in line, key
    assert set(extracted) >= {"ts", "level", "request_id", "trace_id"}
    assert line["level"] == "warning"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["ts"]), line["ts"]
    assert datetime.fromisoformat(line["ts"]).utcoffset() is not None
    assert 'format = "RFC3339"' in text


def test_grafana_has_the_loki_data_source_and_a_logs_panel_per_dashboard(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    configmap = find(rendered, "production", "ConfigMap", "aquaerp-loki-datasource")
    assert configmap["metadata"]["namespace"] == "monitoring"
    assert configmap["metadata"]["labels"]["grafana_datasource"] == "1"
    (datasource,) = yaml.safe_load(next(iter(configmap["data"].values())))["datasources"]
    assert datasource["type"] == "loki" and datasource["uid"] == "loki"
    assert datasource["url"] == "http://loki.logging.svc.cluster.local:3100"
    # The labels the panels select on are the ones Alloy attaches.
    alloy = (K8S / "components" / "logging" / "alloy" / "config.alloy").read_text()
    attached = set(re.findall(r'target_label\s*=\s*"(\w+)"', alloy)) | {"level"}
    for name in [*SERVICE_DASHBOARDS, "overview"]:
        board = json.loads((DASHBOARDS / f"{name}.json").read_text())
        (panel,) = [p for p in board["panels"] if p["type"] == "logs"]
        assert panel["datasource"] == {"type": "loki", "uid": "loki"}, name
        (target,) = panel["targets"]
        selector = dict(re.findall(r'(\w+)=~?"([^"]*)"', target["expr"]))
        assert set(selector) <= attached, name
        assert selector["namespace"] == "aquaerp", name
        if name != "overview":
            assert selector["app"] == name, name
        # Right under the last panel, full width.
        assert panel["gridPos"]["w"] == 24
        assert panel["gridPos"]["y"] == max(
            p["gridPos"]["y"] + p["gridPos"]["h"] for p in board["panels"] if p is not panel
        )


def test_logs_are_reachable_only_along_the_pipeline(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    policies = {
        p["metadata"]["name"]: p
        for p in rendered["production"]
        if p["kind"] == "NetworkPolicy" and p["metadata"]["namespace"] == "logging"
    }
    assert {"default-deny", "allow-dns", "loki", "alloy"} <= set(policies)
    loki_ingress = policies["loki"]["spec"]["ingress"]
    alloy_peer = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "alloy"}}}
    assert any(alloy_peer in rule["from"] for rule in loki_ingress)
    assert all(port["port"] == 3100 for rule in loki_ingress for port in rule["ports"])
    alloy_egress = policies["alloy"]["spec"]["egress"]
    assert any(
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "loki"}}} in rule.get("to", [])
        for rule in alloy_egress
    )


def test_the_note_explains_the_choice() -> None:
    note = (Path(__file__).resolve().parents[2] / "docs/operations/logging.md").read_text()
    for topic in ("OpenSearch", "log forwarding", "30 days", "retention_period"):
        assert topic in note, topic
