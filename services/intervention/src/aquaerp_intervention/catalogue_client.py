"""The catalogue prices a report's parts: the product picked on the phone is priced by the stock
service (the contract's price that day, else the standard one), never by the phone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.stock.v1 import stock_pb2, stock_pb2_grpc
from aquaerp_runtime.convert import date_message
from aquaerp_runtime.errors import DomainError, FailedPrecondition, InvalidArgument, Unavailable
from aquaerp_runtime.errors import field_violations as violations_of

from .dosing import Product, Role


@dataclass(frozen=True)
class CatalogueQuote:
    product_id: str
    code: str
    label: str
    unit: str
    unit_price_cents: int
    billable: bool


class Catalogue(Protocol):
    async def quote(
        self, parts: list[tuple[int, str]], contract_id: str, on: date, technician_id: str
    ) -> dict[str, CatalogueQuote]:
        """Quotes of the products of `parts` ((position in the report, product id)), by
        product id."""
        ...


# The catalogue's dosing roles this service advises with (flocculant and algaecide are not
# computed from a reading).
ROLES = {
    stock_pb2.DOSING_ROLE_PH_UP: Role.PH_UP,
    stock_pb2.DOSING_ROLE_PH_DOWN: Role.PH_DOWN,
    stock_pb2.DOSING_ROLE_ALKALINITY_UP: Role.ALKALINITY_UP,
    stock_pb2.DOSING_ROLE_HARDNESS_UP: Role.HARDNESS_UP,
    stock_pb2.DOSING_ROLE_SANITISER: Role.SANITISER,
    stock_pb2.DOSING_ROLE_STABILISER: Role.STABILISER,
    stock_pb2.DOSING_ROLE_SHOCK: Role.SHOCK,
}


class DosingCatalogue(Protocol):
    async def dosing_products(self) -> list[Product]:
        """The catalogue's chemicals that have a dosing role and a strength (not archived)."""
        ...


class StockCatalogue:
    """`Catalogue` over gRPC, with this service's own account."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self.stock = stock_pb2_grpc.StockServiceStub(channel)

    async def quote(
        self, parts: list[tuple[int, str]], contract_id: str, on: date, technician_id: str
    ) -> dict[str, CatalogueQuote]:
        try:
            response = await self.stock.QuotePrices(
                stock_pb2.QuotePricesRequest(
                    product_ids=[product_id for _, product_id in parts],
                    contract_id=contract_id,
                    on=date_message(on),
                    technician_id=technician_id,
                )
            )
        except grpc.aio.AioRpcError as error:
            raise _translate(error, [position for position, _ in parts]) from None
        return {
            q.product_id: CatalogueQuote(
                q.product_id, q.code, q.label, q.unit, q.unit_price.amount_cents, q.billable
            )
            for q in response.quotes
        }

    async def dosing_products(self) -> list[Product]:
        found: list[Product] = []
        token = ""
        while True:
            try:
                response = await self.stock.ListProducts(
                    stock_pb2.ListProductsRequest(
                        family=stock_pb2.FAMILY_CHEMICAL,
                        page=common_pb2.PageRequest(page_size=500, page_token=token),
                    )
                )
            except grpc.aio.AioRpcError:
                raise Unavailable("le catalogue est indisponible ; réessayez") from None
            for product in response.products:
                data = product.product
                role = ROLES.get(data.dosing_role)
                if role is None or not data.strength_percent:
                    continue
                found.append(
                    Product(
                        product.id,
                        data.code,
                        data.label,
                        role,
                        Decimal(data.strength_percent),
                        data.unit_of_sale,
                    )
                )
            token = response.page.next_page_token
            if not token:
                return found


def _field(name: str, positions: list[int]) -> str:
    """`product_ids.1` of the quote is `parts.<its position>.product_id` of the report."""
    prefix, _, index = name.partition(".")
    if prefix == "product_ids" and index.isdigit() and int(index) < len(positions):
        return f"parts.{positions[int(index)]}.product_id"
    return name


def _translate(error: grpc.aio.AioRpcError, positions: list[int]) -> DomainError:
    """The catalogue's refusals reach the phone with its French message, on the part's field."""
    fields = {
        _field(name, positions): text
        for name, text in violations_of(error.trailing_metadata()).items()
    }
    if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidArgument(error.details() or "article inconnu", fields=fields)
    if error.code() == grpc.StatusCode.FAILED_PRECONDITION:
        return FailedPrecondition(error.details() or "article refusé", fields=fields)
    return Unavailable("le catalogue est indisponible ; réessayez")
