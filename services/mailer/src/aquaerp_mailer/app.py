"""How the platform runs the mailer service."""

from __future__ import annotations

from pathlib import Path

from aquaerp.mailer.v1 import mailer_pb2, mailer_pb2_grpc
from aquaerp_runtime.service import ServiceContext, ServiceSpec

from .config import MailerSettings
from .consents import ContratConsents
from .delivery import DeliveryWorker
from .documents import GrpcDocumentSource
from .models import outbox
from .privacy import MailerApi, MailerPersonalData
from .service import MailerService
from .templates import TemplateCatalog

SERVICE_NAME = mailer_pb2.DESCRIPTOR.services_by_name["MailerService"].full_name


async def setup(ctx: ServiceContext) -> None:
    settings = ctx.settings
    assert isinstance(settings, MailerSettings)
    documents = GrpcDocumentSource(
        ctx.channel("facture"), ctx.channel("intervention"), timeout=settings.call_timeout
    )
    worker = DeliveryWorker(ctx.database, settings, documents, clock=ctx.clock)
    service = MailerService(
        ctx.database,
        settings,
        TemplateCatalog(settings.company),
        invoices=documents,
        consents=ContratConsents(ctx.channel("contrat")),
        on_queued=worker.notify,
        clock=ctx.clock,
    )
    ctx.publish_outbox(outbox)
    ctx.add_servicer(
        mailer_pb2_grpc.add_MailerServiceServicer_to_server,
        MailerApi(service, MailerPersonalData(ctx.database, ctx.clock)),
        SERVICE_NAME,
    )
    if settings.worker_enabled:
        ctx.add_background(worker.run)
        ctx.add_background(worker.report_queue)


SPEC = ServiceSpec(
    name="mailer",
    settings_class=MailerSettings,
    setup=setup,
    migrations=Path(__file__).parent / "migrations",
    calls=("auth", "contrat", "facture", "intervention", "workflow"),
)
