"""Definitions shipped as YAML files (`name:` + `spec:`, the spec shaped like a Workflow
resource's), loaded at start on the local stack. On Kubernetes the operator syncs Workflow
resources instead and this directory is not read."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from aquaerp_runtime.errors import InvalidArgument

from .definition import SpecError, missing_services, parse_spec
from .service import WorkflowService

log = logging.getLogger(__name__)


@dataclass
class LoadReport:
    """What a load did: stored (name -> version), unchanged, and rejected (name -> why)."""

    stored: dict[str, int] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)


def read_definition_files(directory: Path) -> list[tuple[Path, Any]]:
    """Every `*.yaml` / `*.yml` of `directory`, parsed, in name order."""
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    return [(path, yaml.safe_load(path.read_text(encoding="utf-8"))) for path in files]


async def load_definitions(service: WorkflowService, directory: Path) -> LoadReport:
    """Upserts each file's definition. A bad file, or one calling a service whose API is not
    installed, is rejected with a warning; loading never stops the service from starting."""
    report = LoadReport()
    if not await asyncio.to_thread(directory.is_dir):
        log.warning("workflow definitions directory %s does not exist; none loaded", directory)
        return report
    for path, document in await asyncio.to_thread(read_definition_files, directory):
        if not isinstance(document, dict) or not isinstance(document.get("name"), str):
            report.rejected[path.name] = "the file must hold `name:` and `spec:`"
            log.warning("workflow definition file %s rejected: it must hold name and spec", path)
            continue
        name = document["name"]
        extra = set(document) - {"name", "spec"}
        if extra:
            report.rejected[name] = f"unknown top-level keys: {', '.join(sorted(extra))}"
            log.warning(
                "workflow definition %s (%s) rejected: %s", name, path, report.rejected[name]
            )
            continue
        try:
            missing = missing_services(parse_spec(document.get("spec")))
        except SpecError:
            missing = []
        if missing:
            report.rejected[name] = (
                f"calls services whose API is not installed: {', '.join(missing)}"
            )
            log.warning(
                "workflow definition %s (%s) rejected: %s", name, path, report.rejected[name]
            )
            continue
        try:
            stored, changed = await service.store_definition(name, document.get("spec"))
        except InvalidArgument as error:
            report.rejected[name] = error.message
            log.warning("workflow definition %s (%s) rejected: %s", name, path, error.message)
            continue
        if changed:
            report.stored[name] = stored.version
        else:
            report.unchanged.append(name)
    log.info(
        "workflow definitions from %s: %d stored, %d unchanged, %d rejected",
        directory,
        len(report.stored),
        len(report.unchanged),
        len(report.rejected),
    )
    return report
