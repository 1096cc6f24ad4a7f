"""Certibiocide: a TP2 biocide goes into, or is used from, the van of a technician whose
certificate is valid; the office sees the certificates expiring within 60 days."""

from __future__ import annotations

import uuid

import grpc
from aquaerp.stock.v1 import stock_pb2 as pb
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Stock, biocide, date_of


async def certify(stock: Stock, technician_id: str, year: int, month: int, day: int) -> None:
    await stock.stub.SetCertificate(
        pb.SetCertificateRequest(
            technician_id=technician_id, number="CB-34-0815", expires_on=date_of(year, month, day)
        ),
        metadata=await stock.office(),
    )


async def test_a_tp2_product_goes_only_to_a_certified_technician(stock: Stock) -> None:
    chlorine = await stock.product(biocide=biocide())
    depot = await stock.warehouse()
    await stock.receive(chlorine, depot, "10")
    uncertified, expired, certified = (str(uuid.uuid4()) for _ in range(3))
    await certify(stock, expired, 2026, 7, 14)  # the day before the test's today
    await certify(stock, certified, 2026, 7, 15)  # still valid today
    for technician_id, message in (
        (uncertified, "pas de Certibiocide"),
        (expired, "a expiré le 14/07/2026"),
    ):
        van = await stock.van(technician_id)
        error = await rpc_error(
            stock.move(
                kind=pb.MOVEMENT_KIND_TRANSFER,
                product_id=chlorine.id,
                quantity="1",
                unit="seau 5 kg",
                from_location_id=depot.id,
                to_location_id=van.id,
            )
        )
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert message in (error.details() or "")
        assert "biocide TP2" in (error.details() or "")
        assert await stock.on_hand(chlorine, van) == "0"
        quote_error = await rpc_error(
            stock.stub.QuotePrices(
                pb.QuotePricesRequest(product_ids=[chlorine.id], technician_id=technician_id),
                metadata=await stock.office(),
            )
        )
        assert quote_error.code() == grpc.StatusCode.FAILED_PRECONDITION
    van = await stock.van(certified)
    await stock.move(
        kind=pb.MOVEMENT_KIND_TRANSFER,
        product_id=chlorine.id,
        quantity="1",
        unit="seau 5 kg",
        from_location_id=depot.id,
        to_location_id=van.id,
    )
    assert await stock.on_hand(chlorine, van) == "1"
    assert await stock.on_hand(chlorine, depot) == "9"


async def test_a_part_needs_no_certificate(stock: Stock) -> None:
    cartridge = await stock.product(
        family=pb.FAMILY_PART,
        unit_of_sale="pièce",
        unit_of_stock="pièce",
        sale_units_per_stock_unit="1",
        dosing_role=pb.DOSING_ROLE_UNSPECIFIED,
        strength_percent="",
    )
    depot = await stock.warehouse()
    van = await stock.van()
    await stock.receive(cartridge, depot, "2")
    await stock.move(
        kind=pb.MOVEMENT_KIND_TRANSFER,
        product_id=cartridge.id,
        quantity="2",
        unit="pièce",
        from_location_id=depot.id,
        to_location_id=van.id,
    )
    assert await stock.on_hand(cartridge, van) == "2"


async def test_the_office_sees_certificates_expiring_within_sixty_days(stock: Stock) -> None:
    soon, later, gone = (str(uuid.uuid4()) for _ in range(3))
    await certify(stock, soon, 2026, 9, 13)  # 60 days after 15 July
    await certify(stock, later, 2026, 9, 14)  # 61 days
    await certify(stock, gone, 2026, 6, 30)
    listed = await stock.stub.ListExpiringCertificates(
        pb.ListExpiringCertificatesRequest(), metadata=await stock.office()
    )
    assert [(c.technician_id, c.days_left) for c in listed.certificates] == [
        (gone, -15),
        (soon, 60),
    ]
    error = await rpc_error(
        stock.stub.ListExpiringCertificates(
            pb.ListExpiringCertificatesRequest(), metadata=await stock.as_role("technicien")
        )
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
