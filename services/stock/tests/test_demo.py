"""The demo data: the catalogue passes every rule of the service, the depot is stocked, a van is
loaded for a technician with a Certibiocide, and a second run adds nothing."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from aquaerp_runtime.authz import SERVICE
from aquaerp_runtime.clock import FixedClock
from aquaerp_runtime.context import Principal, principal_var
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import ServiceSpec
from aquaerp_stock.app import SPEC
from aquaerp_stock.demo import DEPOT_CODE, seed_catalogue, seed_van
from aquaerp_stock.domain import LocationKind
from aquaerp_stock.service import StockService

from .conftest import NOW


async def test_the_demo_catalogue_and_vans(
    migrate: Callable[[ServiceSpec], Awaitable[None]], rollback_database: Database
) -> None:
    await migrate(SPEC)
    principal_var.set(Principal(subject="stock-demo", roles=frozenset({SERVICE})))
    service = StockService(rollback_database, FixedClock(NOW))
    created = await seed_catalogue(service)
    assert 75 <= created <= 90
    assert await seed_catalogue(service) == 0
    (depot,) = await service.list_locations(LocationKind.WAREHOUSE)
    assert depot.code == DEPOT_CODE and depot.id is not None
    technician_id = str(uuid.uuid4())
    assert await seed_van(service, depot.id, technician_id, str(uuid.uuid4()), "Léa Roussel")
    assert not await seed_van(service, depot.id, technician_id, str(uuid.uuid4()), "Léa Roussel")
    (van,) = await service.list_locations(LocationKind.VAN)
    levels = {
        level.product_code: level.quantity for level in await service.list_stock(str(van.id), "")
    }
    assert levels["CHL-GAL-250"] == 2  # a TP2 biocide: the technician's Certibiocide allowed it
    assert len(levels) >= 30
    products = await service.list_products("", None, False, None, 500)
    assert sum(1 for p in products if p.draft.needs_certibiocide) >= 10
    assert all(p.current_price_cents for p in products)
