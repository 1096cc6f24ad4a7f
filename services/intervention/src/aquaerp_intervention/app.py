"""How the platform runs the intervention service."""

from __future__ import annotations

from pathlib import Path

from aquaerp.intervention.v1 import intervention_pb2, intervention_pb2_grpc
from aquaerp_runtime.service import ServiceContext, ServiceSpec

from .config import InterventionSettings
from .contrat_client import ContratClient
from .models import outbox
from .report_pdf import ReportRenderer
from .service import InterventionService
from .servicer import InterventionServicer

SERVICE_NAME = intervention_pb2.DESCRIPTOR.services_by_name["InterventionService"].full_name
# The calendar feed is fetched by phones without a login: its unguessable token is the credential.
PUBLIC_METHODS = frozenset({f"/{SERVICE_NAME}/GetCalendarFeed"})


async def setup(ctx: ServiceContext) -> None:
    settings = ctx.settings
    assert isinstance(settings, InterventionSettings)
    renderer = ReportRenderer(settings.pdf_workers)
    ctx.on_shutdown(renderer.close)
    service = InterventionService(
        ctx.database, settings, ContratClient(ctx.channel("contrat")), renderer
    )
    ctx.publish_outbox(outbox)
    ctx.add_servicer(
        intervention_pb2_grpc.add_InterventionServiceServicer_to_server,
        InterventionServicer(service),
        SERVICE_NAME,
    )


SPEC = ServiceSpec(
    name="intervention",
    settings_class=InterventionSettings,
    setup=setup,
    migrations=Path(__file__).parent / "migrations",
    public_methods=PUBLIC_METHODS,
    calls=("auth", "contrat", "workflow"),
)
