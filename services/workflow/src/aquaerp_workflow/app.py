"""How the platform runs the workflow service."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aquaerp.workflow.v1 import workflow_pb2, workflow_pb2_grpc
from aquaerp_runtime.service import ServiceContext, ServiceSpec

from .config import WorkflowSettings
from .invoker import grpc_invoker
from .loader import load_definitions
from .privacy import WorkflowApi, WorkflowPersonalData
from .service import WorkflowService
from .worker import Worker, WorkerPolicy

log = logging.getLogger(__name__)

SERVICE_NAME = workflow_pb2.DESCRIPTOR.services_by_name["WorkflowService"].full_name


def build_worker(ctx: ServiceContext, service: WorkflowService) -> Worker:
    settings = ctx.settings
    assert isinstance(settings, WorkflowSettings)
    return Worker(
        ctx.database,
        grpc_invoker(ctx.channel),
        policy=WorkerPolicy(
            default_attempts=settings.default_attempts,
            default_backoff_seconds=settings.default_backoff_seconds,
            default_timeout_seconds=settings.default_timeout_seconds,
            max_backoff_seconds=settings.max_backoff_seconds,
            lease_margin=settings.lease_margin,
        ),
        concurrency=settings.worker_batch_size,
        poll_interval=settings.worker_poll_interval,
        specs=service.specs,
        clock=ctx.clock,
    )


async def setup(ctx: ServiceContext) -> None:
    settings = ctx.settings
    assert isinstance(settings, WorkflowSettings)
    service = WorkflowService(ctx.database, clock=ctx.clock)
    if settings.definitions_dir:
        await load_definitions(service, Path(settings.definitions_dir))
    ctx.add_servicer(
        workflow_pb2_grpc.add_WorkflowServiceServicer_to_server,
        WorkflowApi(service, WorkflowPersonalData(ctx.database, ctx.clock)),
        SERVICE_NAME,
    )
    if settings.worker_enabled:
        worker = build_worker(ctx, service)
        service.on_new_runs = worker.notify
        ctx.add_background(worker.run)
    if settings.scheduler_enabled:

        async def fire_schedules() -> None:
            while True:
                try:
                    await service.fire_schedules()
                    await service.export_backlog()
                except Exception:
                    log.exception("firing cron workflows failed")
                await asyncio.sleep(settings.scheduler_interval)

        ctx.add_background(fire_schedules)


SPEC = ServiceSpec(
    name="workflow",
    settings_class=WorkflowSettings,
    setup=setup,
    migrations=Path(__file__).parent / "migrations",
    calls=("auth", "contrat", "intervention", "facture", "mailer"),
)
