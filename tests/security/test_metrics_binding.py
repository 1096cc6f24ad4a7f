"""D14: a service's /metrics listens on the loopback unless told otherwise (a workstation's
metrics are nobody else's business); the Kubernetes configs open it to Prometheus."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from aquaerp_runtime.metrics import serve_metrics
from aquaerp_runtime.service import load_service, service_names

from .auth_fixtures import free_port

K8S_SERVICES = Path(__file__).resolve().parents[2] / "k8s" / "base" / "services"


def test_metrics_bind_the_loopback_by_default() -> None:
    hosts = {name: load_service(name).load_settings().metrics_host for name in service_names()}
    assert set(hosts.values()) == {"127.0.0.1"}, hosts
    port = free_port()
    server = serve_metrics(port, hosts["auth"])
    assert server is not None
    try:
        assert server.server_address[0] == "127.0.0.1"
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert response.status_code == 200 and "grpc_server_handled_total" in response.text
    finally:
        server.shutdown()
        server.server_close()


def test_kubernetes_opens_metrics_to_the_pod_network() -> None:
    configs = sorted(K8S_SERVICES.glob("*/config.env"))
    assert {path.parent.name for path in configs} == set(service_names())
    for path in configs:
        assert re.search(r"^[A-Z]+_METRICS_HOST=0\.0\.0\.0$", path.read_text(), re.M), path
