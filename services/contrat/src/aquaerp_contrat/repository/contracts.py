"""SQL of the contracts: their terms, prices, suspensions, indexations and renewals, and the
batch queries other services page through."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from aquaerp_runtime.paging_sort import Order, SortColumn, Sorting, sorted_page
from sqlalchemy import (
    String,
    any_,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import (
    LIVE_STATUSES,
    Contract,
    ContractLine,
    ContractStatus,
    CustomerType,
    IndexationMethod,
    IndexationRecord,
    MaintenancePlan,
    PricePoint,
    Suspension,
)
from ..models import (
    contract_lines,
    contract_sites,
    contracts,
    customers,
    indexations,
    line_prices,
    maintenance_plans,
    renewals,
    suspensions,
)
from .rows import (
    CONTRACT_COLUMNS,
    contract_from_row,
    like_pattern,
    plan_from_row,
    plan_values,
    uuid_array,
)

# The sorts of the contract list; drafts have no number yet (coalesce, as indexed: 0006).
CONTRACT_SORTING = Sorting(
    {
        "created_at": SortColumn(contracts.c.created_at, datetime.fromisoformat),
        "number": SortColumn(func.coalesce(contracts.c.number, literal_column("''", String))),
        "customer_name": SortColumn(customers.c.name),
        "start_date": SortColumn(contracts.c.start_date, date.fromisoformat),
        "status": SortColumn(contracts.c.status),
    },
    default="created_at desc",
    tiebreak=contracts.c.id,
)


class ContractRecords:
    session: AsyncSession

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
        await self.session.execute(
            delete(maintenance_plans).where(maintenance_plans.c.contract_id == contract_id)
        )
        await self.insert_terms([(contract_id, site_ids, lines, plans)])

    async def insert_terms(
        self,
        terms: Sequence[
            tuple[
                uuid.UUID,
                Sequence[uuid.UUID],
                Sequence[ContractLine],
                Sequence[MaintenancePlan],
            ]
        ],
    ) -> None:
        """Adds the sites, lines (with their prices) and plans of contracts that have none, in
        one statement per table whatever the number of contracts (bulk import)."""
        site_rows = [{"contract_id": c, "site_id": s} for c, sites_, _, _ in terms for s in sites_]
        line_rows = [
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
            for contract_id, _, lines, _ in terms
            for line in lines
        ]
        plan_rows = [
            plan_values(plan, contract_id, position)
            for contract_id, _, _, plans in terms
            for position, plan in enumerate(plans, 1)
        ]
        if site_rows:
            await self.session.execute(insert(contract_sites), site_rows)
        if line_rows:
            await self.session.execute(insert(contract_lines), line_rows)
            await self.insert_prices(
                [
                    (line.id, point)
                    for _, _, lines, _ in terms
                    for line in lines
                    for point in line.prices
                ],
                replace=False,
            )
        if plan_rows:
            await self.session.execute(insert(maintenance_plans), plan_rows)

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
                created_at=record.created_at,
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
                    .where(contracts.c.id == any_(uuid_array("ids", id_list)))
                )
            )
            .mappings()
            .all()
        )
        site_ids: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for contract_id, site_id in await self.session.execute(
            select(contract_sites.c.contract_id, contract_sites.c.site_id)
            .where(contract_sites.c.contract_id == any_(uuid_array("ids", id_list)))
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
            .where(contract_lines.c.contract_id == any_(uuid_array("ids", id_list)))
            .order_by(line_prices.c.line_id, line_prices.c.effective_date)
        ):
            prices[line_id].append(PricePoint(effective, cents, reason))
        lines: dict[uuid.UUID, list[ContractLine]] = defaultdict(list)
        for row in (
            await self.session.execute(
                select(contract_lines)
                .where(contract_lines.c.contract_id == any_(uuid_array("ids", id_list)))
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
            .where(suspensions.c.contract_id == any_(uuid_array("ids", id_list)))
            .order_by(suspensions.c.contract_id, suspensions.c.start_date)
        ):
            held[contract_id].append(Suspension(start, end, reason))
        indexed: dict[uuid.UUID, list[IndexationRecord]] = defaultdict(list)
        for row in (
            await self.session.execute(
                select(indexations)
                .where(indexations.c.contract_id == any_(uuid_array("ids", id_list)))
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
                    .where(maintenance_plans.c.contract_id == any_(uuid_array("ids", id_list)))
                    .order_by(maintenance_plans.c.contract_id, maintenance_plans.c.position)
                )
            ).mappings():
                plans[row["contract_id"]].append(plan_from_row(row))
        by_id = {
            row["id"]: contract_from_row(
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
        order: Order,
        page_token: str,
        limit: int,
    ) -> tuple[list[uuid.UUID], str, int]:
        """A page of contract ids in `order`, the next page token and the filtered total."""
        statement = select(contracts.c.id).join(
            customers, customers.c.id == contracts.c.customer_id
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
            pattern = like_pattern(query)
            statement = statement.where(
                or_(
                    func.lower(contracts.c.number).like(pattern),
                    func.lower(customers.c.name).like(pattern),
                )
            )
        page = await sorted_page(self.session, statement, order, page_token=page_token, limit=limit)
        return [row["id"] for row in page.rows], page.next_page_token, page.total_size

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

    async def mark_renewal_notice_sent(
        self, contract_id: uuid.UUID, term_end: date, sent_at: datetime
    ) -> datetime:
        """Records the notice once per term, sent at `sent_at`; returns the first recorded time."""
        await self.session.execute(
            update(contracts)
            .where(
                contracts.c.id == contract_id,
                or_(
                    contracts.c.renewal_notice_sent_for.is_(None),
                    contracts.c.renewal_notice_sent_for != term_end,
                ),
            )
            .values(renewal_notice_sent_for=term_end, renewal_notice_sent_at=sent_at)
        )
        sent = await self.session.scalar(
            select(contracts.c.renewal_notice_sent_at).where(contracts.c.id == contract_id)
        )
        assert isinstance(sent, datetime)
        return sent
