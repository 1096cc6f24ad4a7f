"""Stock proposals and reports: what each van loads for the next day's visits, what to buy for
the warehouses, consumption over a period and the parts margin of each visit and contract.

The expected use of a planned visit is the average use of the earlier visits of its contract
(from the ledger, over the last year): the products a contract's pool usually takes. A visit
on a contract with no recorded consumption yet expects nothing and is counted apart."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2, intervention_pb2_grpc
from aquaerp_runtime.authz import ADMIN, BUREAU, COMPTA, require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.convert import date_message
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import InvalidArgument

from .domain import LocationKind, parse_id
from .report_repository import ReportRepository
from .repository import StockRepository

OFFICE = (ADMIN, BUREAU)
USAGE_HISTORY = timedelta(days=365)
PLANNED = (
    intervention_pb2.INTERVENTION_STATUS_SCHEDULED,
    intervention_pb2.INTERVENTION_STATUS_IN_PROGRESS,
)
GROUPS = ("", "technician", "customer", "month")


@dataclass(frozen=True)
class LoadingLine:
    product_id: uuid.UUID
    code: str
    label: str
    unit: str
    on_hand: Decimal
    minimum: Decimal
    for_visits: Decimal
    available: Decimal

    @property
    def to_load(self) -> Decimal:
        return max(Decimal(0), self.minimum + self.for_visits - self.on_hand)


@dataclass
class VanLoading:
    location_id: uuid.UUID
    code: str
    technician_id: str
    visits: int = 0
    visits_without_history: int = 0
    lines: list[LoadingLine] = field(default_factory=list)


@dataclass(frozen=True)
class PurchaseLine:
    product_id: uuid.UUID
    code: str
    label: str
    unit: str
    on_hand: Decimal
    minimum: Decimal
    unit_price_cents: int

    @property
    def to_buy(self) -> Decimal:
        return self.minimum - self.on_hand

    @property
    def amount_cents(self) -> int:
        return int((self.to_buy * self.unit_price_cents).to_integral_value())


@dataclass(frozen=True)
class ConsumptionRow:
    product_id: uuid.UUID
    code: str
    label: str
    group: str
    quantity: Decimal
    unit: str
    sale_quantity: Decimal
    sale_unit: str
    cost_cents: int
    visits: int


@dataclass(frozen=True)
class MarginRow:
    intervention_id: str
    customer_id: str
    contract_id: str
    day: date
    billed_cents: int
    cost_cents: int

    @property
    def margin_cents(self) -> int:
        return self.billed_cents - self.cost_cents


@dataclass(frozen=True)
class ContractMargin:
    """The visits of one contract ("" for those without a contract) over a period."""

    contract_id: str
    customer_id: str
    visits: int
    billed_cents: int
    cost_cents: int
    margin_rate: Decimal | None

    @property
    def margin_cents(self) -> int:
        return self.billed_cents - self.cost_cents


def _cents(value: Decimal) -> int:
    return int(Decimal(value).to_integral_value())


def check_period(first: date, last: date) -> None:
    if last < first:
        raise InvalidArgument(
            "to_date : la fin précède le début", fields={"to_date": "avant la date de début"}
        )
    if (last - first).days > 366 * 3:
        raise InvalidArgument(
            "to_date : période de trois ans au plus", fields={"to_date": "période trop longue"}
        )


class StockReports:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        interventions: intervention_pb2_grpc.InterventionServiceStub | None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.interventions = interventions

    async def _planned_visits(self, day: date) -> list[intervention_pb2.Intervention]:
        assert self.interventions is not None, "the intervention service is not configured"
        found: list[intervention_pb2.Intervention] = []
        token = ""
        while True:
            page = await self.interventions.ListInterventions(
                intervention_pb2.ListInterventionsRequest(
                    page=common_pb2.PageRequest(page_size=500, page_token=token),
                    statuses=PLANNED,
                    from_date=date_message(day),
                    to_date=date_message(day),
                )
            )
            found.extend(v for v in page.interventions if v.technician_id)
            token = page.page.next_page_token
            if not token:
                return found

    async def loading(self, day: date | None) -> tuple[date, list[VanLoading]]:
        """Per van: minimum plus the expected use of the day's visits, less what it holds."""
        require_roles(*OFFICE)
        day = day or self.clock.today() + timedelta(days=1)
        visits = await self._planned_visits(day)
        async with self.database.unit_of_work() as session:
            vans = await StockRepository(session).list_locations(LocationKind.VAN)
            reports = ReportRepository(session)
            usage = await reports.usage_per_visit(
                sorted({v.contract_id for v in visits if v.contract_id}), day - USAGE_HISTORY
            )
            per_contract: dict[str, dict[uuid.UUID, Decimal]] = defaultdict(dict)
            for row in usage:
                per_contract[row.contract_id][row.product_id] = Decimal(row.per_visit)
            by_technician = {v.technician_id: v for v in vans if v.technician_id}
            loadings: dict[uuid.UUID, VanLoading] = {}
            needs: dict[uuid.UUID, dict[uuid.UUID, Decimal]] = defaultdict(
                lambda: defaultdict(Decimal)
            )
            for van in vans:
                assert van.id is not None
                loadings[van.id] = VanLoading(van.id, van.code, van.technician_id or "")
            for visit in visits:
                own = by_technician.get(visit.technician_id)
                if own is None or own.id is None:
                    continue
                loading = loadings[own.id]
                loading.visits += 1
                expected = per_contract.get(visit.contract_id)
                if not expected:
                    loading.visits_without_history += 1
                    continue
                for product_id, quantity in expected.items():
                    needs[own.id][product_id] += quantity
            wanted = sorted({p for per_van in needs.values() for p in per_van})
            rows = await reports.loading_items(list(loadings), wanted)
        for row in rows:
            line = LoadingLine(
                row.product_id,
                row.code,
                row.label,
                row.unit_of_stock,
                Decimal(row.on_hand),
                Decimal(row.van_minimum),
                # Whole units: a van does not carry a third of a bucket.
                needs[row.van_id][row.product_id].quantize(Decimal(1), rounding=ROUND_CEILING),
                Decimal(row.available),
            )
            if line.to_load > 0:
                loadings[row.van_id].lines.append(line)
        return day, sorted(loadings.values(), key=lambda v: v.code)

    async def purchases(self, location_id: str) -> dict[str, list[PurchaseLine]]:
        """Per supplier: the items below their warehouse minimum, back to the minimum."""
        require_roles(*OFFICE)
        key = parse_id(location_id, "location_id") if location_id else None
        async with self.database.unit_of_work() as session:
            if key is not None:
                place = (await StockRepository(session).locations([key])).get(key)
                if place is None or place.kind != LocationKind.WAREHOUSE:
                    raise InvalidArgument(
                        "location_id : choisissez un dépôt", fields={"location_id": "pas un dépôt"}
                    )
            rows = await ReportRepository(session).warehouse_shortfalls(key)
        orders: dict[str, list[PurchaseLine]] = defaultdict(list)
        for r in rows:
            orders[r.supplier].append(
                PurchaseLine(
                    r.id,
                    r.code,
                    r.label,
                    r.unit_of_stock,
                    Decimal(r.on_hand),
                    Decimal(r.warehouse_minimum),
                    r.purchase_price_cents,
                )
            )
        return dict(sorted(orders.items()))

    async def consumption(
        self, first: date, last: date, group: str, technician_id: str, customer_id: str
    ) -> list[ConsumptionRow]:
        require_roles(*OFFICE, COMPTA)
        check_period(first, last)
        async with self.database.unit_of_work() as session:
            rows = await ReportRepository(session).consumption(
                first, last, group, technician_id, customer_id
            )
        return [
            ConsumptionRow(
                r.product_id,
                r.code,
                r.label,
                r.grp,
                Decimal(r.quantity),
                r.unit_of_stock,
                Decimal(r.quantity) * Decimal(r.sale_units_per_stock_unit),
                r.unit_of_sale,
                _cents(r.cost_cents),
                r.visits,
            )
            for r in rows
        ]

    async def margins(
        self, first: date, last: date, contract_id: str, customer_id: str
    ) -> tuple[list[MarginRow], list[ContractMargin]]:
        """Per visit of the period, and the same visits totalled per contract."""
        require_roles(*OFFICE, COMPTA)
        check_period(first, last)
        async with self.database.unit_of_work() as session:
            reports = ReportRepository(session)
            rows = await reports.margins(first, last, contract_id, customer_id)
            totals = await reports.contract_margins(first, last, contract_id, customer_id)
        return [
            MarginRow(
                r.intervention_id,
                r.customer_id,
                r.contract_id,
                r.day,
                _cents(r.billed_cents),
                _cents(r.cost_cents),
            )
            for r in rows
        ], [
            ContractMargin(
                r.contract_id,
                r.customer_id,
                r.visits,
                _cents(r.billed_cents),
                _cents(r.cost_cents),
                None if r.margin_rate is None else Decimal(r.margin_rate),
            )
            for r in totals
        ]
