"""gRPC face of the stock service: requests to the domain and back, nothing else."""

from __future__ import annotations

import uuid

import grpc
from aquaerp.stock.v1 import stock_pb2 as pb
from aquaerp.stock.v1 import stock_pb2_grpc
from aquaerp_runtime.convert import date_message, money, optional_date, to_cents, to_date
from aquaerp_runtime.paging import decode_key, encode_token, page_limit, page_response

from .domain import Certificate, VisitConsumption, format_quantity, parse_id, parse_quantity
from .messages import (
    FAMILIES,
    LOCATION_KINDS,
    certificate_message,
    location_draft,
    location_message,
    movement_draft,
    movement_message,
    product_draft,
    product_message,
    quote_message,
    stock_level_message,
)
from .reports import StockReports
from .service import StockService

GROUPINGS = {
    pb.CONSUMPTION_GROUPING_UNSPECIFIED: "",
    pb.CONSUMPTION_GROUPING_PRODUCT: "",
    pb.CONSUMPTION_GROUPING_TECHNICIAN: "technician",
    pb.CONSUMPTION_GROUPING_CUSTOMER: "customer",
    pb.CONSUMPTION_GROUPING_MONTH: "month",
}


class StockServicer(stock_pb2_grpc.StockServiceServicer):
    def __init__(self, service: StockService, reports: StockReports) -> None:
        self.service = service
        self.reports = reports

    # -- catalogue ---------------------------------------------------------------------------
    async def CreateProduct(
        self, request: pb.CreateProductRequest, context: grpc.aio.ServicerContext
    ) -> pb.Product:
        return product_message(await self.service.create_product(product_draft(request.product)))

    async def GetProduct(
        self, request: pb.GetProductRequest, context: grpc.aio.ServicerContext
    ) -> pb.Product:
        return product_message(await self.service.get_product(request.id))

    async def ListProducts(
        self, request: pb.ListProductsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListProductsResponse:
        limit = page_limit(request.page.page_size)
        key = decode_key(request.page.page_token, str)
        found = await self.service.list_products(
            request.query,
            FAMILIES.optional(request.family),
            request.include_archived,
            key[0] if key else None,
            limit + 1,
        )
        more = len(found) > limit
        items = found[:limit]
        return pb.ListProductsResponse(
            products=[product_message(p) for p in items],
            page=page_response(encode_token(items[-1].draft.code) if more else ""),
        )

    async def UpdateProduct(
        self, request: pb.UpdateProductRequest, context: grpc.aio.ServicerContext
    ) -> pb.Product:
        return product_message(
            await self.service.update_product(request.id, product_draft(request.product))
        )

    async def AddPrice(
        self, request: pb.AddPriceRequest, context: grpc.aio.ServicerContext
    ) -> pb.Product:
        return product_message(
            await self.service.add_price(
                request.product_id,
                request.contract_id,
                to_date(request.valid_from, "valid_from"),
                to_cents(request.unit_price, "unit_price"),
            )
        )

    async def QuotePrices(
        self, request: pb.QuotePricesRequest, context: grpc.aio.ServicerContext
    ) -> pb.QuotePricesResponse:
        quotes = await self.service.quote(
            list(request.product_ids),
            request.contract_id,
            optional_date(request, "on"),
            request.technician_id,
        )
        return pb.QuotePricesResponse(quotes=[quote_message(q) for q in quotes])

    # -- locations ---------------------------------------------------------------------------
    async def CreateLocation(
        self, request: pb.CreateLocationRequest, context: grpc.aio.ServicerContext
    ) -> pb.Location:
        return location_message(
            await self.service.create_location(location_draft(request.location))
        )

    async def ListLocations(
        self, request: pb.ListLocationsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListLocationsResponse:
        found = await self.service.list_locations(LOCATION_KINDS.optional(request.kind))
        return pb.ListLocationsResponse(locations=[location_message(p) for p in found])

    # -- ledger ------------------------------------------------------------------------------
    async def RecordMovement(
        self, request: pb.RecordMovementRequest, context: grpc.aio.ServicerContext
    ) -> pb.Movement:
        return movement_message(
            await self.service.record_movement(movement_draft(request.movement))
        )

    async def ListMovements(
        self, request: pb.ListMovementsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListMovementsResponse:
        limit = page_limit(request.page.page_size)
        key = decode_key(request.page.page_token, int)
        found = await self.service.list_movements(
            request.product_id,
            request.location_id,
            request.intervention_id,
            key[0] if key else None,
            limit + 1,
        )
        more = len(found) > limit
        items = found[:limit]
        return pb.ListMovementsResponse(
            movements=[movement_message(m) for _, m in items],
            page=page_response(encode_token(items[-1][0]) if more else ""),
        )

    async def ListStock(
        self, request: pb.ListStockRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListStockResponse:
        levels = await self.service.list_stock(request.location_id, request.product_id)
        return pb.ListStockResponse(levels=[stock_level_message(level) for level in levels])

    async def RecordVisitConsumption(
        self, request: pb.RecordVisitConsumptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordVisitConsumptionResponse:
        visit = VisitConsumption(
            intervention_id=request.intervention_id,
            event_id=request.event_id,
            technician_id=request.technician_id,
            customer_id=request.customer_id or None,
            contract_id=request.contract_id or None,
            items=[
                (
                    parse_id(item.product_id, f"items.{i}.product_id"),
                    parse_quantity(item.quantity, f"items.{i}.quantity"),
                )
                for i, item in enumerate(request.items)
            ],
        )
        written, already = await self.service.record_visit_consumption(visit)
        return pb.RecordVisitConsumptionResponse(
            movements=[movement_message(m) for m in written], already_recorded=already
        )

    async def RecordInventoryCount(
        self, request: pb.RecordInventoryCountRequest, context: grpc.aio.ServicerContext
    ) -> pb.RecordInventoryCountResponse:
        counted = [
            (
                parse_id(item.product_id, f"items.{i}.product_id"),
                parse_quantity(item.counted, f"items.{i}.counted", allow_zero=True),
                item.unit.strip(),
            )
            for i, item in enumerate(request.items)
        ]
        lines = await self.service.record_count(request.location_id, counted, request.reason)
        return pb.RecordInventoryCountResponse(
            lines=[
                pb.CountLine(
                    product_id=str(line.product_id),
                    expected=format_quantity(line.expected),
                    counted=format_quantity(line.counted),
                    movement_id=str(line.movement_id) if line.movement_id else "",
                )
                for line in lines
            ]
        )

    # -- reports -----------------------------------------------------------------------------
    async def GetValuation(
        self, request: pb.GetValuationRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetValuationResponse:
        lines = await self.service.valuation(request.location_id)
        return pb.GetValuationResponse(
            lines=[
                pb.ValuationLine(
                    product_id=str(line.product_id),
                    product_code=line.code,
                    product_label=line.label,
                    quantity=format_quantity(line.quantity),
                    average_cost=money(int(line.average_cost_cents.to_integral_value())),
                    value=money(line.value_cents),
                )
                for line in lines
            ],
            total=money(sum(line.value_cents for line in lines)),
        )

    async def ProposeReplenishment(
        self, request: pb.ProposeReplenishmentRequest, context: grpc.aio.ServicerContext
    ) -> pb.ProposeReplenishmentResponse:
        lines = await self.service.replenishment(request.location_id)
        return pb.ProposeReplenishmentResponse(
            lines=[
                pb.ReplenishmentLine(
                    product_id=str(line.product_id),
                    product_code=line.code,
                    product_label=line.label,
                    on_hand=format_quantity(line.on_hand),
                    minimum=format_quantity(line.minimum),
                    to_load=format_quantity(line.to_load),
                    unit=line.unit,
                )
                for line in lines
            ]
        )

    async def ProposeLoading(
        self, request: pb.ProposeLoadingRequest, context: grpc.aio.ServicerContext
    ) -> pb.ProposeLoadingResponse:
        day, vans = await self.reports.loading(optional_date(request, "on"))
        return pb.ProposeLoadingResponse(
            on=date_message(day),
            vans=[
                pb.VanLoading(
                    location_id=str(van.location_id),
                    location_code=van.code,
                    technician_id=van.technician_id,
                    visits=van.visits,
                    visits_without_history=van.visits_without_history,
                    lines=[
                        pb.LoadingLine(
                            product_id=str(line.product_id),
                            product_code=line.code,
                            product_label=line.label,
                            unit=line.unit,
                            on_hand=format_quantity(line.on_hand),
                            minimum=format_quantity(line.minimum),
                            for_visits=format_quantity(line.for_visits),
                            to_load=format_quantity(line.to_load),
                            available=format_quantity(line.available),
                        )
                        for line in van.lines
                    ],
                )
                for van in vans
            ],
        )

    async def ProposePurchases(
        self, request: pb.ProposePurchasesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ProposePurchasesResponse:
        orders = await self.reports.purchases(request.location_id)
        return pb.ProposePurchasesResponse(
            orders=[
                pb.SupplierOrder(
                    supplier=supplier,
                    lines=[
                        pb.PurchaseLine(
                            product_id=str(line.product_id),
                            product_code=line.code,
                            product_label=line.label,
                            unit=line.unit,
                            on_hand=format_quantity(line.on_hand),
                            minimum=format_quantity(line.minimum),
                            to_buy=format_quantity(line.to_buy),
                            unit_price=money(line.unit_price_cents),
                            amount=money(line.amount_cents),
                        )
                        for line in lines
                    ],
                    total=money(sum(line.amount_cents for line in lines)),
                )
                for supplier, lines in orders.items()
            ]
        )

    async def ReportConsumption(
        self, request: pb.ReportConsumptionRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReportConsumptionResponse:
        rows = await self.reports.consumption(
            to_date(request.from_date, "from_date"),
            to_date(request.to_date, "to_date"),
            GROUPINGS.get(request.group_by, ""),
            request.technician_id,
            request.customer_id,
        )
        return pb.ReportConsumptionResponse(
            rows=[
                pb.ConsumptionRow(
                    product_id=str(row.product_id),
                    product_code=row.code,
                    product_label=row.label,
                    group=row.group,
                    quantity=format_quantity(row.quantity),
                    unit=row.unit,
                    sale_quantity=format_quantity(row.sale_quantity),
                    sale_unit=row.sale_unit,
                    cost=money(row.cost_cents),
                    visits=row.visits,
                )
                for row in rows
            ],
            total_cost=money(sum(row.cost_cents for row in rows)),
        )

    async def ReportMargins(
        self, request: pb.ReportMarginsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ReportMarginsResponse:
        rows, contracts = await self.reports.margins(
            to_date(request.from_date, "from_date"),
            to_date(request.to_date, "to_date"),
            request.contract_id,
            request.customer_id,
        )
        return pb.ReportMarginsResponse(
            rows=[
                pb.InterventionMargin(
                    intervention_id=row.intervention_id,
                    customer_id=row.customer_id,
                    contract_id=row.contract_id,
                    day=date_message(row.day),
                    billed=money(row.billed_cents),
                    cost=money(row.cost_cents),
                    margin=money(row.margin_cents),
                )
                for row in rows
            ],
            billed=money(sum(row.billed_cents for row in rows)),
            cost=money(sum(row.cost_cents for row in rows)),
            margin=money(sum(row.margin_cents for row in rows)),
            contracts=[
                pb.ContractMargin(
                    contract_id=total.contract_id,
                    customer_id=total.customer_id,
                    visits=total.visits,
                    billed=money(total.billed_cents),
                    cost=money(total.cost_cents),
                    margin=money(total.margin_cents),
                    margin_rate="" if total.margin_rate is None else str(total.margin_rate),
                )
                for total in contracts
            ],
        )

    # -- certificates ------------------------------------------------------------------------
    async def SetCertificate(
        self, request: pb.SetCertificateRequest, context: grpc.aio.ServicerContext
    ) -> pb.Certificate:
        parse_id(request.technician_id, "technician_id")
        saved = await self.service.set_certificate(
            Certificate(
                str(uuid.UUID(request.technician_id)),
                request.number.strip(),
                to_date(request.expires_on, "expires_on"),
            )
        )
        return certificate_message(saved, (saved.expires_on - self.service.clock.today()).days)

    async def ListExpiringCertificates(
        self, request: pb.ListExpiringCertificatesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListExpiringCertificatesResponse:
        found = await self.service.expiring_certificates(request.within_days)
        today = self.service.clock.today()
        return pb.ListExpiringCertificatesResponse(
            certificates=[certificate_message(c, (c.expires_on - today).days) for c in found]
        )
