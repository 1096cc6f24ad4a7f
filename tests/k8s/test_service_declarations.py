"""Every per-service file of the deployment is rendered from the services' declarations, and
adding a service takes the README's steps and nothing else."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_render import GRPC_SERVICES, K8S, REPO, kustomize, render_services, run

SERVICE_FOLDER = {"kustomization.yaml", "config.env", "networkpolicy.yaml"}


def test_rendered_files_are_up_to_date() -> None:
    stale = [str(path.relative_to(REPO)) for path in render_services.stale()]
    assert stale == [], "stale, run: uv run python scripts/render_services.py"


def test_each_service_folder_keeps_only_its_kustomization_config_and_policy() -> None:
    folders = {p.name: p for p in (K8S / "base" / "services").iterdir() if p.is_dir()}
    assert sorted(folders) == sorted(GRPC_SERVICES)
    for name, folder in folders.items():
        assert {p.name for p in folder.iterdir()} == SERVICE_FOLDER, name
        text = (folder / "kustomization.yaml").read_text()
        assert "../../../components/grpc-service" in text, name


def test_the_declarations_read_from_source_are_the_installed_specs() -> None:
    """The script reads each ServiceSpec without importing it; the imported spec agrees."""
    from aquaerp_runtime.service import load_service, service_names

    assert sorted(service_names()) == sorted(GRPC_SERVICES)
    for read in render_services.load_services():
        spec = load_service(read.name)
        assert f"{read.env_prefix}_" == spec.env_prefix
        assert set(spec.calls) <= set(read.calls)
        assert set(read.calls) - set(spec.calls) <= set(render_services.PLATFORM_CALLS)


def test_rollouts_never_drop_below_the_wanted_replicas(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    deployments = {
        d["metadata"]["name"]: d for d in rendered["production"] if d["kind"] == "Deployment"
    }
    for name in GRPC_SERVICES:
        spec = deployments[name]["spec"]
        assert spec["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}, name
        container = spec["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["grpc"]["port"] == 50051, name


# --- adding a service, as the README says --------------------------------------------------


def readme_steps() -> list[str]:
    """The numbered steps of the README's "Adding a service" section."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Adding a service", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\d+\. (.*(?:\n   .*)*)", section, re.MULTILINE)


def copy_repository(target: Path) -> None:
    """What the steps touch: protos, scripts, services' sources, Kubernetes manifests."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", ".venv", "node_modules")
    for part in ("protos", "scripts", "k8s", "services"):
        shutil.copytree(REPO / part, target / part, ignore=ignore)
    (target / "libs" / "aquaerp-proto" / "src").mkdir(parents=True)


def test_the_readme_has_at_most_five_steps_to_add_a_service() -> None:
    steps = readme_steps()
    assert 1 <= len(steps) <= 5, steps
    assert "scripts/new_service.py" in steps[0]


def test_adding_a_service_takes_the_readme_steps(tmp_path: Path) -> None:
    """Step 1 in a copy of the repository, then the proto generation of step 2: the new
    service has its Deployment, Services, NetworkPolicy, image and migration step."""
    copy_repository(tmp_path)
    python = sys.executable
    run(python, "scripts/new_service.py", "piscine", "--calls", "contrat", cwd=tmp_path)
    run(python, "scripts/gen_protos.py", cwd=tmp_path)
    assert (tmp_path / "libs/aquaerp-proto/src/aquaerp/piscine/v1/piscine_pb2_grpc.py").exists()
    assert run(python, "scripts/render_services.py", "--check", cwd=tmp_path).returncode == 0

    objects = {
        (obj["kind"], obj["metadata"]["name"]): obj
        for obj in kustomize(tmp_path / "k8s" / "overlays" / "production")
    }
    deployment = objects["Deployment", "piscine"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == f"{render_services.REGISTRY}/piscine:main"
    assert container["envFrom"][0]["configMapRef"]["name"].startswith("piscine-config-")
    env = {e["name"]: e for e in container["env"]}
    assert env["PISCINE_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "aquaerp-piscine"
    for kind, name in [
        ("Service", "piscine"),
        ("Service", "piscine-headless"),
        ("PodDisruptionBudget", "piscine"),
        ("HorizontalPodAutoscaler", "piscine"),
        ("ServiceAccount", "piscine"),
    ]:
        assert (kind, name) in objects
    policy = objects["NetworkPolicy", "piscine"]["spec"]
    callees = {
        p["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in policy["egress"][0]["to"]
    }
    assert callees == {"auth", "contrat", "workflow"}
    callers = {
        p["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for p in policy["ingress"][0]["from"]
    }
    assert callers == {"gateway"}
    contrat = objects["NetworkPolicy", "contrat"]["spec"]
    assert "piscine" in yaml.safe_dump(contrat["ingress"])

    migrations = kustomize(tmp_path / "k8s" / "overlays" / "production" / "migrations")
    (job,) = [o for o in migrations if o["kind"] == "Job"]
    steps = [c["name"] for c in job["spec"]["template"]["spec"]["initContainers"]]
    assert "piscine" in steps
    matrix = run(python, "scripts/render_services.py", "images", cwd=tmp_path).stdout
    assert '"image": "piscine"' in matrix
    kind_images = (tmp_path / "k8s/overlays/kind/images/kustomization.yaml").read_text()
    assert "aquaerp/piscine" in kind_images
    # Its service-down alerts and the workflow steps that may call it.
    rules = (tmp_path / "k8s/components/monitoring/prometheusrule.yaml").read_text()
    assert 'job=~"auth|contrat|facture|intervention|mailer|piscine|stock|workflow"' in rules
    crd = (tmp_path / "k8s/crds/workflows.aquaerp.io.yaml").read_text()
    assert "'^(auth|contrat|facture|intervention|mailer|piscine|stock|workflow)\\." in crd


@pytest.mark.parametrize("bad", ["Piscine", "pool-stop", "1pool"])
def test_a_service_name_is_checked(tmp_path: Path, bad: str) -> None:
    script = str(REPO / "scripts" / "new_service.py")
    result = run(sys.executable, script, bad, "--root", str(tmp_path), check=False)
    assert result.returncode != 0 and "lower-case" in result.stderr
