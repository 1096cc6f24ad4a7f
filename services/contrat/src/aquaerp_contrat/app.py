"""How the platform runs the contrat service."""

from __future__ import annotations

import argparse
from pathlib import Path

from aquaerp.contrat.v1 import contrat_pb2, contrat_pb2_grpc
from aquaerp_runtime.auth_audit import audit_recorder
from aquaerp_runtime.clock import SYSTEM_CLOCK
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import ServiceContext, ServiceSpec
from aquaerp_runtime.settings import ServiceSettings

from .config import ContratSettings
from .demo import seed_demo_data
from .models import outbox
from .privacy import CustomerPrivacy, grpc_peers
from .privacy_servicer import ContratApi
from .service import ContratService

SERVICE_NAME = contrat_pb2.DESCRIPTOR.services_by_name["ContratService"].full_name


async def setup(ctx: ServiceContext) -> None:
    service = ContratService(ctx.database, ctx.clock)
    privacy = CustomerPrivacy(ctx.database, ctx.clock, grpc_peers(ctx.channel))
    if ctx.settings.service_client_id:  # auth records only what a service account tells it
        privacy.audit_trail = audit_recorder(
            ctx.channel("auth"), prefix="contrat.customer.", target="customer_id"
        )
    ctx.publish_outbox(outbox)
    ctx.add_servicer(
        contrat_pb2_grpc.add_ContratServiceServicer_to_server,
        ContratApi(service, privacy),
        SERVICE_NAME,
    )


async def seed_demo(settings: ServiceSettings, argv: list[str]) -> int:
    """`python -m aquaerp_contrat seed-demo [--customers N]`: a realistic data set (private and
    business customers around Montpellier, sites with pools, active contracts with plans).
    Does nothing when the demo data is already there."""
    parser = argparse.ArgumentParser(prog="aquaerp-contrat seed-demo")
    parser.add_argument("--customers", type=int, default=50)
    options = parser.parse_args(argv)
    database = Database.from_url(
        settings.database_url, pool_size=2, application_name="contrat-seed"
    )
    try:
        created = await seed_demo_data(
            ContratService(database, SYSTEM_CLOCK), customers=options.customers
        )
    finally:
        await database.dispose()
    print(
        f"contrat demo data: {created} customers created"
        if created
        else "contrat demo data: already there"
    )
    return 0


SPEC = ServiceSpec(
    name="contrat",
    settings_class=ContratSettings,
    setup=setup,
    migrations=Path(__file__).parent / "migrations",
    commands={"seed-demo": seed_demo},
    # The personal-data rights: each service holding data on a customer exports and erases it.
    calls=("facture", "intervention", "mailer"),
)
