"""SQL of receivables: payments and their allocation to invoices, balances, dunning."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from aquaerp_runtime.paging_sort import Order, SortColumn, Sorting, sorted_page
from sqlalchemy import and_, delete, func, insert, or_, select, text, tuple_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..models import (
    CREDIT_NOTE,
    INVOICE,
    ISSUED,
    allocations,
    dunning_letters,
    dunning_pauses,
    dunning_runs,
    invoice_dunning_levels,
    invoices,
    payments,
)
from . import Repository
from .invoices import SETTLED_CENTS


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
    reversed_at: datetime | None = None
    reversed_by: str | None = None
    reversal_reason: str | None = None


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


PAYMENT_SORTING = Sorting(
    {
        "created_at": SortColumn(payments.c.created_at, datetime.fromisoformat),
        "received_on": SortColumn(payments.c.received_on, date.fromisoformat),
        "amount": SortColumn(payments.c.amount_cents, int),
    },
    default="created_at desc",
    tiebreak=payments.c.id,
)


class ReceivablesRepository(Repository):
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
        order: Order,
        page_token: str,
        limit: int,
    ) -> tuple[list[PaymentRow], str, int]:
        """A page of the filtered payments in `order`, the next page token and the total."""
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
        page = await sorted_page(
            self.session,
            select(payments).where(*conditions),
            order,
            page_token=page_token,
            limit=limit,
            counted=select(payments.c.id).where(*conditions),
        )
        return [PaymentRow(**row) for row in page.rows], page.next_page_token, page.total_size

    async def payments_between(self, first: date, last: date) -> list[PaymentRow]:
        rows = await self.session.execute(
            select(payments)
            .where(payments.c.received_on.between(first, last))
            .order_by(payments.c.received_on, payments.c.created_at)
        )
        return [PaymentRow(**row) for row in rows.mappings().all()]

    async def customer_codes(self, customer_ids: set[str]) -> dict[str, str]:
        """Each customer's code on its latest issued document (its auxiliary account)."""
        if not customer_ids:
            return {}
        code = invoices.c.document["buyer"]["customer_number"].as_string()
        rows = await self.session.execute(
            select(invoices.c.customer_id, code)
            .where(
                invoices.c.customer_id.in_(customer_ids),
                invoices.c.status == ISSUED,
                code.is_not(None),
                code != "",
            )
            .order_by(invoices.c.customer_id, invoices.c.chain_position.desc())
            .ext(distinct_on(invoices.c.customer_id))
        )
        return {row[0]: row[1] for row in rows}

    async def payment_for_update(self, payment_id: uuid.UUID) -> PaymentRow | None:
        row = (
            (
                await self.session.execute(
                    select(payments).where(payments.c.id == payment_id).with_for_update()
                )
            )
            .mappings()
            .first()
        )
        return PaymentRow(**row) if row else None

    async def reverse_payment(
        self, payment_id: uuid.UUID, at: datetime, by: str, reason: str
    ) -> list[AllocationRow]:
        """Marks the payment reversed and deletes its allocations; returns those undone."""
        undone = (await self.allocations_of_payments([payment_id])).get(payment_id, [])
        await self.session.execute(
            delete(allocations).where(allocations.c.payment_id == payment_id)
        )
        await self.session.execute(
            payments.update()
            .where(payments.c.id == payment_id)
            .values(reversed_at=at, reversed_by=by, reversal_reason=reason)
        )
        return undone

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
        due = (invoices.c.total_including_vat_cents - SETTLED_CENTS).label("amount_due_cents")
        conditions = [
            invoices.c.status == ISSUED,
            invoices.c.type == INVOICE,
            SETTLED_CENTS < invoices.c.total_including_vat_cents,
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
                payments.c.reversed_at.is_(None),
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
            .where(payments.c.customer_id.in_(customer_ids), payments.c.reversed_at.is_(None))
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
                    .where(payments.c.customer_id == customer_id, payments.c.reversed_at.is_(None))
                    .scalar_subquery(),
                    select(func.coalesce(func.sum(allocations.c.amount_cents), 0))
                    .where(allocations.c.customer_id == customer_id)
                    .scalar_subquery(),
                )
            )
        ).one()
        return CustomerTotals(*(int(value) for value in row))

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
