"""The CI/CD workflows pass actionlint (with shellcheck on every run: step), the shell scripts
pass shellcheck, and every Dockerfile follows the image rules and passes hadolint."""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from k8s_render import REPO, render_services, run, tool, tools_bin

WORKFLOWS = REPO / ".github" / "workflows"
# One Dockerfile for every server-side image (targets service, gateway, backup), one for the web.
DOCKERFILE = REPO / "Dockerfile"
DOCKERFILES = [DOCKERFILE, REPO / "web" / "Dockerfile"]
SCRIPTS = [
    REPO / "scripts" / "k8s-tools",
    REPO / "scripts" / "test-timeshift",
    REPO / "scripts" / "k8s-crds",
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
    assert "scripts/k8s-crds" in commands
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
    # -x: follow the sourced helpers (paths relative to the repository root).
    result = run(tool("shellcheck"), "-x", *map(str, SCRIPTS), check=False, cwd=REPO)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_dockerfiles_pass_hadolint(dockerfile: Path) -> None:
    result = run(tool("hadolint"), str(dockerfile), check=False)
    assert result.returncode == 0, result.stdout


def test_there_are_two_dockerfiles() -> None:
    tracked = run("git", "-C", str(REPO), "ls-files", "*Dockerfile*").stdout.split()
    untracked = [str(p.relative_to(REPO)) for p in DOCKERFILES if p.exists()]
    assert sorted({*tracked, *untracked}) == ["Dockerfile", "web/Dockerfile"]


def stage(text: str, name: str) -> str:
    """The instructions of one build stage."""
    parts = re.split(r"^FROM ", text, flags=re.MULTILINE)
    (found,) = [p for p in parts if re.match(rf"\S+ AS {name}\n", p)]
    return found


def test_the_python_images_follow_the_rules() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM (\S+) AS (\w+)", text, re.MULTILINE)
    assert [name for _, name in stages] == [
        "uv", "manifests", "build", "runtime", "gateway", "backup", "service"
    ]  # fmt: skip
    bases = dict((name, image) for image, name in stages)
    # Same base for build and runtime: the virtualenv's python path must exist at run time.
    assert bases["build"] == bases["runtime"] == "${PYTHON_IMAGE}"
    assert bases["gateway"] == bases["service"] == "runtime"
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in text
    assert "ARG POSTGRES_IMAGE=postgres:17-bookworm" in text
    # Third-party dependencies in their own layer, from the lock file and the manifests only.
    build = stage(text, "build")
    deps = 'uv sync --frozen --no-dev --package "aquaerp-${SERVICE}" --no-install-workspace'
    assert build.index("COPY --from=manifests") < build.index(deps) < build.index("COPY . .")
    assert 'uv sync --frozen --no-dev --package "aquaerp-${SERVICE}" --no-editable' in build
    runtime = stage(text, "runtime")
    assert "COPY --from=build /app/.venv /app/.venv" in runtime
    assert "USER 10001:10001" in runtime
    for name in ("runtime", "gateway", "service"):
        body = stage(text, name)
        assert "--from=uv" not in body and "uv sync" not in body  # no build tools at run time
    for name in ("gateway", "service", "backup"):
        body = stage(text, name)
        assert "STOPSIGNAL SIGTERM" in body and "HEALTHCHECK" in body, name
    assert "USER 10001:10001" in stage(text, "backup")
    gateway, service = stage(text, "gateway"), stage(text, "service")
    assert 'ENTRYPOINT ["python", "-m", "aquaerp_gateway"]' in gateway and "/healthz" in gateway
    assert "grpc_health.v1" in service and "50051" in service
    assert 'python -m \\"aquaerp_${AQUAERP_SERVICE}\\"' in service
    assert "AQUAERP_SERVICE=${SERVICE}" in service
    # WeasyPrint's system libraries, installed in the images whose packages need them.
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "fonts-dejavu-core"):
        assert library in build


def test_every_service_has_an_image() -> None:
    images = {i["image"]: i for i in render_services.images()}
    assert sorted(images) == sorted([*render_services.service_names(), "gateway", "web", "backup"])
    for name in render_services.service_names():
        assert images[name] == {
            "image": name, "dockerfile": "Dockerfile", "target": "service", "service": name
        }  # fmt: skip
    assert images["gateway"]["target"] == "gateway"
    assert images["backup"]["target"] == "backup"
    assert images["web"]["dockerfile"] == "web/Dockerfile"


def test_images_workflow_builds_the_rendered_matrix() -> None:
    workflow = yaml.safe_load((WORKFLOWS / "images.yml").read_text())
    build = workflow["jobs"]["build"]
    assert build["strategy"]["matrix"] == "${{ fromJSON(needs.matrix.outputs.images) }}"
    commands = [step.get("run", "") for step in workflow["jobs"]["matrix"]["steps"]]
    assert any("scripts/render_services.py images" in c for c in commands)
    push = next(s for s in build["steps"] if s.get("uses", "").startswith("docker/build-push"))
    assert push["with"]["target"] == "${{ matrix.target }}"
    assert "SERVICE=${{ matrix.service }}" in push["with"]["build-args"]


def test_dockerignore_keeps_the_build_context_small() -> None:
    lines = (REPO / ".dockerignore").read_text().split()
    assert lines[lines.index("*")] == "*"  # everything excluded, then what builds need
    for needed in (
        "!pyproject.toml",
        "!uv.lock",
        "!libs/",
        "!services/",
        "!gateway/",
        "!web/",
        "!scripts/backup/",
    ):
        assert needed in lines
    for excluded in ("**/.venv", "**/node_modules", "**/tests", "**/__pycache__"):
        assert excluded in lines


INSTANTS = ["2026-07-15 15:00", "2026-12-31 23:30", "2027-03-28 02:40 +0100"]


def test_the_test_command_reruns_the_date_sensitive_tests_at_three_instants() -> None:
    assert "exec ./scripts/test" in (REPO / ".ci" / "run").read_text()
    assert "scripts/test-timeshift" in (REPO / "scripts" / "test").read_text()
    shifted = (REPO / "scripts" / "test-timeshift").read_text()
    for instant in INSTANTS:
        assert f'"{instant}"' in shifted
    for service in ("contrat", "intervention", "facture", "auth", "workflow"):
        assert f"services/{service}/tests" in shifted
    assert "faketime" in (REPO / "scripts" / "system-packages.txt").read_text().split()


@pytest.mark.parametrize("instant", INSTANTS)
def test_faketime_shifts_the_wall_clock_and_timers_still_work(instant: str) -> None:
    faketime = shutil.which("faketime")
    if faketime is None:
        pytest.fail("faketime is not installed: run scripts/install-system-deps", pytrace=False)
    probe = (
        "import datetime, time; "
        "print(datetime.datetime.now(datetime.UTC).isoformat(timespec='minutes')); "
        "start = time.monotonic(); time.sleep(0.2); print(time.monotonic() - start)"
    )
    result = run(
        faketime,
        instant,
        sys.executable,
        "-c",
        probe,
        env={"PATH": os.environ["PATH"], "TZ": "Europe/Paris"},
    )
    now, slept = result.stdout.split()
    expected = {
        "2026-07-15 15:00": "2026-07-15T13:00+00:00",
        "2026-12-31 23:30": "2026-12-31T22:30+00:00",
        "2027-03-28 02:40 +0100": "2027-03-28T01:40+00:00",
    }
    assert now == expected[instant]
    assert 0.2 <= float(slept) < 5  # sleeps and monotonic timers run at the real rate
