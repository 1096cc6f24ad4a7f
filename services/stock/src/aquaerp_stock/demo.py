"""Demo data for the local stack: a French pool catalogue (about 80 items: chemicals with their
dosing role, strength and biocide data, parts, equipment, labour and services), a warehouse
stocked from supplier receipts, and a stocked van with a Certibiocide for every technician
intervention knows.

Created through the service so every rule applies; the catalogue is skipped when its first item
exists, vans are added for technicians who have none.
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from aquaerp_runtime.errors import AlreadyExists, FailedPrecondition

from .domain import (
    Biocide,
    Certificate,
    DosingRole,
    Family,
    Location,
    LocationKind,
    MovementDraft,
    MovementKind,
    ProductDraft,
)
from .service import StockService

# Families held in stock (labour and services are not).
STOCKED = (Family.CHEMICAL, Family.PART, Family.EQUIPMENT)

CATALOGUE_FILE = Path(__file__).with_name("demo_catalogue.csv")
DEPOT_CODE = "DEPOT-MTP"


@dataclass(frozen=True)
class Item:
    """One line of `demo_catalogue.csv`: the item, what it costs (per unit of stock), what it
    sells for (per unit of sale), and how much of it each demo van carries (units of stock)."""

    draft: ProductDraft
    van_load: Decimal


def load_catalogue() -> list[Item]:
    with CATALOGUE_FILE.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source, delimiter=";"))
    return [Item(draft(i, row), Decimal(row["van_load"])) for i, row in enumerate(rows)]


def ean13(index: int) -> str:
    """A valid EAN-13 in the French GS1 range (prefix 376), for demo items."""
    body = f"376{index:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def draft(index: int, row: dict[str, str]) -> ProductDraft:
    family = Family(row["family"])
    code = row["code"]
    sheet = f"https://fds.example.fr/{code.lower()}.pdf" if family == Family.CHEMICAL else ""
    return ProductDraft(
        code=code,
        label=row["label"],
        family=family,
        unit_of_sale=row["unit_of_sale"],
        unit_of_stock=row["unit_of_stock"],
        sale_units_per_stock_unit=Decimal(row["sale_units_per_stock_unit"]),
        ean=ean13(index + 1) if family in STOCKED else "",
        supplier=row["supplier"],
        purchase_price_cents=int(row["purchase_cents"]),
        dosing_role=DosingRole(row["dosing_role"]) if row["dosing_role"] else None,
        strength_percent=Decimal(row["strength_percent"]) if row["strength_percent"] else None,
        biocide=Biocide(
            row["biocide_type"],
            row["authorisation_number"],
            sheet,
            tuple(row["pictograms"].split()),
        ),
        van_minimum=Decimal(row["van_minimum"]),
        standard_price_cents=int(row["price_cents"]),
    ).checked()


async def seed_catalogue(service: StockService) -> int:
    """The catalogue and the depot stocked from supplier receipts; 0 when already there."""
    catalogue = load_catalogue()
    try:
        first = await service.create_product(catalogue[0].draft)
    except AlreadyExists:
        return 0
    products = [first] + [await service.create_product(item.draft) for item in catalogue[1:]]
    depot = await service.create_location(
        Location(DEPOT_CODE, "Dépôt de Montpellier", LocationKind.WAREHOUSE)
    )
    assert depot.id is not None
    for product, item in zip(products, catalogue, strict=True):
        if product.draft.family not in STOCKED:
            continue
        equipment = product.draft.family == Family.EQUIPMENT
        await service.record_movement(
            MovementDraft(
                kind=MovementKind.RECEIPT,
                product_id=product.id,
                # Enough for a dozen vans.
                quantity=Decimal(2) if equipment else max(Decimal(6), 12 * item.van_load),
                unit=product.draft.unit_of_stock,
                to_location_id=depot.id,
                unit_cost_cents=product.draft.purchase_price_cents,
                lot_number=f"L{service.clock.today():%y%m}-{product.draft.code[:3]}"
                if product.draft.family == Family.CHEMICAL
                else "",
            )
        )
    return len(products)


async def seed_van(
    service: StockService, depot_id: uuid.UUID, technician_id: str, user_id: str, name: str
) -> bool:
    """A van for a technician with a Certibiocide valid two years, loaded from the depot."""
    try:
        van = await service.create_location(
            Location(
                f"VAN-{technician_id[:8].upper()}",
                f"Camion de {name}",
                LocationKind.VAN,
                technician_id,
                user_id,
            )
        )
    except AlreadyExists:
        return False
    await service.set_certificate(
        Certificate(
            technician_id,
            f"CB-34-{technician_id[:6].upper()}",
            service.clock.today() + timedelta(days=730),
        )
    )
    loads = {item.draft.code: item.van_load for item in load_catalogue() if item.van_load > 0}
    found = await service.list_products("", None, False, None, 500)
    for product in found:
        if product.draft.code not in loads:
            continue
        try:
            await service.record_movement(
                MovementDraft(
                    kind=MovementKind.TRANSFER,
                    product_id=product.id,
                    quantity=loads[product.draft.code],
                    unit=product.draft.unit_of_stock,
                    from_location_id=depot_id,
                    to_location_id=van.id,
                )
            )
        except FailedPrecondition:
            continue  # the depot ran out: the van leaves without it
    return True
