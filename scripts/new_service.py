"""Creates a new gRPC service from the template: its proto, its package (settings, ServiceSpec,
servicer, tables, migrations folder, entry point) and its Kubernetes folder, then renders every
per-service file (network policies, lists, images) with scripts/render_services.py.

    uv run python scripts/new_service.py piscine --calls contrat
    uv run python scripts/new_service.py piscine --calls contrat --description "Pools and their equipment"

Then: write the API in the proto and run scripts/gen_protos.py, `uv lock && uv sync
--all-packages`, the first migration with scripts/new_migration.py (README, "Adding a service").
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import render_services

TEMPLATE: dict[str, str] = {
    "protos/aquaerp/{name}/v1/{name}.proto": """\
syntax = "proto3";

// {description}
package aquaerp.{name}.v1;

// {description}
service {Name}Service {{
  // Returns what the service knows about one reference.
  rpc Get{Name}(Get{Name}Request) returns ({Name});
}}

// Get{Name} input.
message Get{Name}Request {{
  // The reference to look up.
  string id = 1;
}}

// One {name} record.
message {Name} {{
  // Its reference.
  string id = 1;
}}
""",
    "services/{name}/pyproject.toml": """\
[project]
name = "aquaerp-{name}"
version = "0.1.0"
description = "AquaERP {name}: {description}"
requires-python = ">=3.11"
dependencies = [
    "aquaerp-runtime",
    "aquaerp-proto",
]

# The registration: the local stack, the tests, the images and the manifests find it here.
[project.entry-points."aquaerp.services"]
{name} = "aquaerp_{name}.app:SPEC"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["src/aquaerp_{name}"]

[tool.uv.sources]
aquaerp-runtime = {{ workspace = true }}
aquaerp-proto = {{ workspace = true }}
""",
    "services/{name}/src/aquaerp_{name}/__init__.py": '"""{description}"""\n',
    "services/{name}/src/aquaerp_{name}/__main__.py": """\
import sys

from aquaerp_runtime.service import run_service

from .app import SPEC

sys.exit(run_service(SPEC))
""",
    "services/{name}/src/aquaerp_{name}/config.py": '''\
"""{Name} service settings (env prefix {PREFIX}_)."""

from __future__ import annotations

from aquaerp_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class {Name}Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="{PREFIX}_", extra="ignore")
''',
    "services/{name}/src/aquaerp_{name}/models.py": '''\
"""Tables of the `{name}` schema."""

from __future__ import annotations

from sqlalchemy import MetaData

metadata = MetaData(schema="{name}")
''',
    "services/{name}/src/aquaerp_{name}/servicer.py": '''\
"""gRPC face of the {name} service."""

from __future__ import annotations

import grpc
from aquaerp.{name}.v1 import {name}_pb2, {name}_pb2_grpc


class {Name}Servicer({name}_pb2_grpc.{Name}ServiceServicer):
    async def Get{Name}(
        self, request: {name}_pb2.Get{Name}Request, context: grpc.aio.ServicerContext
    ) -> {name}_pb2.{Name}:
        return {name}_pb2.{Name}(id=request.id)
''',
    "services/{name}/src/aquaerp_{name}/app.py": '''\
"""How the platform runs the {name} service."""

from __future__ import annotations

from pathlib import Path

from aquaerp.{name}.v1 import {name}_pb2, {name}_pb2_grpc
from aquaerp_runtime.service import ServiceContext, ServiceSpec

from .config import {Name}Settings
from .servicer import {Name}Servicer

SERVICE_NAME = {name}_pb2.DESCRIPTOR.services_by_name["{Name}Service"].full_name


async def setup(ctx: ServiceContext) -> None:
    ctx.add_servicer(
        {name}_pb2_grpc.add_{Name}ServiceServicer_to_server, {Name}Servicer(), SERVICE_NAME
    )


SPEC = ServiceSpec(
    name="{name}",
    settings_class={Name}Settings,
    setup=setup,
    migrations=Path(__file__).parent / "migrations",
    # The services it calls (auth and workflow are implied); the network policies follow.
    calls={calls},
)
''',
    "services/{name}/src/aquaerp_{name}/migrations/env.py": """\
from aquaerp_{name}.models import metadata
from aquaerp_runtime.migrations import run_env

run_env(metadata)
""",
    "services/{name}/src/aquaerp_{name}/migrations/versions/.gitkeep": "",
    "services/{name}/tests/__init__.py": "",
    "k8s/base/services/{name}/config.env": """\
# Non-secret settings of the {name} service (env prefix {PREFIX}_). Secrets come from the
# Secret aquaerp-{name} (database-url, service-client-secret; see docs/deployment.md).
{PREFIX}_GRPC_PORT=50051
{PREFIX}_METRICS_PORT=9102
# Prometheus scrapes the pod's address (the default binds the loopback only).
{PREFIX}_METRICS_HOST=0.0.0.0
{PREFIX}_LOG_LEVEL=INFO
{PREFIX}_LOG_JSON=true
{PREFIX}_DATABASE_POOL_SIZE=5
{PREFIX}_SERVICE_CLIENT_ID={name}
# Seconds between NOT_SERVING and refusing new calls, then for in-flight calls to finish.
# preStop sleep (5) + drain delay + shutdown grace must stay below terminationGracePeriodSeconds.
{PREFIX}_DRAIN_DELAY=1
{PREFIX}_SHUTDOWN_GRACE=10
""",
    "k8s/base/services/{name}/kustomization.yaml": """\
# {name}: {description}
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - networkpolicy.yaml
components:
  - ../../../components/grpc-service
# Non-secret settings; the name gets a content hash so that a change rolls the pods.
configMapGenerator:
  - name: {name}-config
    envs:
      - config.env
""",
}

# The migrations folder's script template is the same for every service.
SHARED = {"services/{name}/src/aquaerp_{name}/migrations/script.py.mako": "auth"}


def create(root: Path, name: str, calls: list[str], description: str) -> list[Path]:
    if not re.fullmatch(r"[a-z][a-z0-9]*", name):
        raise SystemExit(f"{name!r}: a service name is lower-case letters and digits")
    if (root / "services" / name).exists():
        raise SystemExit(f"services/{name} already exists")
    values = {
        "name": name,
        "Name": name.capitalize(),
        "PREFIX": name.upper(),
        "calls": repr(tuple(calls)),
        "description": description.rstrip(".") + ".",
    }
    written = []
    for template, text in TEMPLATE.items():
        path = root / template.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(**values))
        written.append(path)
    for template, model in SHARED.items():
        path = root / template.format(**values)
        source = root / template.format(name=model)
        path.write_text(source.read_text())
        written.append(path)
    for path, text in render_services.render(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="lower-case, e.g. piscine")
    parser.add_argument("--calls", default="", help="services it calls, comma-separated")
    parser.add_argument("--description", default="Describe what this service owns.")
    parser.add_argument("--root", type=Path, default=render_services.ROOT, help=argparse.SUPPRESS)
    options = parser.parse_args()
    calls = [c for c in options.calls.split(",") if c]
    for path in create(options.root, options.name, calls, options.description):
        print(path.relative_to(options.root))
    return 0


if __name__ == "__main__":
    sys.exit(main())
