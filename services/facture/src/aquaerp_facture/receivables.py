"""Receivables: payments (partial, overpayment kept as credit), balances and aging, dunning.
No gRPC here."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from aquaerp_runtime.authz import BUREAU, require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.convert import EUR, MAX_CENTS
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from aquaerp_runtime.paging import decode_key, encode_token, page_limit

from .access import ACCOUNTING, READERS, Page, client_customer, parse_id
from .config import FactureSettings
from .dunning import (
    LEVEL_NAMES,
    DunningPreview,
    DunningRules,
    Letter,
    Overdue,
    compose_letter,
)
from .issuing import settle
from .models import INVOICE, ISSUED, PaymentMethod
from .records import ContratDirectory
from .repository.invoices import InvoiceRepository
from .repository.receivables import (
    PAYMENT_SORTING,
    AllocationRow,
    LetterRow,
    OpenInvoiceRow,
    PaymentRow,
    ReceivablesRepository,
)

PAYMENT_METHODS = [method.value for method in PaymentMethod]
# Payments received before this day are not recorded (the product's records start later).
EARLIEST_PAYMENT = date(2000, 1, 1)


async def _no_audit(action: str, actor: str, details: dict[str, str]) -> None:
    return None


@dataclass(frozen=True, slots=True)
class PaymentInput:
    customer_id: str
    amount_cents: int
    currency: str
    method: str
    received_on: date | None
    reference: str
    invoice_id: str
    note: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class PaymentView:
    row: PaymentRow
    allocations: tuple[AllocationRow, ...]

    @property
    def unallocated_cents(self) -> int:
        if self.row.reversed_at is not None:
            return 0  # no credit left on the customer
        return self.row.amount_cents - sum(a.amount_cents for a in self.allocations)


@dataclass(frozen=True, slots=True)
class Aging:
    not_due: int = 0
    days_0_30: int = 0
    days_31_60: int = 0
    days_61_90: int = 0
    days_over_90: int = 0

    @property
    def total(self) -> int:
        return self.not_due + self.days_0_30 + self.days_31_60 + self.days_61_90 + self.days_over_90

    def plus(self, amount: int, days_past_due: int) -> Aging:
        """Adds an amount due `days_past_due` days ago (0 or less: not due yet)."""
        if days_past_due <= 0:
            bucket = "not_due"
        elif days_past_due <= 30:
            bucket = "days_0_30"
        elif days_past_due <= 60:
            bucket = "days_31_60"
        elif days_past_due <= 90:
            bucket = "days_61_90"
        else:
            bucket = "days_over_90"
        return replace(self, **{bucket: getattr(self, bucket) + amount})


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    row: OpenInvoiceRow
    days_past_due: int


@dataclass(frozen=True, slots=True)
class Balance:
    customer_id: str
    invoiced_cents: int
    credited_cents: int
    paid_cents: int
    outstanding_cents: int
    unapplied_credit_cents: int
    aging: Aging
    open_invoices: tuple[OpenInvoice, ...]
    dunning_paused: bool

    @property
    def balance_cents(self) -> int:
        return self.invoiced_cents - self.credited_cents - self.paid_cents


@dataclass(frozen=True, slots=True)
class CustomerAging:
    customer_id: str
    customer_name: str
    aging: Aging


@dataclass(frozen=True, slots=True)
class AgingReport:
    as_of: date
    customers: list[CustomerAging]
    totals: Aging
    next_page_token: str


@dataclass(frozen=True, slots=True)
class DunningResult:
    letters: list[LetterRow]
    paused_customer_ids: list[str]


@dataclass(frozen=True, slots=True)
class PauseView:
    customer_id: str
    paused: bool
    until: date | None
    reason: str


class Receivables:
    def __init__(
        self,
        database: Database,
        settings: FactureSettings,
        *,
        contrat: ContratDirectory,
        clock: Clock,
    ) -> None:
        self.database = database
        self.settings = settings
        self.contrat = contrat
        self.clock = clock
        self.dunning_rules = DunningRules(
            settings.dunning_reminder_days,
            settings.dunning_formal_notice_days,
            settings.late_penalty_rate,
        )
        # Called after each commit that wrote events (the outbox relay's notify).
        self.on_events: Callable[[], None] = lambda: None
        # The audit trail of sensitive acts (action, actor, details), inside the transaction;
        # the `facture.payment.reversed` event carries the same facts meanwhile.
        self.audit_hook: Callable[[str, str, dict[str, str]], Awaitable[None]] = _no_audit

    # -- payments and balances --------------------------------------------------------------
    async def record_payment(self, request: PaymentInput) -> PaymentView:
        principal = require_roles(*ACCOUNTING)
        today = self.clock.today()
        problems: dict[str, str] = {}
        if request.amount_cents <= 0:
            problems["amount.amount_cents"] = "must be positive"
        elif request.amount_cents > MAX_CENTS:
            problems["amount.amount_cents"] = "amount out of range"
        if request.currency not in ("", EUR):
            problems["amount.currency"] = "only EUR is supported"
        if request.method not in PAYMENT_METHODS:
            problems["method"] = "is required: transfer, cheque, card or sepa_direct_debit"
        received_on = request.received_on or today
        if received_on > today:
            problems["received_on"] = "is in the future"
        elif received_on < EARLIEST_PAYMENT:
            problems["received_on"] = f"is before {EARLIEST_PAYMENT.isoformat()}"
        if len(request.reference) > 200:
            problems["reference"] = "is longer than 200 characters"
        invoice_id = parse_id(request.invoice_id, "invoice_id") if request.invoice_id else None
        if problems:
            raise InvalidArgument("the payment is not valid", fields=problems)
        async with self.database.unit_of_work() as session:
            repo = ReceivablesRepository(session)
            if request.idempotency_key:
                existing = await repo.payment_by_idempotency_key(request.idempotency_key)
                if existing is not None:
                    return await self._payment_view(repo, existing)
        parse_id(request.customer_id, "customer_id")
        await self.contrat.customer(request.customer_id)
        async with self.database.unit_of_work() as session:
            repo = ReceivablesRepository(session)
            if invoice_id is not None:
                target = await InvoiceRepository(session).invoice(invoice_id)
                if (
                    target is None
                    or target.customer_id != request.customer_id
                    or target.type != INVOICE
                    or target.status != ISSUED
                ):
                    raise InvalidArgument(
                        "the invoice is not an issued invoice of this customer",
                        fields={"invoice_id": "not an issued invoice of this customer"},
                    )
            await repo.lock_customer(request.customer_id)
            payment_id = await repo.insert_payment(
                {
                    "customer_id": request.customer_id,
                    "amount_cents": request.amount_cents,
                    "method": request.method,
                    "received_on": received_on,
                    "reference": request.reference.strip(),
                    "note": request.note.strip(),
                    "idempotency_key": request.idempotency_key or None,
                    "created_by": principal.subject,
                }
            )
            if payment_id is None:
                existing = await repo.payment_by_idempotency_key(request.idempotency_key)
                assert existing is not None
                return await self._payment_view(repo, existing)
            await settle(repo, request.customer_id, invoice_id)
            payment = await self._payment_view(repo, await repo.payment(payment_id))
            totals = await repo.customer_totals(request.customer_id)
            await repo.record_event(
                "facture.payment.recorded",
                "payment",
                str(payment_id),
                {
                    "payment_id": str(payment_id),
                    "customer_id": request.customer_id,
                    "amount_cents": request.amount_cents,
                    "currency": EUR,
                    "method": request.method,
                    "received_on": received_on.isoformat(),
                    "reference": payment.row.reference,
                    "allocations": [
                        {
                            "invoice_id": str(a.invoice_id),
                            "number": a.invoice_number,
                            "amount_cents": a.amount_cents,
                        }
                        for a in payment.allocations
                    ],
                    "unallocated_cents": payment.unallocated_cents,
                    "customer_balance_cents": totals.invoiced_cents
                    - totals.credited_cents
                    - totals.paid_cents,
                },
            )
        self.on_events()
        return payment

    async def reverse_payment(self, payment_id: str, reason: str) -> PaymentView:
        """Reverses a payment: allocations undone, invoices open again (then settled by any
        other credit of the customer), the row kept with who, when and why."""
        principal = require_roles(*ACCOUNTING)
        identifier = parse_id(payment_id, "id")
        reason = reason.strip()
        if len(reason) < 3:
            raise InvalidArgument(
                "a reason is required", fields={"reason": "is required (3 characters or more)"}
            )
        now = self.clock.now()
        async with self.database.unit_of_work() as session:
            repo = ReceivablesRepository(session)
            row = await repo.payment_for_update(identifier)
            if row is None:
                raise NotFound("payment not found")
            if row.reversed_at is not None:
                raise FailedPrecondition("this payment is already reversed")
            await repo.lock_customer(row.customer_id)
            undone = await repo.reverse_payment(identifier, now, principal.subject, reason)
            await settle(repo, row.customer_id, None)
            reversed_row = await repo.payment(identifier)
            totals = await repo.customer_totals(row.customer_id)
            await repo.record_event(
                "facture.payment.reversed",
                "payment",
                str(identifier),
                {
                    "payment_id": str(identifier),
                    "customer_id": row.customer_id,
                    "amount_cents": row.amount_cents,
                    "currency": EUR,
                    "received_on": row.received_on.isoformat(),
                    "reason": reason,
                    "reversed_by": principal.subject,
                    "reversed_at": now.isoformat(),
                    "allocations_undone": [
                        {
                            "invoice_id": str(a.invoice_id),
                            "number": a.invoice_number,
                            "amount_cents": a.amount_cents,
                        }
                        for a in undone
                    ],
                    "customer_balance_cents": totals.invoiced_cents
                    - totals.credited_cents
                    - totals.paid_cents,
                },
            )
            await self.audit_hook(
                "payment.reversed",
                principal.subject,
                {"payment_id": str(identifier), "customer_id": row.customer_id, "reason": reason},
            )
        self.on_events()
        return PaymentView(reversed_row, ())

    async def _payment_view(self, repo: ReceivablesRepository, row: PaymentRow) -> PaymentView:
        allocations = await repo.allocations_of_payments([row.id])
        return PaymentView(row, tuple(allocations.get(row.id, [])))

    async def list_payments(
        self,
        *,
        customer_id: str,
        received_from: date | None,
        received_to: date | None,
        invoice_id: str,
        page_size: int,
        page_token: str,
        order_by: str = "",
    ) -> Page[PaymentView]:
        principal = require_roles(*READERS)
        client = client_customer(principal)
        if client is not None:
            if customer_id and customer_id != client:
                return Page([], "")
            customer_id = client
        limit = page_limit(page_size)
        order = PAYMENT_SORTING.order(order_by)
        async with self.database.unit_of_work() as session:
            repo = ReceivablesRepository(session)
            rows, token, total = await repo.list_payments(
                customer_id=customer_id,
                received_from=received_from,
                received_to=received_to,
                invoice_id=parse_id(invoice_id, "invoice_id") if invoice_id else None,
                order=order,
                page_token=page_token,
                limit=limit,
            )
            allocations = await repo.allocations_of_payments([row.id for row in rows])
        views = [PaymentView(row, tuple(allocations.get(row.id, []))) for row in rows]
        return Page(views, token, total)

    async def customer_balance(self, customer_id: str, as_of: date | None) -> Balance:
        principal = require_roles(*READERS)
        client = client_customer(principal)
        if client is not None and customer_id != client:
            raise NotFound("customer not found")
        if not customer_id:
            raise InvalidArgument("customer_id is required", fields={"customer_id": "is required"})
        as_of = as_of or self.clock.today()
        async with self.database.unit_of_work() as session:
            repo = ReceivablesRepository(session)
            totals = await repo.customer_totals(customer_id)
            rows = await repo.open_invoices(customer_id=customer_id)
            paused = customer_id in await repo.paused_customers(as_of)
        aging = Aging()
        open_invoices = []
        for row in rows:
            days = (as_of - row.due_date).days
            aging = aging.plus(row.amount_due_cents, days)
            open_invoices.append(OpenInvoice(row, days))
        return Balance(
            customer_id=customer_id,
            invoiced_cents=totals.invoiced_cents,
            credited_cents=totals.credited_cents,
            paid_cents=totals.paid_cents,
            outstanding_cents=aging.total,
            unapplied_credit_cents=totals.paid_cents
            + totals.credited_cents
            - totals.allocated_cents,
            aging=aging,
            open_invoices=tuple(open_invoices),
            dunning_paused=paused,
        )

    async def aging_report(
        self, as_of: date | None, page_size: int, page_token: str
    ) -> AgingReport:
        require_roles(*ACCOUNTING, BUREAU)
        as_of = as_of or self.clock.today()
        limit = page_limit(page_size)
        after = decode_key(page_token, int, str)
        async with self.database.unit_of_work() as session:
            rows = await ReceivablesRepository(session).open_invoices()
        by_customer: dict[str, Aging] = defaultdict(Aging)
        names: dict[str, str] = {}
        totals = Aging()
        for row in rows:
            days = (as_of - row.due_date).days
            by_customer[row.customer_id] = by_customer[row.customer_id].plus(
                row.amount_due_cents, days
            )
            names[row.customer_id] = row.customer_name
            totals = totals.plus(row.amount_due_cents, days)
        # Largest amount due first; the token carries the (total, customer) of the last one.
        ordered = sorted(by_customer.items(), key=lambda item: (-item[1].total, item[0]))
        if after is not None:
            last_total, last_customer = after
            ordered = [
                item for item in ordered if (-item[1].total, item[0]) > (-last_total, last_customer)
            ]
        page = ordered[:limit]
        token = encode_token(page[-1][1].total, page[-1][0]) if len(ordered) > limit else ""
        return AgingReport(
            as_of,
            [CustomerAging(customer, names[customer], aging) for customer, aging in page],
            totals,
            token,
        )

    # -- dunning ----------------------------------------------------------------------------
    async def run_dunning(
        self, as_of: date | None, idempotency_key: str, preview: bool = False
    ) -> DunningResult:
        require_roles(*ACCOUNTING)
        today = self.clock.today()
        as_of = as_of or today
        if as_of > today:
            raise InvalidArgument(
                "dunning cannot run for a future day", fields={"as_of": "is in the future"}
            )
        if preview:
            # The very run, rolled back: the letters previewed are the letters a run sends.
            try:
                await self._dunning_run(as_of, "", rollback=True)
            except DunningPreview as done:
                assert isinstance(done.result, DunningResult)
                return done.result
        return await self._dunning_run(as_of, idempotency_key, rollback=False)

    async def _dunning_run(
        self, as_of: date, idempotency_key: str, *, rollback: bool
    ) -> DunningResult:
        async with self.database.unit_of_work() as session:
            repo = ReceivablesRepository(session)
            await repo.lock_dunning()
            if idempotency_key:
                done = await repo.dunning_run_by_key(idempotency_key)
                if done is not None:
                    return DunningResult(await repo.letters(run_id=done[0]), done[1])
            paused = await repo.paused_customers(as_of)
            overdue: dict[str, list[OpenInvoiceRow]] = defaultdict(list)
            for row in await repo.open_invoices(due_before=as_of):
                overdue[row.customer_id].append(row)
            paused_with_overdue = sorted(set(overdue) & paused)
            run_id = await repo.insert_dunning_run(
                as_of, idempotency_key or None, paused_with_overdue
            )
            for customer_id, rows in sorted(overdue.items()):
                if customer_id in paused:
                    continue
                letter = compose_letter(
                    [
                        Overdue(
                            row.id,
                            row.number,
                            row.due_date,
                            row.amount_due_cents,
                            bool(row.is_business),
                            row.dunning_level,
                        )
                        for row in rows
                    ],
                    as_of,
                    self.dunning_rules,
                )
                if letter is not None:
                    await self._write_letter(repo, run_id, rows[-1], letter, as_of)
            letters = await repo.letters(run_id=run_id)
            if rollback:
                raise DunningPreview(DunningResult(letters, paused_with_overdue))
        if letters:
            self.on_events()
        return DunningResult(letters, paused_with_overdue)

    async def _write_letter(
        self,
        repo: ReceivablesRepository,
        run_id: uuid.UUID,
        latest: OpenInvoiceRow,
        letter: Letter,
        as_of: date,
    ) -> None:
        rate = str(self.settings.late_penalty_rate)
        items = [item.to_json() for item in letter.items]
        letter_id = await repo.insert_letter(
            {
                "run_id": run_id,
                "customer_id": latest.customer_id,
                "customer_name": latest.customer_name,
                "customer_email": latest.customer_email,
                "level": letter.level,
                "as_of": as_of,
                "items": items,
                "total_due_cents": letter.total_due_cents,
                "indemnity_cents": letter.indemnity_cents,
                "interest_cents": letter.interest_cents,
                "interest_rate": rate,
            }
        )
        await repo.set_dunning_levels(
            {item.invoice_id: item.level for item in letter.items if item.level}, letter_id
        )
        await repo.record_event(
            "facture.dunning.level_reached",
            "customer",
            latest.customer_id,
            {
                "letter_id": str(letter_id),
                "customer_id": latest.customer_id,
                "customer_name": latest.customer_name,
                "customer_email": latest.customer_email,
                "level": letter.level,
                "level_name": LEVEL_NAMES[letter.level],
                "as_of": as_of.isoformat(),
                "invoices": items,
                "total_due_cents": letter.total_due_cents,
                "indemnity_cents": letter.indemnity_cents,
                "interest_cents": letter.interest_cents,
                "interest_rate": rate,
                "total_claimed_cents": letter.total_due_cents
                + letter.indemnity_cents
                + letter.interest_cents,
                "currency": EUR,
            },
        )

    async def list_letters(
        self, customer_id: str, level: int, page_size: int, page_token: str
    ) -> Page[LetterRow]:
        principal = require_roles(*READERS)
        client = client_customer(principal)
        if client is not None:
            if customer_id and customer_id != client:
                return Page([], "")
            customer_id = client
        limit = page_limit(page_size)
        async with self.database.unit_of_work() as session:
            letters = await ReceivablesRepository(session).letters(
                customer_id=customer_id,
                level=level,
                limit=limit,
                after=decode_key(page_token, datetime.fromisoformat, uuid.UUID),
            )
        token = (
            encode_token(letters[-1].created_at.isoformat(), letters[-1].id)
            if len(letters) == limit
            else ""
        )
        return Page(letters, token)

    async def set_dunning_pause(
        self, customer_id: str, paused: bool, until: date | None, reason: str
    ) -> PauseView:
        principal = require_roles(*ACCOUNTING)
        if not customer_id.strip():
            raise InvalidArgument("customer_id is required", fields={"customer_id": "is required"})
        if until is not None and until < self.clock.today():
            raise InvalidArgument(
                "the pause would already be over", fields={"until": "is in the past"}
            )
        if len(reason) > 1000:
            raise InvalidArgument(
                "reason is too long", fields={"reason": "at most 1000 characters"}
            )
        parse_id(customer_id, "customer_id")
        try:
            await self.contrat.customer(customer_id)
        except InvalidArgument:  # contrat does not know it: the path names nothing
            raise NotFound("customer not found") from None
        async with self.database.unit_of_work() as session:
            repo = ReceivablesRepository(session)
            if paused:
                await repo.set_pause(customer_id, until, reason.strip(), principal.subject)
                return PauseView(customer_id, True, until, reason.strip())
            await repo.remove_pause(customer_id)
        return PauseView(customer_id, False, None, "")
