"""How the platform runs the stock service."""

from __future__ import annotations

from pathlib import Path

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2, intervention_pb2_grpc
from aquaerp.stock.v1 import stock_pb2, stock_pb2_grpc
from aquaerp_runtime.authz import SERVICE
from aquaerp_runtime.context import Principal, principal_var
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import ServiceContext, ServiceSpec
from aquaerp_runtime.settings import ServiceSettings

from .config import StockSettings
from .demo import DEPOT_CODE, seed_catalogue, seed_van
from .domain import LocationKind
from .reports import StockReports
from .service import StockService
from .servicer import StockServicer

SERVICE_NAME = stock_pb2.DESCRIPTOR.services_by_name["StockService"].full_name


async def setup(ctx: ServiceContext) -> None:
    settings = ctx.settings
    assert isinstance(settings, StockSettings)
    service = StockService(
        ctx.database,
        ctx.clock,
        allow_negative_stock=settings.allow_negative_stock,
        certificate_warning_days=settings.certificate_warning_days,
    )
    interventions = intervention_pb2_grpc.InterventionServiceStub(ctx.channel("intervention"))
    reports = StockReports(ctx.database, ctx.clock, interventions)
    ctx.add_servicer(
        stock_pb2_grpc.add_StockServiceServicer_to_server,
        StockServicer(service, reports),
        SERVICE_NAME,
    )


async def seed_demo(settings: ServiceSettings, argv: list[str]) -> int:
    """`python -m aquaerp_stock seed-demo`: the demo catalogue, the stocked depot, and a loaded
    van with a Certibiocide for each active technician of intervention. Adds only what is
    missing when run again."""
    assert isinstance(settings, StockSettings)
    database = Database.from_url(settings.database_url, pool_size=2, application_name="stock-seed")
    ctx = ServiceContext(SPEC, settings, database)
    principal_var.set(Principal(subject="stock-demo", roles=frozenset({SERVICE})))
    service = StockService(database, ctx.clock)
    try:
        created = await seed_catalogue(service)
        depot = next(
            place
            for place in await service.list_locations(LocationKind.WAREHOUSE)
            if place.code == DEPOT_CODE
        )
        assert depot.id is not None
        technicians = intervention_pb2_grpc.InterventionServiceStub(ctx.channel("intervention"))
        try:
            found = await technicians.ListTechnicians(
                intervention_pb2.ListTechniciansRequest(page=common_pb2.PageRequest(page_size=500))
            )
        except grpc.aio.AioRpcError as error:
            print(f"stock demo data: technicians not read ({error.details()})")
            found = intervention_pb2.ListTechniciansResponse()
        vans = 0
        for technician in found.technicians:
            vans += await seed_van(
                service, depot.id, technician.id, technician.user_id, technician.display_name
            )
    finally:
        await ctx.close()
        await database.dispose()
    print(
        f"stock demo data: {created} catalogue items, {vans} vans loaded"
        if created or vans
        else "stock demo data: already there"
    )
    return 0


SPEC = ServiceSpec(
    name="stock",
    settings_class=StockSettings,
    setup=setup,
    migrations=Path(__file__).parent / "migrations",
    # The services it calls (auth and workflow are implied); the network policies follow.
    calls=("intervention",),
    commands={"seed-demo": seed_demo},
)
