"""How the platform runs the workflow service."""

from __future__ import annotations

from pathlib import Path

from aquaerp_runtime.service import ServiceContext, ServiceSpec

from .config import WorkflowSettings


async def setup(ctx: ServiceContext) -> None:
    return None


SPEC = ServiceSpec(
    name="workflow",
    settings_class=WorkflowSettings,
    setup=setup,
    migrations=Path(__file__).parent / "migrations",
)
