"""All SQL of the facture service."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aquaerp_runtime.outbox import record_event
from sqlalchemy import (
    BigInteger,
    Select,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from .models import (
    CREDIT_NOTE,
    DRAFT,
    INVOICE,
    ISSUED,
    allocations,
    billed_periods,
    billing_run_entries,
    billing_runs,
    chain_head,
    counters,
    dunning_letters,
    dunning_pauses,
    dunning_runs,
    invoice_dunning_levels,
    invoices,
    outbox,
    payments,
)

# Every invoice column but the PDF (read on its own, when downloaded).
_INVOICE_COLUMNS = [c for c in invoices.c if c.name != "pdf"]
_settled = (
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
class PaymentRow:
    id: uuid.UUID
    customer_id: str
    amount_cents: int
    currency: str
    method: str
    received_on: date
    reference: str
    note: str
    idempotency_key: str | None
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class AllocationRow:
    invoice_id: uuid.UUID
    invoice_number: str
    payment_id: uuid.UUID | None
    credit_note_id: uuid.UUID | None
    amount_cents: int


@dataclass(frozen=True, slots=True)
class CreditSource:
    """A payment or issued credit note with an amount not yet applied to an invoice."""

    payment_id: uuid.UUID | None
    credit_note_id: uuid.UUID | None
    remaining_cents: int


@dataclass(frozen=True, slots=True)
class OpenInvoiceRow:
    id: uuid.UUID
    number: str
    customer_id: str
    customer_name: str
    customer_email: str
    is_business: bool
    issue_date: date
    due_date: date
    total_including_vat_cents: int
    amount_due_cents: int
    dunning_level: int


@dataclass(frozen=True, slots=True)
class CustomerTotals:
    invoiced_cents: int
    credited_cents: int
    paid_cents: int
    allocated_cents: int


@dataclass(frozen=True, slots=True)
class RunRow:
    id: uuid.UUID
    status: str
    up_to: date
    from_date: date | None
    contract_id: str | None
    dry_run: bool
    planned: bool
    idempotency_key: str | None
    error: str
    requested_by: str
    created_at: datetime
    finished_at: datetime | None
    heartbeat_at: datetime


def _run(row: Any) -> RunRow:
    return RunRow(**{name: row[name] for name in RunRow.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class RunCounts:
    total: int
    pending: int
    issued: int
    skipped: int
    failed: int
    previewed: int
    total_excluding_vat_cents: int
    total_vat_cents: int
    total_including_vat_cents: int


@dataclass(frozen=True, slots=True)
class EntryRow:
    id: int
    run_id: uuid.UUID
    contract_id: str
    contract_number: str
    customer_id: str
    customer_name: str
    period_start: date
    period_end: date
    billables: dict[str, Any]
    outcome: str
    reason: str
    invoice_id: uuid.UUID | None
    invoice_number: str | None
    total_excluding_vat_cents: int
    total_vat_cents: int
    total_including_vat_cents: int


def _entry(row: Any) -> EntryRow:
    return EntryRow(**{name: row[name] for name in EntryRow.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class LetterRow:
    id: uuid.UUID
    run_id: uuid.UUID
    customer_id: str
    customer_name: str
    customer_email: str
    level: int
    as_of: date
    items: list[dict[str, Any]]
    total_due_cents: int
    indemnity_cents: int
    interest_cents: int
    interest_rate: str
    created_at: datetime


def _letter(row: Any) -> LetterRow:
    return LetterRow(**{name: row[name] for name in LetterRow.__dataclass_fields__})


@dataclass(frozen=True, slots=True)
class PauseRow:
    customer_id: str
    until: date | None
    reason: str


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


class FactureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- invoices -------------------------------------------------------------------------------
    def _invoice_query(self) -> Select[Any]:
        return select(
            *_INVOICE_COLUMNS,
            _settled.label("settled_cents"),
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

    async def update_draft(self, invoice_id: uuid.UUID, values: dict[str, Any]) -> None:
        await self.session.execute(
            update(invoices)
            .where(invoices.c.id == invoice_id, invoices.c.status == DRAFT)
            .values(updated_at=func.now(), **values)
        )

    async def delete_draft(self, invoice_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(invoices).where(invoices.c.id == invoice_id, invoices.c.status == DRAFT)
        )

    async def list_invoices(
        self, where: InvoiceFilter, *, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[InvoiceRow]:
        query = self._invoice_query()
        conditions = []
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
                _settled < invoices.c.total_including_vat_cents,
            ]
        if where.query:
            pattern = f"%{_escape_like(where.query)}%"
            conditions.append(
                or_(
                    invoices.c.number.ilike(pattern, escape="\\"),
                    invoices.c.customer_name.ilike(pattern, escape="\\"),
                )
            )
        if where.contract_id:
            conditions.append(invoices.c.contract_id == where.contract_id)
        if where.billing_run_id:
            conditions.append(invoices.c.billing_run_id == where.billing_run_id)
        if where.source:
            conditions.append(invoices.c.source == where.source)
        if after is not None:
            conditions.append(tuple_(invoices.c.created_at, invoices.c.id) < tuple_(*after))
        query = (
            query.where(*conditions)
            .order_by(invoices.c.created_at.desc(), invoices.c.id.desc())
            .limit(limit)
        )
        return [_invoice(row) for row in (await self.session.execute(query)).mappings().all()]

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
        result = await self.session.execute(
            update(invoices)
            .where(invoices.c.id == invoice_id, invoices.c.status == DRAFT)
            .values(status=ISSUED, updated_at=func.now(), issued_at=func.now(), **values)
        )
        assert result.rowcount == 1, "the draft is locked by the caller"  # type: ignore[attr-defined]

    async def insert_issued(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(
                insert(invoices).values(status=ISSUED, issued_at=func.now()), rows
            )

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

    async def record_event(
        self, event_type: str, aggregate_type: str, aggregate_id: str, payload: dict[str, Any]
    ) -> None:
        await record_event(self.session, outbox, event_type, aggregate_type, aggregate_id, payload)

    # -- payments and balances ------------------------------------------------------------------
    async def lock_customer(self, customer_id: str) -> None:
        """Serialises payment allocation per customer (until the transaction ends)."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('facture-customer:' || :c))"),
            {"c": customer_id},
        )

    async def payment_by_idempotency_key(self, key: str) -> PaymentRow | None:
        row = (
            (await self.session.execute(select(payments).where(payments.c.idempotency_key == key)))
            .mappings()
            .first()
        )
        return PaymentRow(**row) if row else None

    async def insert_payment(self, values: dict[str, Any]) -> uuid.UUID | None:
        payment_id: uuid.UUID | None = await self.session.scalar(
            pg_insert(payments).values(**values).on_conflict_do_nothing().returning(payments.c.id)
        )
        return payment_id

    async def payment(self, payment_id: uuid.UUID) -> PaymentRow:
        row = (
            (await self.session.execute(select(payments).where(payments.c.id == payment_id)))
            .mappings()
            .one()
        )
        return PaymentRow(**row)

    async def list_payments(
        self,
        *,
        customer_id: str,
        received_from: date | None,
        received_to: date | None,
        invoice_id: uuid.UUID | None,
        limit: int,
        after: tuple[datetime, uuid.UUID] | None,
    ) -> list[PaymentRow]:
        conditions = []
        if customer_id:
            conditions.append(payments.c.customer_id == customer_id)
        if received_from:
            conditions.append(payments.c.received_on >= received_from)
        if received_to:
            conditions.append(payments.c.received_on <= received_to)
        if invoice_id:
            conditions.append(
                payments.c.id.in_(
                    select(allocations.c.payment_id).where(allocations.c.invoice_id == invoice_id)
                )
            )
        if after is not None:
            conditions.append(tuple_(payments.c.created_at, payments.c.id) < tuple_(*after))
        rows = await self.session.execute(
            select(payments)
            .where(*conditions)
            .order_by(payments.c.created_at.desc(), payments.c.id.desc())
            .limit(limit)
        )
        return [PaymentRow(**row) for row in rows.mappings().all()]

    async def payments_between(self, first: date, last: date) -> list[PaymentRow]:
        rows = await self.session.execute(
            select(payments)
            .where(payments.c.received_on.between(first, last))
            .order_by(payments.c.received_on, payments.c.created_at)
        )
        return [PaymentRow(**row) for row in rows.mappings().all()]

    async def allocations_of_payments(
        self, payment_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[AllocationRow]]:
        if not payment_ids:
            return {}
        rows = await self.session.execute(
            select(
                allocations.c.invoice_id,
                invoices.c.number.label("invoice_number"),
                allocations.c.payment_id,
                allocations.c.credit_note_id,
                allocations.c.amount_cents,
            )
            .join(invoices, invoices.c.id == allocations.c.invoice_id)
            .where(allocations.c.payment_id.in_(payment_ids))
            .order_by(allocations.c.id)
        )
        result: dict[uuid.UUID, list[AllocationRow]] = {}
        for row in rows.mappings().all():
            result.setdefault(row["payment_id"], []).append(AllocationRow(**row))
        return result

    async def open_invoices(
        self, *, customer_id: str | None = None, due_before: date | None = None
    ) -> list[OpenInvoiceRow]:
        """Issued invoices not fully settled, oldest due first."""
        due = (invoices.c.total_including_vat_cents - _settled).label("amount_due_cents")
        conditions = [
            invoices.c.status == ISSUED,
            invoices.c.type == INVOICE,
            _settled < invoices.c.total_including_vat_cents,
        ]
        if customer_id is not None:
            conditions.append(invoices.c.customer_id == customer_id)
        if due_before is not None:
            conditions.append(invoices.c.due_date < due_before)
        rows = await self.session.execute(
            select(
                invoices.c.id,
                invoices.c.number,
                invoices.c.customer_id,
                invoices.c.customer_name,
                invoices.c.customer_email,
                invoices.c.document["buyer"]["is_business"].as_boolean().label("is_business"),
                invoices.c.issue_date,
                invoices.c.due_date,
                invoices.c.total_including_vat_cents,
                due,
                func.coalesce(invoice_dunning_levels.c.level, 0).label("dunning_level"),
            )
            .outerjoin(invoice_dunning_levels, invoice_dunning_levels.c.invoice_id == invoices.c.id)
            .where(*conditions)
            .order_by(invoices.c.customer_id, invoices.c.due_date, invoices.c.chain_position)
        )
        return [OpenInvoiceRow(**row) for row in rows.mappings().all()]

    async def credit_sources(self, customer_id: str) -> list[CreditSource]:
        """Payments and issued credit notes of a customer with an unapplied remainder, oldest
        first."""
        applied_payment = (
            select(func.coalesce(func.sum(allocations.c.amount_cents), 0))
            .where(allocations.c.payment_id == payments.c.id)
            .scalar_subquery()
        )
        applied_credit = (
            select(func.coalesce(func.sum(allocations.c.amount_cents), 0))
            .where(allocations.c.credit_note_id == invoices.c.id)
            .scalar_subquery()
        )
        payment_rows = await self.session.execute(
            select(payments.c.id, (payments.c.amount_cents - applied_payment).label("remaining"))
            .where(
                payments.c.customer_id == customer_id,
                payments.c.amount_cents > applied_payment,
            )
            .order_by(payments.c.received_on, payments.c.created_at)
        )
        credit_rows = await self.session.execute(
            select(
                invoices.c.id,
                (invoices.c.total_including_vat_cents - applied_credit).label("remaining"),
            )
            .where(
                invoices.c.customer_id == customer_id,
                invoices.c.type == CREDIT_NOTE,
                invoices.c.status == ISSUED,
                invoices.c.total_including_vat_cents > applied_credit,
            )
            .order_by(invoices.c.chain_position)
        )
        return [CreditSource(row.id, None, int(row.remaining)) for row in payment_rows] + [
            CreditSource(None, row.id, int(row.remaining)) for row in credit_rows
        ]

    async def customers_with_credit(self, customer_ids: set[str]) -> set[str]:
        """Those of these customers with payments or credit notes not fully applied."""
        if not customer_ids:
            return set()
        received = (
            select(
                payments.c.customer_id.label("customer_id"), payments.c.amount_cents.label("cents")
            )
            .where(payments.c.customer_id.in_(customer_ids))
            .union_all(
                select(invoices.c.customer_id, invoices.c.total_including_vat_cents).where(
                    invoices.c.customer_id.in_(customer_ids),
                    invoices.c.type == CREDIT_NOTE,
                    invoices.c.status == ISSUED,
                ),
                select(allocations.c.customer_id, -allocations.c.amount_cents).where(
                    allocations.c.customer_id.in_(customer_ids)
                ),
            )
            .subquery()
        )
        rows = await self.session.execute(
            select(received.c.customer_id)
            .group_by(received.c.customer_id)
            .having(func.sum(received.c.cents) > 0)
        )
        return set(rows.scalars().all())

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

    async def insert_allocations(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(allocations), rows)

    async def customer_totals(self, customer_id: str) -> CustomerTotals:
        issued = and_(invoices.c.customer_id == customer_id, invoices.c.status == ISSUED)
        row = (
            await self.session.execute(
                select(
                    select(func.coalesce(func.sum(invoices.c.total_including_vat_cents), 0))
                    .where(issued, invoices.c.type == INVOICE)
                    .scalar_subquery(),
                    select(func.coalesce(func.sum(invoices.c.total_including_vat_cents), 0))
                    .where(issued, invoices.c.type == CREDIT_NOTE)
                    .scalar_subquery(),
                    select(func.coalesce(func.sum(payments.c.amount_cents), 0))
                    .where(payments.c.customer_id == customer_id)
                    .scalar_subquery(),
                    select(func.coalesce(func.sum(allocations.c.amount_cents), 0))
                    .where(allocations.c.customer_id == customer_id)
                    .scalar_subquery(),
                )
            )
        ).one()
        return CustomerTotals(*(int(value) for value in row))

    # -- billing runs ---------------------------------------------------------------------------
    async def run_by_idempotency_key(self, key: str) -> RunRow | None:
        row = (
            (
                await self.session.execute(
                    select(billing_runs).where(billing_runs.c.idempotency_key == key)
                )
            )
            .mappings()
            .first()
        )
        return _run(row) if row else None

    async def insert_run(self, values: dict[str, Any]) -> uuid.UUID | None:
        run_id: uuid.UUID | None = await self.session.scalar(
            pg_insert(billing_runs)
            .values(status="running", **values)
            .on_conflict_do_nothing()
            .returning(billing_runs.c.id)
        )
        return run_id

    async def run(self, run_id: uuid.UUID) -> RunRow | None:
        row = (
            (await self.session.execute(select(billing_runs).where(billing_runs.c.id == run_id)))
            .mappings()
            .first()
        )
        return _run(row) if row else None

    async def list_runs(
        self, *, status: str, limit: int, after: tuple[datetime, uuid.UUID] | None
    ) -> list[RunRow]:
        conditions = []
        if status:
            conditions.append(billing_runs.c.status == status)
        if after is not None:
            conditions.append(tuple_(billing_runs.c.created_at, billing_runs.c.id) < tuple_(*after))
        rows = await self.session.execute(
            select(billing_runs)
            .where(*conditions)
            .order_by(billing_runs.c.created_at.desc(), billing_runs.c.id.desc())
            .limit(limit)
        )
        return [_run(row) for row in rows.mappings().all()]

    async def run_counts(self, run_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RunCounts]:
        if not run_ids:
            return {}
        entries = billing_run_entries.c
        counted = entries.outcome.in_(["issued", "previewed"])

        def count(outcome: str) -> Any:
            return func.count().filter(entries.outcome == outcome)

        def total(column: Any) -> Any:
            return func.coalesce(func.sum(case((counted, column), else_=literal(0))), 0)

        rows = await self.session.execute(
            select(
                entries.run_id,
                func.count(),
                count("pending"),
                count("issued"),
                count("skipped"),
                count("failed"),
                count("previewed"),
                total(entries.total_excluding_vat_cents),
                total(entries.total_vat_cents),
                total(entries.total_including_vat_cents),
            )
            .where(entries.run_id.in_(run_ids))
            .group_by(entries.run_id)
        )
        empty = RunCounts(0, 0, 0, 0, 0, 0, 0, 0, 0)
        result = {run_id: empty for run_id in run_ids}
        for row in rows:
            result[row[0]] = RunCounts(*(int(value) for value in row[1:]))
        return result

    async def insert_entries(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(
                pg_insert(billing_run_entries).values(rows).on_conflict_do_nothing()
            )

    async def mark_planned(self, run_id: uuid.UUID) -> None:
        await self.session.execute(
            update(billing_runs)
            .where(billing_runs.c.id == run_id)
            .values(planned=True, heartbeat_at=func.now())
        )

    async def lock_pending_entries(self, run_id: uuid.UUID, limit: int) -> list[EntryRow]:
        """The next pending entries of a run, locked; entries another worker holds are skipped."""
        rows = await self.session.execute(
            select(billing_run_entries)
            .where(
                billing_run_entries.c.run_id == run_id, billing_run_entries.c.outcome == "pending"
            )
            .order_by(billing_run_entries.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_entry(row) for row in rows.mappings().all()]

    async def set_entry_outcomes(self, outcomes: list[dict[str, Any]]) -> None:
        """Each dict: id, outcome, reason, invoice_id, invoice_number and the three totals."""
        for values in outcomes:
            entry_id = values.pop("id")
            await self.session.execute(
                update(billing_run_entries)
                .where(billing_run_entries.c.id == entry_id)
                .values(**values)
            )

    async def list_entries(
        self, run_id: uuid.UUID, *, outcome: str, limit: int, after_id: int | None
    ) -> list[EntryRow]:
        conditions = [billing_run_entries.c.run_id == run_id]
        if outcome:
            conditions.append(billing_run_entries.c.outcome == outcome)
        if after_id is not None:
            conditions.append(billing_run_entries.c.id > after_id)
        rows = await self.session.execute(
            select(billing_run_entries)
            .where(*conditions)
            .order_by(billing_run_entries.c.id)
            .limit(limit)
        )
        return [_entry(row) for row in rows.mappings().all()]

    async def touch_run(self, run_id: uuid.UUID) -> None:
        await self.session.execute(
            update(billing_runs).where(billing_runs.c.id == run_id).values(heartbeat_at=func.now())
        )

    async def finish_run(self, run_id: uuid.UUID, status: str, error: str = "") -> bool:
        """Marks a running run finished; False when it already was."""
        result = await self.session.execute(
            update(billing_runs)
            .where(billing_runs.c.id == run_id, billing_runs.c.status == "running")
            .values(status=status, error=error, finished_at=func.now())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim_run(self, run_id: uuid.UUID, *, stale_after: float | None) -> bool:
        """Takes a run over: with `stale_after`, only a running one whose worker has been silent
        that long; without, any run not completed (an explicit resume)."""
        condition: ColumnElement[bool]
        if stale_after is None:
            condition = billing_runs.c.status.in_(["running", "failed"])
        else:
            condition = and_(
                billing_runs.c.status == "running",
                billing_runs.c.heartbeat_at
                < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, stale_after),
            )
        result = await self.session.execute(
            update(billing_runs)
            .where(billing_runs.c.id == run_id, condition)
            .values(status="running", error="", finished_at=None, heartbeat_at=func.now())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def stale_run_ids(self, stale_after: float) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(billing_runs.c.id).where(
                billing_runs.c.status == "running",
                billing_runs.c.heartbeat_at
                < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, stale_after),
            )
        )
        return list(rows.scalars().all())

    # -- dunning --------------------------------------------------------------------------------
    async def lock_dunning(self) -> None:
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext('facture-dunning'))")
        )

    async def dunning_run_by_key(self, key: str) -> tuple[uuid.UUID, list[str]] | None:
        row = (
            await self.session.execute(
                select(dunning_runs.c.id, dunning_runs.c.paused_customer_ids).where(
                    dunning_runs.c.idempotency_key == key
                )
            )
        ).first()
        return (row[0], list(row[1])) if row else None

    async def insert_dunning_run(
        self, as_of: date, key: str | None, paused: list[str]
    ) -> uuid.UUID:
        run_id: uuid.UUID = await self.session.scalar(
            insert(dunning_runs)
            .values(as_of=as_of, idempotency_key=key, paused_customer_ids=paused)
            .returning(dunning_runs.c.id)
        )
        return run_id

    async def paused_customers(self, on: date) -> set[str]:
        rows = await self.session.execute(
            select(dunning_pauses.c.customer_id).where(
                or_(dunning_pauses.c.until.is_(None), dunning_pauses.c.until >= on)
            )
        )
        return set(rows.scalars().all())

    async def pause(self, customer_id: str) -> PauseRow | None:
        row = (
            (
                await self.session.execute(
                    select(
                        dunning_pauses.c.customer_id,
                        dunning_pauses.c.until,
                        dunning_pauses.c.reason,
                    ).where(dunning_pauses.c.customer_id == customer_id)
                )
            )
            .mappings()
            .first()
        )
        return PauseRow(**row) if row else None

    async def set_pause(self, customer_id: str, until: date | None, reason: str, by: str) -> None:
        await self.session.execute(
            pg_insert(dunning_pauses)
            .values(customer_id=customer_id, until=until, reason=reason, created_by=by)
            .on_conflict_do_update(
                index_elements=[dunning_pauses.c.customer_id],
                set_={"until": until, "reason": reason, "created_by": by, "created_at": func.now()},
            )
        )

    async def remove_pause(self, customer_id: str) -> None:
        await self.session.execute(
            delete(dunning_pauses).where(dunning_pauses.c.customer_id == customer_id)
        )

    async def insert_letter(self, values: dict[str, Any]) -> uuid.UUID:
        letter_id: uuid.UUID = await self.session.scalar(
            insert(dunning_letters).values(**values).returning(dunning_letters.c.id)
        )
        return letter_id

    async def set_dunning_levels(self, levels: dict[uuid.UUID, int], letter_id: uuid.UUID) -> None:
        for invoice_id, level in levels.items():
            await self.session.execute(
                pg_insert(invoice_dunning_levels)
                .values(invoice_id=invoice_id, level=level, letter_id=letter_id)
                .on_conflict_do_update(
                    index_elements=[invoice_dunning_levels.c.invoice_id],
                    set_={"level": level, "letter_id": letter_id},
                )
            )

    async def letters(
        self,
        *,
        run_id: uuid.UUID | None = None,
        customer_id: str = "",
        level: int = 0,
        limit: int = 500,
        after: tuple[datetime, uuid.UUID] | None = None,
    ) -> list[LetterRow]:
        conditions = []
        if run_id is not None:
            conditions.append(dunning_letters.c.run_id == run_id)
        if customer_id:
            conditions.append(dunning_letters.c.customer_id == customer_id)
        if level:
            conditions.append(dunning_letters.c.level == level)
        if after is not None:
            conditions.append(
                tuple_(dunning_letters.c.created_at, dunning_letters.c.id) < tuple_(*after)
            )
        rows = await self.session.execute(
            select(dunning_letters)
            .where(*conditions)
            .order_by(dunning_letters.c.created_at.desc(), dunning_letters.c.id.desc())
            .limit(limit)
        )
        return [_letter(row) for row in rows.mappings().all()]

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
        return and_(issued_invoice, _settled >= invoices.c.total_including_vat_cents)
    if status == "partially_paid":
        return and_(issued_invoice, _settled > 0, _settled < invoices.c.total_including_vat_cents)
    # issued: nothing settled yet (credit notes stay issued)
    return and_(
        invoices.c.status == ISSUED,
        or_(invoices.c.type == CREDIT_NOTE, _settled == 0),
    )


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
