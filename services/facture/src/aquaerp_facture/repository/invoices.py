"""SQL of invoices and credit notes: drafts, issue (numbers, the chain head, billed periods),
chain verification and exports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aquaerp_runtime.paging_sort import Order, SortColumn, Sorting, all_rows, sorted_page
from sqlalchemy import (
    BigInteger,
    Date,
    Select,
    String,
    and_,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.elements import ColumnElement

from ..models import (
    CREDIT_NOTE,
    DRAFT,
    INVOICE,
    ISSUED,
    allocations,
    billed_periods,
    chain_head,
    counters,
    invoices,
)
from . import Repository

_INVOICE_COLUMNS = [c for c in invoices.c if c.name != "pdf"]
SETTLED_CENTS = (
    select(func.coalesce(func.sum(allocations.c.amount_cents), 0).cast(BigInteger))
    .where(allocations.c.invoice_id == invoices.c.id)
    .scalar_subquery()
)
_corrected = invoices.alias("corrected")
_corrected_number = (
    select(_corrected.c.number)
    .where(_corrected.c.id == invoices.c.corrected_invoice_id)
    .scalar_subquery()
)


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    id: uuid.UUID
    type: str
    status: str
    source: str
    customer_id: str
    customer_name: str
    customer_email: str
    content: dict[str, Any]
    total_excluding_vat_cents: int
    total_vat_cents: int
    total_including_vat_cents: int
    corrected_invoice_id: uuid.UUID | None
    contract_id: str | None
    intervention_id: str | None
    billing_run_id: uuid.UUID | None
    idempotency_key: str | None
    number: str | None
    issue_date: date | None
    due_date: date | None
    document: dict[str, Any] | None
    chain_position: int | None
    previous_hash: str | None
    hash: str | None
    pdf_sha256: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    issued_at: datetime | None
    issued_by: str | None
    settled_cents: int
    corrected_invoice_number: str | None

    @property
    def amount_due_cents(self) -> int:
        return self.total_including_vat_cents - self.settled_cents if self.type == INVOICE else 0


def _invoice(row: Any) -> InvoiceRow:
    return InvoiceRow(**{name: row[name] for name in InvoiceRow.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class ChainHead:
    position: int
    hash: str
    issue_date: date | None


@dataclass(frozen=True, slots=True)
class ChainLink:
    """What the verifier needs of one issued document."""

    chain_position: int
    id: uuid.UUID
    number: str
    type: str
    issue_date: date
    previous_hash: str
    hash: str
    document: dict[str, Any]
    pdf_sha256: str
    pdf_digest: str  # sha256 of the stored PDF, computed by the database


@dataclass(frozen=True, slots=True)
class InvoiceFilter:
    customer_id: str = ""
    type: str = ""
    statuses: tuple[str, ...] = ()  # draft, issued, partially_paid, paid
    issued_from: date | None = None
    issued_to: date | None = None
    overdue_on: date | None = None
    query: str = ""
    contract_id: str = ""
    billing_run_id: uuid.UUID | None = None
    source: str = ""
    issued_only: bool = False


class InvoiceRepository(Repository):
    def _invoice_query(self) -> Select[Any]:
        return select(
            *_INVOICE_COLUMNS,
            SETTLED_CENTS.label("settled_cents"),
            _corrected_number.label("corrected_invoice_number"),
        )

    async def invoice(
        self, invoice_id: uuid.UUID, *, for_update: bool = False
    ) -> InvoiceRow | None:
        query = self._invoice_query().where(invoices.c.id == invoice_id)
        if for_update:
            query = query.with_for_update(of=invoices)
        row = (await self.session.execute(query)).mappings().first()
        return _invoice(row) if row else None

    async def invoices_by_ids(self, ids: Sequence[uuid.UUID]) -> list[InvoiceRow]:
        if not ids:
            return []
        query = self._invoice_query().where(invoices.c.id.in_(ids))
        rows = (await self.session.execute(query)).mappings().all()
        by_id = {row["id"]: _invoice(row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def invoice_by_idempotency_key(self, key: str) -> InvoiceRow | None:
        query = self._invoice_query().where(invoices.c.idempotency_key == key)
        row = (await self.session.execute(query)).mappings().first()
        return _invoice(row) if row else None

    async def invoice_of_intervention(self, intervention_id: str) -> InvoiceRow | None:
        query = self._invoice_query().where(
            invoices.c.intervention_id == intervention_id, invoices.c.type == INVOICE
        )
        row = (await self.session.execute(query)).mappings().first()
        return _invoice(row) if row else None

    async def insert_draft(self, values: dict[str, Any]) -> uuid.UUID | None:
        """Returns None when the idempotency key (or intervention) is already used."""
        invoice_id: uuid.UUID | None = await self.session.scalar(
            pg_insert(invoices)
            .values(status=DRAFT, **values)
            .on_conflict_do_nothing()
            .returning(invoices.c.id)
        )
        return invoice_id

    async def update_draft(
        self, invoice_id: uuid.UUID, values: dict[str, Any], *, at: datetime
    ) -> None:
        await self.session.execute(
            update(invoices)
            .where(invoices.c.id == invoice_id, invoices.c.status == DRAFT)
            .values(updated_at=at, **values)
        )

    async def delete_draft(self, invoice_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(invoices).where(invoices.c.id == invoice_id, invoices.c.status == DRAFT)
        )

    async def list_invoices(
        self, where: InvoiceFilter, order: Order, *, page_token: str, limit: int
    ) -> tuple[list[InvoiceRow], str, int]:
        """A page of the filtered list in `order`, the next page token and the total count."""
        conditions = invoice_conditions(where)
        page = await sorted_page(
            self.session,
            self._invoice_query().where(*conditions),
            order,
            page_token=page_token,
            limit=limit,
            counted=select(invoices.c.id).where(*conditions),
        )
        return [_invoice(row) for row in page.rows], page.next_page_token, page.total_size

    async def export_invoices(
        self, where: InvoiceFilter, order: Order, *, maximum: int
    ) -> list[InvoiceRow]:
        query = self._invoice_query().where(*invoice_conditions(where))
        return [
            _invoice(row) for row in await all_rows(self.session, query, order, maximum=maximum)
        ]

    async def credit_notes_of(
        self, invoice_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        if not invoice_ids:
            return {}
        rows = await self.session.execute(
            select(invoices.c.corrected_invoice_id, invoices.c.id)
            .where(invoices.c.corrected_invoice_id.in_(invoice_ids))
            .order_by(invoices.c.created_at)
        )
        result: dict[uuid.UUID, list[uuid.UUID]] = {}
        for original, credit_note in rows:
            result.setdefault(original, []).append(credit_note)
        return result

    async def credited_total(
        self, invoice_id: uuid.UUID, *, exclude: uuid.UUID | None = None
    ) -> int:
        """Total including VAT of the credit notes (drafts included) correcting an invoice."""
        query = select(func.coalesce(func.sum(invoices.c.total_including_vat_cents), 0)).where(
            invoices.c.corrected_invoice_id == invoice_id
        )
        if exclude is not None:
            query = query.where(invoices.c.id != exclude)
        return int(await self.session.scalar(query) or 0)

    async def issued_credited_total(self, invoice_id: uuid.UUID) -> int:
        return int(
            await self.session.scalar(
                select(func.coalesce(func.sum(invoices.c.total_including_vat_cents), 0)).where(
                    invoices.c.corrected_invoice_id == invoice_id, invoices.c.status == ISSUED
                )
            )
            or 0
        )

    async def pdf(self, invoice_id: uuid.UUID) -> bytes | None:
        pdf: bytes | None = await self.session.scalar(
            select(invoices.c.pdf).where(invoices.c.id == invoice_id)
        )
        return pdf

    # -- issuing --------------------------------------------------------------------------------
    async def lock_chain_head(self) -> ChainHead:
        """Locks the chain head until the transaction ends: issues happen one at a time."""
        row = (
            await self.session.execute(
                select(chain_head.c.position, chain_head.c.hash, chain_head.c.issue_date)
                .where(chain_head.c.id == 1)
                .with_for_update()
            )
        ).one()
        return ChainHead(row.position, row.hash, row.issue_date)

    async def set_chain_head(self, head: ChainHead) -> None:
        await self.session.execute(
            update(chain_head)
            .where(chain_head.c.id == 1)
            .values(position=head.position, hash=head.hash, issue_date=head.issue_date)
        )

    async def counter_value(self, series: str) -> int:
        """The last number taken in a series (0 when none), without locking it."""
        value = await self.session.scalar(
            select(counters.c.value).where(counters.c.series == series)
        )
        return int(value or 0)

    async def allocate_numbers(self, series: str, count: int) -> int:
        """Takes the next `count` values of a series under its row lock (held until the
        transaction ends, so a rollback gives them back); returns the first one."""
        last = await self.session.scalar(
            pg_insert(counters)
            .values(series=series, value=count)
            .on_conflict_do_update(
                index_elements=[counters.c.series], set_={"value": counters.c.value + count}
            )
            .returning(counters.c.value)
        )
        return int(last) - count + 1

    async def issue_draft(self, invoice_id: uuid.UUID, values: dict[str, Any]) -> None:
        """Issues a draft the caller holds locked; `values` carry `issued_at` (the clock's)."""
        result = await self.session.execute(
            update(invoices)
            .where(invoices.c.id == invoice_id, invoices.c.status == DRAFT)
            .values(status=ISSUED, **values)
            .returning(invoices.c.id)
        )
        assert len(result.all()) == 1, "the draft is locked by the caller"

    async def insert_issued(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(invoices).values(status=ISSUED), rows)

    async def billed_lines(
        self, keys: Iterable[tuple[str, date]]
    ) -> dict[tuple[str, date], tuple[uuid.UUID, str]]:
        """Which of these (contract line, period start) keys an invoice already covers."""
        keys = list(keys)
        if not keys:
            return {}
        rows = await self.session.execute(
            select(
                billed_periods.c.contract_line_id,
                billed_periods.c.period_start,
                billed_periods.c.invoice_id,
                invoices.c.number,
            )
            .join(invoices, invoices.c.id == billed_periods.c.invoice_id)
            .where(
                tuple_(billed_periods.c.contract_line_id, billed_periods.c.period_start).in_(keys)
            )
        )
        return {(row[0], row[1]): (row[2], row[3]) for row in rows}

    async def insert_billed_periods(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(billed_periods), rows)

    async def chain_links(self, after_position: int, limit: int) -> list[ChainLink]:
        rows = await self.session.execute(
            select(
                invoices.c.chain_position,
                invoices.c.id,
                invoices.c.number,
                invoices.c.type,
                invoices.c.issue_date,
                invoices.c.previous_hash,
                invoices.c.hash,
                invoices.c.document,
                invoices.c.pdf_sha256,
                func.encode(func.sha256(invoices.c.pdf), "hex").label("pdf_digest"),
            )
            .where(invoices.c.status == ISSUED, invoices.c.chain_position > after_position)
            .order_by(invoices.c.chain_position)
            .limit(limit)
        )
        return [ChainLink(**row) for row in rows.mappings().all()]

    async def chain_head(self) -> ChainHead:
        row = (
            await self.session.execute(
                select(chain_head.c.position, chain_head.c.hash, chain_head.c.issue_date)
            )
        ).one()
        return ChainHead(row.position, row.hash, row.issue_date)

    async def customer_names(self, customer_ids: set[str]) -> dict[str, str]:
        """Each customer's name on its latest issued document."""
        if not customer_ids:
            return {}
        rows = await self.session.execute(
            select(invoices.c.customer_id, invoices.c.customer_name)
            .where(invoices.c.customer_id.in_(customer_ids), invoices.c.status == ISSUED)
            .order_by(invoices.c.customer_id, invoices.c.chain_position.desc())
            .ext(distinct_on(invoices.c.customer_id))
        )
        return {row[0]: row[1] for row in rows}

    # -- exports --------------------------------------------------------------------------------
    async def issued_between(self, first: date, last: date) -> list[InvoiceRow]:
        query = (
            self._invoice_query()
            .where(invoices.c.status == ISSUED, invoices.c.issue_date.between(first, last))
            .order_by(invoices.c.chain_position)
        )
        return [_invoice(row) for row in (await self.session.execute(query)).mappings().all()]


def _status_condition(status: str) -> Any:
    if status == DRAFT:
        return invoices.c.status == DRAFT
    issued_invoice = and_(invoices.c.status == ISSUED, invoices.c.type == INVOICE)
    if status == "paid":
        return and_(issued_invoice, SETTLED_CENTS >= invoices.c.total_including_vat_cents)
    if status == "partially_paid":
        return and_(
            issued_invoice, SETTLED_CENTS > 0, SETTLED_CENTS < invoices.c.total_including_vat_cents
        )
    # issued: nothing settled yet (credit notes stay issued). Allocations are positive, so
    # "nothing settled" is "no allocation": an anti-join, not a sum per row of a long list.
    return and_(
        invoices.c.status == ISSUED,
        or_(
            invoices.c.type == CREDIT_NOTE,
            ~exists().where(allocations.c.invoice_id == invoices.c.id),
        ),
    )


# Literals, not parameters: the planner matches these expressions to their indexes.
NO_DATE = literal_column("DATE '0001-01-01'", Date)
NO_TEXT = literal_column("''", String)
# The sorts of the invoice list; nullable columns (drafts have no number or dates yet) sort
# through the same coalesce as their indexes (migration 0013).
INVOICE_SORTING = Sorting(
    {
        "created_at": SortColumn(invoices.c.created_at, datetime.fromisoformat),
        "number": SortColumn(func.coalesce(invoices.c.number, NO_TEXT)),
        "customer_name": SortColumn(invoices.c.customer_name),
        "issue_date": SortColumn(func.coalesce(invoices.c.issue_date, NO_DATE), date.fromisoformat),
        "due_date": SortColumn(func.coalesce(invoices.c.due_date, NO_DATE), date.fromisoformat),
        "total": SortColumn(invoices.c.total_including_vat_cents, int),
    },
    default="created_at desc",
    tiebreak=invoices.c.id,
)


def invoice_conditions(where: InvoiceFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.customer_id:
        conditions.append(invoices.c.customer_id == where.customer_id)
    if where.type:
        conditions.append(invoices.c.type == where.type)
    if where.issued_only:
        conditions.append(invoices.c.status == ISSUED)
    if where.statuses:
        conditions.append(or_(*(_status_condition(s) for s in where.statuses)))
    if where.issued_from:
        conditions.append(invoices.c.issue_date >= where.issued_from)
    if where.issued_to:
        conditions.append(invoices.c.issue_date <= where.issued_to)
    if where.overdue_on:
        conditions += [
            invoices.c.status == ISSUED,
            invoices.c.type == INVOICE,
            invoices.c.due_date < where.overdue_on,
            SETTLED_CENTS < invoices.c.total_including_vat_cents,
        ]
    if where.query:
        pattern = f"%{_escape_like(where.query)}%"
        conditions.append(
            or_(
                invoices.c.number.ilike(pattern, escape="\\"),
                invoices.c.customer_name.ilike(pattern, escape="\\"),
                invoices.c.customer_email.ilike(pattern, escape="\\"),
            )
        )
    if where.contract_id:
        conditions.append(invoices.c.contract_id == where.contract_id)
    if where.billing_run_id:
        conditions.append(invoices.c.billing_run_id == where.billing_run_id)
    if where.source:
        conditions.append(invoices.c.source == where.source)
    return conditions


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
