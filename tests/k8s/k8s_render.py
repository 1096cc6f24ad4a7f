"""Helpers of the deployment tests: tools, rendering, pod templates.

The command-line tools come from `scripts/k8s-tools` (kubectl, checkov, actionlint, hadolint,
promtool), the upstream CRDs in ../shared/k8s-crds from `scripts/k8s-crds`; a missing one is a
test failure that says how to install it, never a skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
# The services, their calls and images: one declaration (each service's ServiceSpec), read by
# the script that renders the per-service manifests.
sys.path.insert(0, str(REPO / "scripts"))
import render_services  # noqa: E402

GRPC_SERVICES = render_services.service_names()
# Upstream CRDs (reference data beside the repository; AQUAERP_K8S_CRDS points elsewhere).
SHARED_CRDS = Path(os.environ.get("AQUAERP_K8S_CRDS", REPO.parent / "shared" / "k8s-crds"))
# Every kustomization under k8s/overlays is something an operator applies.
OVERLAYS = sorted(
    str(path.parent.relative_to(K8S / "overlays"))
    for path in (K8S / "overlays").rglob("kustomization.yaml")
    if "kind: Component" not in path.read_text()
)
# kind is the end-to-end fixture (in-cluster database, throw-away credentials, plain HTTP).
DEPLOYABLE = [name for name in OVERLAYS if not name.startswith("kind")]


def tools_bin() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "aquaerp/k8s-tools"
    return Path(os.environ.get("AQUAERP_TOOLS_DIR", default)) / "bin"


def tool(name: str) -> str:
    """Path of a command-line tool: the scripts/k8s-tools directory first, then PATH."""
    candidate = tools_bin() / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: run scripts/k8s-tools", pytrace=False)
    return found


def run(*command: str, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return result


def kustomize(path: Path) -> list[dict[str, Any]]:
    output = run(tool("kubectl"), "kustomize", str(path)).stdout
    return [doc for doc in yaml.safe_load_all(output) if doc]


def key(obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    namespace = meta.get("namespace", "")
    return f"{obj['kind']}/{namespace + '/' if namespace else ''}{meta['name']}"


@dataclass(frozen=True)
class PodTemplate:
    overlay: str
    owner: dict[str, Any]
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.overlay}: {key(self.owner)}"

    @property
    def containers(self) -> list[dict[str, Any]]:
        return [*self.spec.get("initContainers", []), *self.spec["containers"]]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    kind = obj["kind"]
    if kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}:
        return obj["spec"]["template"]["spec"]  # type: ignore[no-any-return]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]  # type: ignore[no-any-return]
    if kind == "Pod":
        return obj["spec"]  # type: ignore[no-any-return]
    return None


def iter_pod_templates(renders: dict[str, list[dict[str, Any]]]) -> Iterator[PodTemplate]:
    for overlay, objects in renders.items():
        for obj in objects:
            spec = pod_spec(obj)
            if spec is not None:
                yield PodTemplate(overlay, obj, spec)


def render_all() -> dict[str, list[dict[str, Any]]]:
    """Every overlay rendered with `kubectl kustomize`, plus k8s/crds."""
    renders = {name: kustomize(K8S / "overlays" / name) for name in OVERLAYS}
    renders["crds"] = kustomize(K8S / "crds")
    return renders
