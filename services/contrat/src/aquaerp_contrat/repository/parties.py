"""SQL of the parties: customers, their sites, and the installations on those sites."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aquaerp_runtime.paging_sort import Order, SortColumn, Sorting, all_rows, sorted_page
from sqlalchemy import (
    Select,
    and_,
    any_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from ..domain import LIVE_STATUSES, Customer, CustomerType, Installation, Site
from ..models import contract_sites, contracts, customers, installations, sites
from .rows import customer_from_row, installation_from_row, like_pattern, site_from_row, uuid_array

CUSTOMER_SORTING = Sorting(
    {
        "name": SortColumn(customers.c.name),
        "code": SortColumn(customers.c.code),
        "city": SortColumn(customers.c.billing_city),
        "email": SortColumn(customers.c.billing_email),
        "created_at": SortColumn(customers.c.created_at, datetime.fromisoformat),
    },
    default="name asc",
    tiebreak=customers.c.id,
)


SITE_ORDER = Sorting(
    {"name": SortColumn(sites.c.name)}, default="name asc", tiebreak=sites.c.id
).default


def customer_list_statement(
    query: str,
    customer_type: CustomerType | None,
    include_archived: bool,
    only_id: uuid.UUID | None,
) -> Select[Any]:
    statement = select(customers)
    if query:
        pattern = like_pattern(query)
        statement = statement.where(
            or_(
                func.lower(customers.c.name).like(pattern),
                func.lower(customers.c.code).like(pattern),
                func.lower(customers.c.billing_email).like(pattern),
                func.lower(customers.c.billing_city).like(pattern),
                customers.c.billing_postal_code.like(pattern),
                func.lower(func.array_to_string(customers.c.billing_address_lines, " ")).like(
                    pattern
                ),
            )
        )
    if customer_type is not None:
        statement = statement.where(customers.c.type == customer_type.value)
    if not include_archived:
        statement = statement.where(customers.c.archived_at.is_(None))
    if only_id is not None:
        statement = statement.where(customers.c.id == only_id)
    return statement


class PartyRecords:
    session: AsyncSession

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
        return customer_from_row(row)

    async def customer_by_id(
        self, customer_id: uuid.UUID, *, for_update: bool = False
    ) -> Customer | None:
        query = select(customers).where(customers.c.id == customer_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return customer_from_row(row) if row else None

    async def customers_by_ids(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Customer]:
        rows = await self.session.execute(
            select(customers).where(customers.c.id == any_(uuid_array("ids", ids)))
        )
        return {row["id"]: customer_from_row(row) for row in rows.mappings()}

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
        return customer_from_row(row)

    async def list_customers(
        self,
        *,
        query: str,
        customer_type: CustomerType | None,
        include_archived: bool,
        only_id: uuid.UUID | None,
        order: Order,
        page_token: str,
        limit: int,
    ) -> tuple[list[Customer], str, int]:
        """A page of the filtered customers in `order`, the next page token and the total."""
        statement = customer_list_statement(query, customer_type, include_archived, only_id)
        page = await sorted_page(self.session, statement, order, page_token=page_token, limit=limit)
        return [customer_from_row(r) for r in page.rows], page.next_page_token, page.total_size

    async def export_customers(
        self,
        *,
        query: str,
        customer_type: CustomerType | None,
        include_archived: bool,
        only_id: uuid.UUID | None,
        order: Order,
        maximum: int,
    ) -> list[Customer]:
        statement = customer_list_statement(query, customer_type, include_archived, only_id)
        rows = await all_rows(self.session, statement, order, maximum=maximum)
        return [customer_from_row(r) for r in rows]

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
        return site_from_row(row)

    async def site_by_id(self, site_id: uuid.UUID, *, for_update: bool = False) -> Site | None:
        query = select(sites).where(sites.c.id == site_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return site_from_row(row) if row else None

    async def sites_by_ids(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Site]:
        rows = await self.session.execute(
            select(sites).where(sites.c.id == any_(uuid_array("ids", ids)))
        )
        return {row["id"]: site_from_row(row) for row in rows.mappings()}

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
        return site_from_row(row)

    async def list_sites(
        self,
        *,
        customer_id: uuid.UUID | None,
        query: str,
        include_archived: bool,
        page_token: str,
        limit: int,
    ) -> tuple[list[Site], str, int]:
        """A page of the filtered sites by name, the next page token and the total."""
        statement = select(sites)
        if customer_id is not None:
            statement = statement.where(sites.c.customer_id == customer_id)
        if query:
            pattern = like_pattern(query)
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
        page = await sorted_page(
            self.session, statement, SITE_ORDER, page_token=page_token, limit=limit
        )
        return [site_from_row(r) for r in page.rows], page.next_page_token, page.total_size

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
        return installation_from_row(row)

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
        return installation_from_row(row) if row else None

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
        return installation_from_row(row)

    async def list_installations(self, site_id: uuid.UUID) -> list[Installation]:
        rows = await self.session.execute(
            select(installations)
            .where(installations.c.site_id == site_id)
            .order_by(installations.c.name, installations.c.id)
        )
        return [installation_from_row(r) for r in rows.mappings()]

    async def delete_installation(self, installation_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(installations).where(installations.c.id == installation_id)
        )
