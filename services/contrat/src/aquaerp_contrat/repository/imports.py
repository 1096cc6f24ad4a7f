"""SQL of the bulk import: jobs, saved mappings, and the look-ups and batch writes that make an
import of thousands of rows a few statements per batch."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, any_, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ..import_tables import import_jobs, import_mappings
from ..models import (
    contract_lines,
    contract_sites,
    contracts,
    counters,
    customers,
    installations,
    maintenance_plans,
    outbox,
    sites,
)
from .rows import uuid_array

JOB_SUMMARY = [c for c in import_jobs.c if c.name != "content"]


class ImportRecords:
    session: AsyncSession

    # -- jobs ------------------------------------------------------------------------------
    async def insert_import_job(self, values: dict[str, Any]) -> Any:
        return (
            (
                await self.session.execute(
                    insert(import_jobs).values(**values).returning(*JOB_SUMMARY)
                )
            )
            .mappings()
            .one()
        )

    async def import_job(self, job_id: uuid.UUID, *, for_update: bool = False) -> Any | None:
        query = select(*JOB_SUMMARY).where(import_jobs.c.id == job_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).mappings().first()

    async def import_job_content(self, job_id: uuid.UUID) -> bytes:
        return bytes(
            await self.session.scalar(
                select(import_jobs.c.content).where(import_jobs.c.id == job_id)
            )
            or b""
        )

    async def update_import_job(self, job_id: uuid.UUID, values: dict[str, Any]) -> Any:
        return (
            (
                await self.session.execute(
                    update(import_jobs)
                    .where(import_jobs.c.id == job_id)
                    .values(**values, updated_at=func.now())
                    .returning(*JOB_SUMMARY)
                )
            )
            .mappings()
            .one()
        )

    # -- mappings ----------------------------------------------------------------------------
    async def saved_import_mappings(self) -> list[Any]:
        rows = await self.session.execute(select(import_mappings).order_by(import_mappings.c.name))
        return list(rows.mappings())

    async def import_mapping(self, name: str) -> Any | None:
        return await self.session.scalar(
            select(import_mappings.c.mapping).where(import_mappings.c.name == name)
        )

    async def put_import_mapping(self, name: str, mapping: list[dict[str, str]]) -> None:
        await self.session.execute(
            pg_insert(import_mappings)
            .values(name=name, mapping=mapping)
            .on_conflict_do_update(
                index_elements=["name"], set_={"mapping": mapping, "updated_at": func.now()}
            )
        )

    # -- look-ups by external reference -------------------------------------------------------
    async def customers_by_external_refs(self, refs: Iterable[str]) -> dict[str, uuid.UUID]:
        wanted = list(refs)
        rows = await self.session.execute(
            select(customers.c.external_ref, customers.c.id).where(
                customers.c.external_ref == any_(_text_array("refs", wanted))
            )
        )
        return {row.external_ref: row.id for row in rows}

    async def codes_taken(self, codes: Iterable[str]) -> set[str]:
        rows = await self.session.scalars(
            select(customers.c.code).where(customers.c.code == any_(_text_array("codes", codes)))
        )
        return set(rows)

    async def reserve_counter_values(self, name: str, count: int) -> range:
        """`count` consecutive values of a named counter (locked until the transaction ends)."""
        last = await self.session.scalar(
            pg_insert(counters)
            .values(name=name, value=count)
            .on_conflict_do_update(
                index_elements=["name"], set_={"value": counters.c.value + count}
            )
            .returning(counters.c.value)
        )
        end = int(last or 0) + 1
        return range(end - count, end)

    async def contracts_by_external_refs(
        self, refs: Iterable[str]
    ) -> dict[str, tuple[uuid.UUID, str]]:
        rows = await self.session.execute(
            select(contracts.c.external_ref, contracts.c.id, contracts.c.status).where(
                contracts.c.external_ref == any_(_text_array("refs", list(refs)))
            )
        )
        return {row.external_ref: (row.id, row.status) for row in rows}

    async def sites_by_names(
        self, pairs: Sequence[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], uuid.UUID]:
        if not pairs:
            return {}
        rows = await self.session.execute(
            select(sites.c.customer_id, sites.c.name, sites.c.id).where(
                and_(
                    sites.c.customer_id == any_(uuid_array("cids", {c for c, _ in pairs})),
                    tuple_(sites.c.customer_id, sites.c.name).in_(list(pairs)),
                    sites.c.archived_at.is_(None),
                )
            )
        )
        return {(row.customer_id, row.name): row.id for row in rows}

    async def installations_by_names(
        self, pairs: Sequence[tuple[uuid.UUID, str]]
    ) -> dict[tuple[uuid.UUID, str], uuid.UUID]:
        if not pairs:
            return {}
        rows = await self.session.execute(
            select(installations.c.site_id, installations.c.name, installations.c.id).where(
                tuple_(installations.c.site_id, installations.c.name).in_(list(pairs))
            )
        )
        return {(row.site_id, row.name): row.id for row in rows}

    # -- batch writes -------------------------------------------------------------------------
    async def insert_many(self, table_name: str, rows: list[dict[str, Any]]) -> list[uuid.UUID]:
        """Inserts rows into customers, sites, installations or contracts; their ids in order."""
        if not rows:
            return []
        table = _WRITABLE[table_name]
        result = await self.session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        )
        return [row.id for row in result]

    async def update_many(
        self, table_name: str, rows: list[tuple[uuid.UUID, dict[str, Any]]]
    ) -> None:
        """Updates rows of customers, sites, installations or contracts by id, one executemany
        per set of columns."""
        table = _WRITABLE[table_name]
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row_id, values in rows:
            by_columns.setdefault(tuple(sorted(values)), []).append(
                {"row_id": row_id, **{f"new_{k}": v for k, v in values.items()}}
            )
        for columns, params in by_columns.items():
            statement = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({column: bindparam(f"new_{column}") for column in columns})
            )
            connection = await self.session.connection()
            await connection.execute(statement, params)

    async def delete_terms(self, contract_ids: Sequence[uuid.UUID]) -> None:
        """Removes the sites, lines (and prices) and plans of drafts about to get new ones."""
        if not contract_ids:
            return
        for table in (contract_sites, contract_lines, maintenance_plans):
            await self.session.execute(
                delete(table).where(table.c.contract_id == any_(uuid_array("ids", contract_ids)))
            )

    async def add_events(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(outbox), rows)


_WRITABLE = {
    "customers": customers,
    "sites": sites,
    "installations": installations,
    "contracts": contracts,
}


def _text_array(name: str, values: Iterable[str]) -> Any:
    from sqlalchemy import String
    from sqlalchemy.dialects.postgresql import ARRAY

    return bindparam(name, list(values), type_=ARRAY(String))


async def record_progress(connection: AsyncConnection, job_id: uuid.UUID, rows_done: int) -> None:
    """Progress of a running import, written beside its (still open) transaction."""
    await connection.execute(
        update(import_jobs)
        .where(import_jobs.c.id == job_id)
        .values(rows_done=rows_done, updated_at=func.now())
    )
