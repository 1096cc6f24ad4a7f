"""All SQL of the contrat service."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any

from aquaerp_runtime.outbox import record_event
from sqlalchemy import (
    and_,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .domain import (
    LIVE_STATUSES,
    Address,
    Contract,
    ContractLine,
    ContractStatus,
    Customer,
    CustomerType,
    Equipment,
    Frequency,
    Indexation,
    IndexationMethod,
    IndexationRecord,
    Installation,
    InstallationType,
    MaintenancePlan,
    PricePoint,
    Season,
    Site,
    Suspension,
    Timing,
)
from .models import (
    contract_lines,
    contract_sites,
    contracts,
    counters,
    customers,
    indexations,
    installations,
    line_prices,
    maintenance_plans,
    outbox,
    renewals,
    sites,
    suspensions,
)

UUIDS = ARRAY(UUID(as_uuid=True))


def _uuids(name: str, values: Iterable[uuid.UUID]) -> Any:
    return bindparam(name, list(values), type_=UUIDS)


def _pattern(query: str) -> str:
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# -- row mapping ---------------------------------------------------------------------------------
def _customer(row: Any) -> Customer:
    return Customer(
        id=row["id"],
        code=row["code"],
        type=CustomerType(row["type"]),
        name=row["name"],
        legal_form=row["legal_form"],
        siren=row["siren"],
        siret=row["siret"],
        vat_number=row["vat_number"],
        billing_address=Address(
            tuple(row["billing_address_lines"]),
            row["billing_postal_code"],
            row["billing_city"],
            row["billing_country"],
        ),
        billing_contact_name=row["billing_contact_name"],
        billing_email=row["billing_email"],
        phone=row["phone"],
        notes=row["notes"],
        archived=row["archived_at"] is not None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def customer_columns(customer: dict[str, Any]) -> dict[str, Any]:
    """Column values from a validated customer dict (address flattened)."""
    values = dict(customer)
    address: Address = values.pop("billing_address")
    values.update(
        billing_address_lines=list(address.lines),
        billing_postal_code=address.postal_code,
        billing_city=address.city,
        billing_country=address.country,
    )
    return values


def _site(row: Any) -> Site:
    return Site(
        id=row["id"],
        customer_id=row["customer_id"],
        name=row["name"],
        address=Address(
            tuple(row["address_lines"]), row["postal_code"], row["city"], row["country"]
        ),
        latitude=row["latitude"],
        longitude=row["longitude"],
        access_notes=row["access_notes"],
        gate_code=row["gate_code"],
        archived=row["archived_at"] is not None,
        created_at=row["created_at"],
    )


def site_columns(site: dict[str, Any]) -> dict[str, Any]:
    values = dict(site)
    address: Address = values.pop("address")
    values.update(
        address_lines=list(address.lines),
        postal_code=address.postal_code,
        city=address.city,
        country=address.country,
    )
    return values


def _installation(row: Any) -> Installation:
    return Installation(
        id=row["id"],
        site_id=row["site_id"],
        type=InstallationType(row["type"]),
        name=row["name"],
        volume_m3=row["volume_m3"],
        equipment=tuple(Equipment(**item) for item in row["equipment"]),
        notes=row["notes"],
    )


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _plan(row: Any) -> MaintenancePlan:
    return MaintenancePlan(
        id=row["id"],
        site_id=row["site_id"],
        label=row["label"],
        description=row["description"],
        rrule=row["rrule"],
        seasons=tuple(
            Season(
                name=s["name"],
                start=(int(s["start"][:2]), int(s["start"][3:])),
                end=(int(s["end"][:2]), int(s["end"][3:])),
                rrule=s["rrule"],
            )
            for s in row["seasons"]
        ),
        window_start=_hhmm(row["window_start"]),
        window_end=_hhmm(row["window_end"]),
        duration_minutes=row["duration_minutes"],
        required_skill=row["required_skill"],
        next_from_completion=row["next_from_completion"],
    )


def plan_values(plan: MaintenancePlan, contract_id: uuid.UUID, position: int) -> dict[str, Any]:
    return {
        "id": plan.id,
        "contract_id": contract_id,
        "position": position,
        "site_id": plan.site_id,
        "label": plan.label,
        "description": plan.description,
        "rrule": plan.rrule,
        "seasons": [
            {
                "name": s.name,
                "start": f"{s.start[0]:02d}-{s.start[1]:02d}",
                "end": f"{s.end[0]:02d}-{s.end[1]:02d}",
                "rrule": s.rrule,
            }
            for s in plan.seasons
        ],
        "window_start": plan.window_start.strftime("%H:%M"),
        "window_end": plan.window_end.strftime("%H:%M"),
        "duration_minutes": plan.duration_minutes,
        "required_skill": plan.required_skill,
        "next_from_completion": plan.next_from_completion,
    }


CONTRACT_COLUMNS = [
    *contracts.c,
    customers.c.name.label("customer_name"),
    customers.c.type.label("customer_type"),
]


def _contract(
    row: Any,
    site_ids: Sequence[uuid.UUID],
    lines: Sequence[ContractLine],
    plans: Sequence[MaintenancePlan],
    held: Sequence[Suspension],
    indexed: Sequence[IndexationRecord],
) -> Contract:
    return Contract(
        id=row["id"],
        number=row["number"] or "",
        status=ContractStatus(row["status"]),
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        customer_type=CustomerType(row["customer_type"]),
        site_ids=tuple(site_ids),
        lines=tuple(lines),
        frequency=Frequency(row["billing_frequency"]),
        timing=Timing(row["billing_timing"]),
        payment_days=row["payment_days"],
        payment_end_of_month=row["payment_end_of_month"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        tacit_renewal=row["tacit_renewal"],
        renewal_term_months=row["renewal_term_months"],
        notice_period_days=row["notice_period_days"],
        indexation=Indexation(
            method=IndexationMethod(row["indexation_method"]),
            percentage=row["indexation_percentage"],
            index_name=row["index_name"],
            base_index_value=row["base_index_value"],
            reference_index_value=row["reference_index_value"],
        ),
        sla_hours=row["sla_hours"],
        notes=row["notes"],
        activation_date=row["activation_date"],
        termination_date=row["termination_date"],
        termination_reason=row["termination_reason"],
        renewal_notice_sent_for=row["renewal_notice_sent_for"],
        renewal_notice_sent_at=row["renewal_notice_sent_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        plans=tuple(plans),
        suspensions=tuple(held),
        indexations=tuple(indexed),
    )


class ContratRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- counters --------------------------------------------------------------------------
    async def next_counter_value(self, name: str) -> int:
        """Increments a named counter; the row stays locked until the transaction ends, and a
        rollback gives the value back (gapless)."""
        value = await self.session.scalar(
            pg_insert(counters)
            .values(name=name, value=1)
            .on_conflict_do_update(index_elements=["name"], set_={"value": counters.c.value + 1})
            .returning(counters.c.value)
        )
        return int(value or 0)

    # -- customers -------------------------------------------------------------------------
    async def customer_code_taken(self, code: str, *, except_id: uuid.UUID | None = None) -> bool:
        condition = customers.c.code == code
        if except_id is not None:
            condition = and_(condition, customers.c.id != except_id)
        return bool(await self.session.scalar(select(exists().where(condition))))

    async def insert_customer(self, values: dict[str, Any]) -> Customer:
        row = (
            (await self.session.execute(insert(customers).values(**values).returning(customers)))
            .mappings()
            .one()
        )
        return _customer(row)

    async def customer_by_id(
        self, customer_id: uuid.UUID, *, for_update: bool = False
    ) -> Customer | None:
        query = select(customers).where(customers.c.id == customer_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return _customer(row) if row else None

    async def customers_by_ids(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Customer]:
        rows = await self.session.execute(
            select(customers).where(customers.c.id == any_(_uuids("ids", ids)))
        )
        return {row["id"]: _customer(row) for row in rows.mappings()}

    async def update_customer(self, customer_id: uuid.UUID, values: dict[str, Any]) -> Customer:
        row = (
            (
                await self.session.execute(
                    update(customers)
                    .where(customers.c.id == customer_id)
                    .values(**values, updated_at=func.now())
                    .returning(customers)
                )
            )
            .mappings()
            .one()
        )
        return _customer(row)

    async def list_customers(
        self,
        *,
        query: str,
        customer_type: CustomerType | None,
        include_archived: bool,
        only_id: uuid.UUID | None,
        after: tuple[str, uuid.UUID] | None,
        limit: int,
    ) -> list[Customer]:
        statement = select(customers).order_by(customers.c.name, customers.c.id).limit(limit)
        if query:
            pattern = _pattern(query)
            statement = statement.where(
                or_(
                    func.lower(customers.c.name).like(pattern),
                    func.lower(customers.c.code).like(pattern),
                    func.lower(customers.c.billing_email).like(pattern),
                    func.lower(customers.c.billing_city).like(pattern),
                )
            )
        if customer_type is not None:
            statement = statement.where(customers.c.type == customer_type.value)
        if not include_archived:
            statement = statement.where(customers.c.archived_at.is_(None))
        if only_id is not None:
            statement = statement.where(customers.c.id == only_id)
        if after is not None:
            statement = statement.where(tuple_(customers.c.name, customers.c.id) > tuple_(*after))
        return [_customer(r) for r in (await self.session.execute(statement)).mappings()]

    async def customer_is_referenced(self, customer_id: uuid.UUID) -> bool:
        return bool(
            await self.session.scalar(
                select(
                    or_(
                        exists().where(sites.c.customer_id == customer_id),
                        exists().where(contracts.c.customer_id == customer_id),
                    )
                )
            )
        )

    async def customer_has_live_contracts(self, customer_id: uuid.UUID) -> bool:
        return bool(
            await self.session.scalar(
                select(
                    exists().where(
                        contracts.c.customer_id == customer_id,
                        contracts.c.status.in_([s.value for s in LIVE_STATUSES]),
                    )
                )
            )
        )

    async def delete_customer(self, customer_id: uuid.UUID) -> None:
        await self.session.execute(delete(customers).where(customers.c.id == customer_id))

    # -- sites -----------------------------------------------------------------------------
    async def insert_site(self, values: dict[str, Any]) -> Site:
        row = (
            (await self.session.execute(insert(sites).values(**values).returning(sites)))
            .mappings()
            .one()
        )
        return _site(row)

    async def site_by_id(self, site_id: uuid.UUID, *, for_update: bool = False) -> Site | None:
        query = select(sites).where(sites.c.id == site_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return _site(row) if row else None

    async def sites_by_ids(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Site]:
        rows = await self.session.execute(
            select(sites).where(sites.c.id == any_(_uuids("ids", ids)))
        )
        return {row["id"]: _site(row) for row in rows.mappings()}

    async def update_site(self, site_id: uuid.UUID, values: dict[str, Any]) -> Site:
        row = (
            (
                await self.session.execute(
                    update(sites).where(sites.c.id == site_id).values(**values).returning(sites)
                )
            )
            .mappings()
            .one()
        )
        return _site(row)

    async def list_sites(
        self,
        *,
        customer_id: uuid.UUID | None,
        query: str,
        include_archived: bool,
        after: tuple[str, uuid.UUID] | None,
        limit: int,
    ) -> list[Site]:
        statement = select(sites).order_by(sites.c.name, sites.c.id).limit(limit)
        if customer_id is not None:
            statement = statement.where(sites.c.customer_id == customer_id)
        if query:
            pattern = _pattern(query)
            statement = statement.where(
                or_(
                    func.lower(sites.c.name).like(pattern),
                    func.lower(sites.c.city).like(pattern),
                    func.lower(func.array_to_string(sites.c.address_lines, " ")).like(pattern),
                    sites.c.postal_code.like(pattern),
                )
            )
        if not include_archived:
            statement = statement.where(sites.c.archived_at.is_(None))
        if after is not None:
            statement = statement.where(tuple_(sites.c.name, sites.c.id) > tuple_(*after))
        return [_site(r) for r in (await self.session.execute(statement)).mappings()]

    async def site_has_live_contracts(self, site_id: uuid.UUID) -> bool:
        return bool(
            await self.session.scalar(
                select(
                    exists()
                    .select_from(contract_sites.join(contracts))
                    .where(
                        contract_sites.c.site_id == site_id,
                        contracts.c.status.in_([s.value for s in LIVE_STATUSES]),
                    )
                )
            )
        )

    # -- installations ---------------------------------------------------------------------
    async def insert_installation(self, values: dict[str, Any]) -> Installation:
        row = (
            (
                await self.session.execute(
                    insert(installations).values(**values).returning(installations)
                )
            )
            .mappings()
            .one()
        )
        return _installation(row)

    async def installation_by_id(self, installation_id: uuid.UUID) -> Installation | None:
        row = (
            (
                await self.session.execute(
                    select(installations).where(installations.c.id == installation_id)
                )
            )
            .mappings()
            .first()
        )
        return _installation(row) if row else None

    async def update_installation(
        self, installation_id: uuid.UUID, values: dict[str, Any]
    ) -> Installation:
        row = (
            (
                await self.session.execute(
                    update(installations)
                    .where(installations.c.id == installation_id)
                    .values(**values)
                    .returning(installations)
                )
            )
            .mappings()
            .one()
        )
        return _installation(row)

    async def list_installations(self, site_id: uuid.UUID) -> list[Installation]:
        rows = await self.session.execute(
            select(installations)
            .where(installations.c.site_id == site_id)
            .order_by(installations.c.name, installations.c.id)
        )
        return [_installation(r) for r in rows.mappings()]

    async def delete_installation(self, installation_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(installations).where(installations.c.id == installation_id)
        )

    # -- contracts: writing ----------------------------------------------------------------
    async def insert_contract(self, values: dict[str, Any]) -> uuid.UUID:
        return uuid.UUID(
            str(
                await self.session.scalar(
                    insert(contracts).values(**values).returning(contracts.c.id)
                )
            )
        )

    async def update_contract(self, contract_id: uuid.UUID, values: dict[str, Any]) -> None:
        await self.session.execute(
            update(contracts)
            .where(contracts.c.id == contract_id)
            .values(**values, updated_at=func.now())
        )

    async def delete_contract(self, contract_id: uuid.UUID) -> None:
        await self.session.execute(delete(contracts).where(contracts.c.id == contract_id))

    async def replace_terms(
        self,
        contract_id: uuid.UUID,
        site_ids: Sequence[uuid.UUID],
        lines: Sequence[ContractLine],
        plans: Sequence[MaintenancePlan],
    ) -> None:
        """Replaces the sites, lines (with their prices) and plans of a draft."""
        await self.session.execute(
            delete(contract_sites).where(contract_sites.c.contract_id == contract_id)
        )
        await self.session.execute(
            delete(contract_lines).where(contract_lines.c.contract_id == contract_id)
        )
        if site_ids:
            await self.session.execute(
                insert(contract_sites),
                [{"contract_id": contract_id, "site_id": s} for s in site_ids],
            )
        if lines:
            await self.session.execute(
                insert(contract_lines),
                [
                    {
                        "id": line.id,
                        "contract_id": contract_id,
                        "position": line.position,
                        "product_code": line.product_code,
                        "label": line.label,
                        "quantity_milli": line.quantity_milli,
                        "unit_code": line.unit_code,
                        "vat_rate_bp": line.vat_rate_bp,
                        "site_id": line.site_id,
                    }
                    for line in lines
                ],
            )
            await self.insert_prices(
                [(line.id, point) for line in lines for point in line.prices], replace=False
            )
        await self.replace_plans(contract_id, plans)

    async def replace_plans(self, contract_id: uuid.UUID, plans: Sequence[MaintenancePlan]) -> None:
        await self.session.execute(
            delete(maintenance_plans).where(maintenance_plans.c.contract_id == contract_id)
        )
        if plans:
            await self.session.execute(
                insert(maintenance_plans),
                [
                    plan_values(plan, contract_id, position)
                    for position, plan in enumerate(plans, 1)
                ],
            )

    async def insert_prices(
        self, prices: Sequence[tuple[uuid.UUID, PricePoint]], *, replace: bool = True
    ) -> None:
        """Adds dated prices; with `replace`, a price already dated that day is overwritten."""
        if not prices:
            return
        statement = pg_insert(line_prices)
        if replace:
            statement = statement.on_conflict_do_update(
                index_elements=["line_id", "effective_date"],
                set_={
                    "unit_price_cents": statement.excluded.unit_price_cents,
                    "reason": statement.excluded.reason,
                },
            )
        await self.session.execute(
            statement,
            [
                {
                    "line_id": line_id,
                    "effective_date": point.effective_date,
                    "unit_price_cents": point.unit_price_cents,
                    "reason": point.reason,
                }
                for line_id, point in prices
            ],
        )

    async def move_initial_prices(self, contract_id: uuid.UUID, start_date: date) -> None:
        """Keeps the initial price of each line dated on the contract start."""
        await self.session.execute(
            update(line_prices)
            .where(
                line_prices.c.reason == "initial",
                line_prices.c.line_id.in_(
                    select(contract_lines.c.id).where(contract_lines.c.contract_id == contract_id)
                ),
            )
            .values(effective_date=start_date)
        )

    async def insert_suspension(self, contract_id: uuid.UUID, start: date, reason: str) -> None:
        await self.session.execute(
            insert(suspensions).values(contract_id=contract_id, start_date=start, reason=reason)
        )

    async def close_suspension(self, contract_id: uuid.UUID, last_day: date) -> None:
        await self.session.execute(
            update(suspensions)
            .where(suspensions.c.contract_id == contract_id, suspensions.c.end_date.is_(None))
            .values(end_date=last_day)
        )

    async def insert_indexation(self, contract_id: uuid.UUID, record: IndexationRecord) -> None:
        await self.session.execute(
            insert(indexations).values(
                contract_id=contract_id,
                effective_date=record.effective_date,
                method=record.method.value,
                factor=record.factor,
                previous_index_value=record.previous_index_value,
                index_value=record.index_value,
            )
        )

    async def insert_renewal(
        self, contract_id: uuid.UUID, kind: str, previous_end: date, new_end: date
    ) -> None:
        await self.session.execute(
            insert(renewals).values(
                contract_id=contract_id,
                kind=kind,
                previous_end_date=previous_end,
                new_end_date=new_end,
            )
        )

    # -- contracts: reading ----------------------------------------------------------------
    async def lock_contract(self, contract_id: uuid.UUID) -> bool:
        """Locks the contract row for the rest of the transaction; False when it does not exist."""
        found = await self.session.scalar(
            select(contracts.c.id).where(contracts.c.id == contract_id).with_for_update()
        )
        return found is not None

    async def contract_by_id(self, contract_id: uuid.UUID) -> Contract | None:
        found = await self.load_contracts([contract_id])
        return found[0] if found else None

    async def load_contracts(
        self, ids: Sequence[uuid.UUID], *, with_plans: bool = True
    ) -> list[Contract]:
        """Contracts with all their parts in a fixed number of queries, in the order of `ids`."""
        if not ids:
            return []
        id_list = list(ids)
        rows = (
            (
                await self.session.execute(
                    select(*CONTRACT_COLUMNS)
                    .join(customers, customers.c.id == contracts.c.customer_id)
                    .where(contracts.c.id == any_(_uuids("ids", id_list)))
                )
            )
            .mappings()
            .all()
        )
        site_ids: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for contract_id, site_id in await self.session.execute(
            select(contract_sites.c.contract_id, contract_sites.c.site_id)
            .where(contract_sites.c.contract_id == any_(_uuids("ids", id_list)))
            .order_by(contract_sites.c.contract_id, contract_sites.c.site_id)
        ):
            site_ids[contract_id].append(site_id)
        prices: dict[uuid.UUID, list[PricePoint]] = defaultdict(list)
        for line_id, effective, cents, reason in await self.session.execute(
            select(
                line_prices.c.line_id,
                line_prices.c.effective_date,
                line_prices.c.unit_price_cents,
                line_prices.c.reason,
            )
            .join(contract_lines, contract_lines.c.id == line_prices.c.line_id)
            .where(contract_lines.c.contract_id == any_(_uuids("ids", id_list)))
            .order_by(line_prices.c.line_id, line_prices.c.effective_date)
        ):
            prices[line_id].append(PricePoint(effective, cents, reason))
        lines: dict[uuid.UUID, list[ContractLine]] = defaultdict(list)
        for row in (
            await self.session.execute(
                select(contract_lines)
                .where(contract_lines.c.contract_id == any_(_uuids("ids", id_list)))
                .order_by(contract_lines.c.contract_id, contract_lines.c.position)
            )
        ).mappings():
            lines[row["contract_id"]].append(
                ContractLine(
                    id=row["id"],
                    position=row["position"],
                    product_code=row["product_code"],
                    label=row["label"],
                    quantity_milli=row["quantity_milli"],
                    unit_code=row["unit_code"],
                    vat_rate_bp=row["vat_rate_bp"],
                    site_id=row["site_id"],
                    prices=tuple(prices[row["id"]]),
                )
            )
        held: dict[uuid.UUID, list[Suspension]] = defaultdict(list)
        for contract_id, start, end, reason in await self.session.execute(
            select(
                suspensions.c.contract_id,
                suspensions.c.start_date,
                suspensions.c.end_date,
                suspensions.c.reason,
            )
            .where(suspensions.c.contract_id == any_(_uuids("ids", id_list)))
            .order_by(suspensions.c.contract_id, suspensions.c.start_date)
        ):
            held[contract_id].append(Suspension(start, end, reason))
        indexed: dict[uuid.UUID, list[IndexationRecord]] = defaultdict(list)
        for row in (
            await self.session.execute(
                select(indexations)
                .where(indexations.c.contract_id == any_(_uuids("ids", id_list)))
                .order_by(indexations.c.contract_id, indexations.c.effective_date)
            )
        ).mappings():
            indexed[row["contract_id"]].append(
                IndexationRecord(
                    effective_date=row["effective_date"],
                    method=IndexationMethod(row["method"]),
                    factor=row["factor"],
                    previous_index_value=row["previous_index_value"],
                    index_value=row["index_value"],
                    created_at=row["created_at"],
                )
            )
        plans: dict[uuid.UUID, list[MaintenancePlan]] = defaultdict(list)
        if with_plans:
            for row in (
                await self.session.execute(
                    select(maintenance_plans)
                    .where(maintenance_plans.c.contract_id == any_(_uuids("ids", id_list)))
                    .order_by(maintenance_plans.c.contract_id, maintenance_plans.c.position)
                )
            ).mappings():
                plans[row["contract_id"]].append(_plan(row))
        by_id = {
            row["id"]: _contract(
                row,
                site_ids[row["id"]],
                lines[row["id"]],
                plans[row["id"]],
                held[row["id"]],
                indexed[row["id"]],
            )
            for row in rows
        }
        return [by_id[i] for i in id_list if i in by_id]

    async def list_contract_ids(
        self,
        *,
        customer_id: uuid.UUID | None,
        site_id: uuid.UUID | None,
        statuses: Sequence[ContractStatus],
        query: str,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[uuid.UUID]:
        """A page of contract ids, most recently created first."""
        statement = (
            select(contracts.c.id)
            .join(customers, customers.c.id == contracts.c.customer_id)
            .order_by(contracts.c.created_at.desc(), contracts.c.id.desc())
            .limit(limit)
        )
        if customer_id is not None:
            statement = statement.where(contracts.c.customer_id == customer_id)
        if site_id is not None:
            statement = statement.where(
                exists().where(
                    contract_sites.c.contract_id == contracts.c.id,
                    contract_sites.c.site_id == site_id,
                )
            )
        if statuses:
            statement = statement.where(contracts.c.status.in_([s.value for s in statuses]))
        if query:
            pattern = _pattern(query)
            statement = statement.where(
                or_(
                    func.lower(contracts.c.number).like(pattern),
                    func.lower(customers.c.name).like(pattern),
                )
            )
        if after is not None:
            statement = statement.where(
                tuple_(contracts.c.created_at, contracts.c.id) < tuple_(*after)
            )
        return list(await self.session.scalars(statement))

    async def contract_ids_by_status(
        self,
        statuses: Sequence[ContractStatus],
        *,
        after_id: uuid.UUID | None = None,
        limit: int | None = None,
        terminated_since: date | None = None,
    ) -> list[uuid.UUID]:
        """Ids in id order, for batch queries paging over contracts; terminated contracts only
        when they ended on or after `terminated_since` (when given)."""
        statement = (
            select(contracts.c.id)
            .where(contracts.c.status.in_([s.value for s in statuses]))
            .order_by(contracts.c.id)
        )
        if terminated_since is not None:
            statement = statement.where(
                or_(
                    contracts.c.status != ContractStatus.TERMINATED.value,
                    contracts.c.termination_date >= terminated_since,
                )
            )
        if after_id is not None:
            statement = statement.where(contracts.c.id > after_id)
        if limit is not None:
            statement = statement.limit(limit)
        return list(await self.session.scalars(statement))

    async def contract_created_at(self, contract_id: uuid.UUID) -> datetime | None:
        return await self.session.scalar(
            select(contracts.c.created_at).where(contracts.c.id == contract_id)
        )

    async def contract_id_of_plan(self, plan_id: uuid.UUID) -> uuid.UUID | None:
        return await self.session.scalar(
            select(maintenance_plans.c.contract_id).where(maintenance_plans.c.id == plan_id)
        )

    async def renewal_notice_candidates(
        self, earliest_end: date, latest_end: date
    ) -> list[uuid.UUID]:
        """Live tacit-renewal contracts of private customers whose term ends in the range."""
        return list(
            await self.session.scalars(
                select(contracts.c.id)
                .join(customers, customers.c.id == contracts.c.customer_id)
                .where(
                    contracts.c.status.in_([s.value for s in LIVE_STATUSES]),
                    contracts.c.tacit_renewal,
                    customers.c.type == CustomerType.PRIVATE.value,
                    contracts.c.end_date.between(earliest_end, latest_end),
                )
                .order_by(contracts.c.end_date, contracts.c.number)
            )
        )

    async def term_ended_contract_ids(self, before: date) -> list[uuid.UUID]:
        return list(
            await self.session.scalars(
                select(contracts.c.id)
                .where(
                    contracts.c.status.in_([s.value for s in LIVE_STATUSES]),
                    contracts.c.end_date < before,
                )
                .order_by(contracts.c.id)
            )
        )

    async def indexed_contract_ids(self) -> list[uuid.UUID]:
        return list(
            await self.session.scalars(
                select(contracts.c.id)
                .where(
                    contracts.c.status.in_([s.value for s in LIVE_STATUSES]),
                    contracts.c.indexation_method != IndexationMethod.NONE.value,
                )
                .order_by(contracts.c.id)
            )
        )

    async def claim_renewal_notice_due(self, contract_id: uuid.UUID, term_end: date) -> bool:
        """Records that the notice for this term is due; False when it already was."""
        claimed = await self.session.scalar(
            update(contracts)
            .where(
                contracts.c.id == contract_id,
                or_(
                    contracts.c.renewal_notice_due_for.is_(None),
                    contracts.c.renewal_notice_due_for != term_end,
                ),
            )
            .values(renewal_notice_due_for=term_end)
            .returning(contracts.c.id)
        )
        return claimed is not None

    async def mark_renewal_notice_sent(self, contract_id: uuid.UUID, term_end: date) -> datetime:
        """Records the notice once per term; returns the first recorded time."""
        await self.session.execute(
            update(contracts)
            .where(
                contracts.c.id == contract_id,
                or_(
                    contracts.c.renewal_notice_sent_for.is_(None),
                    contracts.c.renewal_notice_sent_for != term_end,
                ),
            )
            .values(renewal_notice_sent_for=term_end, renewal_notice_sent_at=func.now())
        )
        sent = await self.session.scalar(
            select(contracts.c.renewal_notice_sent_at).where(contracts.c.id == contract_id)
        )
        assert isinstance(sent, datetime)
        return sent

    # -- events ----------------------------------------------------------------------------
    async def add_event(
        self, event_type: str, contract_id: uuid.UUID, payload: dict[str, Any]
    ) -> None:
        await record_event(self.session, outbox, event_type, "contract", str(contract_id), payload)

    async def add_customer_event(
        self, event_type: str, customer_id: uuid.UUID, payload: dict[str, Any]
    ) -> None:
        await record_event(self.session, outbox, event_type, "customer", str(customer_id), payload)
