"""How the platform runs the intervention service."""

from __future__ import annotations

from pathlib import Path

from aquaerp.intervention.v1 import intervention_pb2, intervention_pb2_grpc
from aquaerp_runtime.service import ServiceContext, ServiceSpec

from .assignment_service import AssignmentService
from .catalogue_client import StockCatalogue
from .checklist_service import ChecklistService
from .config import InterventionSettings
from .contrat_client import ContratClient
from .models import outbox
from .photo_store import photo_store
from .privacy import InterventionApi, InterventionPersonalData
from .report_pdf import ReportRenderer
from .report_service import ReportService
from .technician_service import TechnicianService
from .user_directory import AuthUsers
from .visit_service import VisitService
from .water_service import WaterService

SERVICE_NAME = intervention_pb2.DESCRIPTOR.services_by_name["InterventionService"].full_name
# The calendar feed is fetched by phones without a login: its unguessable token is the credential.
PUBLIC_METHODS = frozenset({f"/{SERVICE_NAME}/GetCalendarFeed"})


async def setup(ctx: ServiceContext) -> None:
    settings = ctx.settings
    assert isinstance(settings, InterventionSettings)
    renderer = ReportRenderer(settings.pdf_workers)
    ctx.on_shutdown(renderer.close)
    contracts = ContratClient(ctx.channel("contrat"))
    catalogue = StockCatalogue(ctx.channel("stock"))
    database, clock = ctx.database, ctx.clock
    technicians = TechnicianService(database, settings, clock)
    photos = photo_store(settings.photo_store, settings.photo_dir)
    if settings.service_client_id:  # auth answers a service account only
        technicians.user_roles = AuthUsers(ctx.channel("auth")).roles
    ctx.publish_outbox(outbox)
    ctx.add_servicer(
        intervention_pb2_grpc.add_InterventionServiceServicer_to_server,
        InterventionApi(
            technicians,
            VisitService(database, settings, contracts, clock),
            AssignmentService(database, settings, clock),
            ReportService(database, contracts, renderer, clock, catalogue, photos),
            InterventionPersonalData(database, clock, photos),
            WaterService(database, contracts, clock, catalogue),
            ChecklistService(database, clock),
        ),
        SERVICE_NAME,
    )


SPEC = ServiceSpec(
    name="intervention",
    settings_class=InterventionSettings,
    setup=setup,
    migrations=Path(__file__).parent / "migrations",
    public_methods=PUBLIC_METHODS,
    calls=("auth", "contrat", "stock", "workflow"),
)
