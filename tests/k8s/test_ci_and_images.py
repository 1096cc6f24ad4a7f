"""The CI/CD workflows pass actionlint (with shellcheck on every run: step), the shell scripts
pass shellcheck, and every Dockerfile follows the image rules and passes hadolint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from k8s_render import REPO, run, tool, tools_bin

WORKFLOWS = REPO / ".github" / "workflows"
SERVICES = ["auth", "contrat", "intervention", "facture", "mailer", "workflow"]
PYTHON_IMAGES = {svc: REPO / "services" / svc / "Dockerfile" for svc in SERVICES} | {
    "gateway": REPO / "gateway" / "Dockerfile"
}
DOCKERFILES = [
    *PYTHON_IMAGES.values(),
    REPO / "web" / "Dockerfile",
    REPO / "scripts" / "backup" / "Dockerfile",
]
SCRIPTS = [
    REPO / "scripts" / "k8s-tools",
    REPO / "k8s" / "deploy.sh",
    *sorted((REPO / "scripts" / "backup").glob("*.sh")),
]


def test_workflow_files_pass_actionlint() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert [Path(f).name for f in files] == ["ci.yml", "deploy.yml", "e2e-kind.yml", "images.yml"]
    tool("shellcheck")  # actionlint checks run: steps only when shellcheck is on PATH
    env = {"PATH": f"{tools_bin()}:/usr/bin:/bin"}
    result = run(
        tool("actionlint"), "-shellcheck", tool("shellcheck"), *files, check=False, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n"
        "    steps:\n      - run: echo ${{ github.shaa }}\n"
    )
    result = run(tool("actionlint"), str(broken), check=False)
    assert result.returncode != 0 and "shaa" in result.stdout


def test_ci_runs_the_readme_test_command() -> None:
    ci = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())
    commands = [step.get("run", "") for step in ci["jobs"]["test"]["steps"]]
    assert "./scripts/test" in commands
    assert any("scripts/k8s-tools" in c for c in commands)
    assert any("gen_protos.py --check" in c for c in commands)
    assert ci["jobs"]["test"]["services"]["postgres"]["image"].startswith("postgres:")


def test_deploy_gates_production_behind_staging_and_an_environment() -> None:
    deploy = yaml.safe_load((WORKFLOWS / "deploy.yml").read_text())
    jobs = deploy["jobs"]
    assert jobs["production"]["needs"] == "staging"
    assert jobs["production"]["environment"]["name"] == "production"
    for job in jobs.values():
        assert job["concurrency"]["cancel-in-progress"] is False
        assert any("k8s/deploy.sh" in step.get("run", "") for step in job["steps"])


def test_shell_scripts_pass_shellcheck() -> None:
    result = run(tool("shellcheck"), *map(str, SCRIPTS), check=False)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_dockerfiles_pass_hadolint(dockerfile: Path) -> None:
    result = run(tool("hadolint"), str(dockerfile), check=False)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("name", sorted(PYTHON_IMAGES))
def test_python_images_follow_the_rules(name: str) -> None:
    text = PYTHON_IMAGES[name].read_text()
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", text, re.MULTILINE)
    assert [stage for _, stage in stages] == ["uv", "build", "runtime"]
    assert stages[1][0] == stages[2][0] == "${PYTHON_IMAGE}"  # same base: the venv's python path
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in text
    assert f"uv sync --frozen --no-dev --package aquaerp-{name} --no-editable" in text
    runtime = text.split("AS runtime", 1)[1]
    assert "COPY --from=build /app/.venv /app/.venv" in runtime
    assert "--from=uv" not in runtime and "uv sync" not in runtime  # no build tools at run time
    assert "USER 10001:10001" in runtime
    assert "STOPSIGNAL SIGTERM" in runtime
    assert "HEALTHCHECK" in runtime
    module = "aquaerp_gateway" if name == "gateway" else f"aquaerp_{name}"
    assert f'ENTRYPOINT ["python", "-m", "{module}"]' in runtime
    if name == "gateway":
        assert "/healthz" in runtime
    else:
        assert "grpc_health.v1" in runtime and "50051" in runtime
    if name == "facture":
        for library in (
            "libpango-1.0-0",
            "libpangoft2-1.0-0",
            "libharfbuzz0b",
            "fonts-dejavu-core",
        ):
            assert library in runtime


def test_dockerignore_keeps_the_build_context_small() -> None:
    lines = (REPO / ".dockerignore").read_text().split()
    assert lines[lines.index("*")] == "*"  # everything excluded, then what builds need
    for needed in ("!pyproject.toml", "!uv.lock", "!libs/", "!services/", "!gateway/", "!web/"):
        assert needed in lines
    for excluded in ("**/.venv", "**/node_modules", "**/tests", "**/__pycache__"):
        assert excluded in lines
