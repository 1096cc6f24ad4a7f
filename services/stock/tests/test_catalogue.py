"""The catalogue: items with their units, VAT and biocide data; dated price lists with contract
prices; quotes that put the catalogue's price on a visit."""

from __future__ import annotations

import uuid

import grpc
from aquaerp.stock.v1 import stock_pb2 as pb
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Stock, biocide, date_of, eur, product_input


async def test_a_chemical_keeps_its_dosing_and_biocide_data(stock: Stock) -> None:
    created = await stock.product(code="CHL-GAL-250", biocide=biocide())
    assert created.product.code == "CHL-GAL-250"
    assert created.product.dosing_role == pb.DOSING_ROLE_SANITISER
    assert created.product.strength_percent == "90"
    assert list(created.product.biocide.pictograms) == ["GHS03", "GHS07", "GHS09"]
    assert created.needs_certibiocide
    assert created.current_price.amount_cents == 1290
    assert list(created.warnings) == []
    listed = await stock.stub.ListProducts(
        pb.ListProductsRequest(query="galets"), metadata=await stock.as_role("technicien")
    )
    assert [p.id for p in listed.products] == [created.id]


async def test_ten_percent_vat_on_a_pool_line_is_accepted_with_a_warning(stock: Stock) -> None:
    created = await stock.product(vat_rate="10")
    assert created.product.vat_rate == "10"
    assert "20 %" in created.warnings[0]


async def test_invalid_items_are_refused_naming_the_field(stock: Stock) -> None:
    office = await stock.office()
    cases = {
        "unit_of_sale": {"unit_of_sale": "tonneau"},
        "biocide.authorisation_number": {"biocide": biocide(authorisation_number="")},
        "dosing_role": {"family": pb.FAMILY_PART},
        "sale_units_per_stock_unit": {"unit_of_stock": "kg", "sale_units_per_stock_unit": "5"},
    }
    for name, change in cases.items():
        error = await rpc_error(
            stock.stub.CreateProduct(
                pb.CreateProductRequest(product=product_input(code="X-1", **change)),
                metadata=office,
            )
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, name
        assert name in field_violations(error.trailing_metadata()), name
    assert await stock.scalar("SELECT count(*) FROM stock.products") == 0


async def test_a_contract_price_wins_over_the_standard_list_from_its_date(stock: Stock) -> None:
    product = await stock.product(standard_price=eur(1290))
    contract_id = str(uuid.uuid4())
    office = await stock.office()
    await stock.stub.AddPrice(
        pb.AddPriceRequest(
            product_id=product.id,
            contract_id=contract_id,
            valid_from=date_of(2026, 8, 1),
            unit_price=eur(1100),
        ),
        metadata=office,
    )
    await stock.stub.AddPrice(
        pb.AddPriceRequest(
            product_id=product.id, valid_from=date_of(2026, 9, 1), unit_price=eur(1390)
        ),
        metadata=office,
    )

    async def price(contract: str, month: int) -> tuple[int, str]:
        quote = (
            await stock.stub.QuotePrices(
                pb.QuotePricesRequest(
                    product_ids=[product.id], contract_id=contract, on=date_of(2026, month, 15)
                ),
                metadata=office,
            )
        ).quotes[0]
        return quote.unit_price.amount_cents, quote.price_list

    assert await price(contract_id, 7) == (1290, "standard")
    assert await price(contract_id, 8) == (1100, "contract")
    assert await price("", 8) == (1290, "standard")
    assert await price("", 9) == (1390, "standard")
    assert await price(str(uuid.uuid4()), 9) == (1390, "standard")
