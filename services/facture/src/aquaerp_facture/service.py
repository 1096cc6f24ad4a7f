"""Facture domain logic: drafts, issue (numbering, hash chain, PDF), billing runs, payments,
balances, dunning, exports. No gRPC here.

Issuing is the heart: every issue (one draft, or a batch of a billing run) happens in one
transaction that locks the chain head first, takes the next numbers of its series from their
counter rows, renders the PDFs together in the process pool, stores documents, PDFs, hashes,
billing keys and events, and commits. A rollback anywhere gives the numbers back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA, require_roles
from aquaerp_runtime.context import Principal
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound

from . import billing, chain, exports
from .billing import CannotBill, Entry, InterventionItem, LabourPrice
from .config import FactureSettings
from .documents import (
    Buyer,
    Document,
    DocumentType,
    InvalidDocument,
    InvoiceReference,
    Line,
    RenderedDocument,
    Totals,
    compute_totals,
    from_data,
)
from .drafts import Draft, DraftInput, buyer_of, build_document, check_with_engine, parse_draft
from .dunning import LEVEL_NAMES, DunningRules, Letter, Overdue, compose_letter
from .models import CREDIT_NOTE, DRAFT, INVOICE, ISSUED
from .paging import decode_token, encode_token, page_limit
from .records import ContratDirectory, CustomerRecord, InterventionDirectory
from .repository import (
    AllocationRow,
    EntryRow,
    FactureRepository,
    InvoiceFilter,
    InvoiceRow,
    LetterRow,
    OpenInvoiceRow,
    PaymentRow,
    RunCounts,
    RunRow,
)

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
CURRENCY = "EUR"
OFFICE = (ADMIN, BUREAU, COMPTA)
ACCOUNTING = (ADMIN, COMPTA)
READERS = (ADMIN, BUREAU, COMPTA, CLIENT)
SERIES_PREFIX = {DocumentType.INVOICE: "FA", DocumentType.CREDIT_NOTE: "AV"}
PAYMENT_METHODS = ("transfer", "cheque", "card", "sepa_direct_debit")
STATUSES = ("draft", "issued", "partially_paid", "paid")
SOURCES = ("manual", "billing_run", "intervention")
MAX_EXPORT_DAYS = 366
CHAIN_PAGE = 500
T = TypeVar("T")


class Renderer(Protocol):
    async def render(self, document: Document) -> RenderedDocument: ...


# -- views handed to the gRPC edge ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class InvoiceView:
    row: InvoiceRow
    status: str  # draft, issued, partially_paid, paid
    draft: Draft  # the content (for an issued document, what it was issued from)
    lines: tuple[Line, ...]
    totals: Totals
    buyer: Buyer | None
    document: Document | None  # as issued
    credit_note_ids: tuple[uuid.UUID, ...]
    overdue: bool


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class PaymentView:
    row: PaymentRow
    allocations: tuple[AllocationRow, ...]

    @property
    def unallocated_cents(self) -> int:
        return self.row.amount_cents - sum(a.amount_cents for a in self.allocations)


@dataclass(frozen=True, slots=True)
class RunView:
    row: RunRow
    counts: RunCounts


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


@dataclass(frozen=True, slots=True)
class BrokenLink:
    chain_position: int
    invoice_id: str
    invoice_number: str
    reason: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    documents_checked: int
    head_hash: str
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


@dataclass(frozen=True, slots=True)
class ExportResult:
    content: bytes
    file_name: str
    content_type: str
    rows: int


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
class InterventionRequest:
    intervention_id: str
    customer_id: str
    contract_id: str
    service_date: date | None
    items: tuple[billing.InterventionItem, ...]
    idempotency_key: str


# -- issuing -------------------------------------------------------------------------------------
@dataclass(slots=True)
class PendingIssue:
    """A document to issue in the current transaction."""

    type: DocumentType
    draft: Draft
    customer: CustomerRecord
    source: str
    existing_id: uuid.UUID | None = None  # the draft row, or None to insert a new row
    corrected: tuple[uuid.UUID, InvoiceReference] | None = None
    contract_id: str | None = None
    intervention_id: str | None = None
    billing_run_id: uuid.UUID | None = None
    idempotency_key: str | None = None
    billed_periods: list[tuple[str, date, date]] = field(default_factory=list)
    created_by: str = ""
    issued_id: uuid.UUID | None = None
    document: Document | None = None
    totals: Totals | None = None


def _parse_id(value: str, field_name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError):
        raise InvalidArgument(
            f"{field_name} is not a valid id", fields={field_name: "not a valid id"}
        ) from None


def _client_customer(principal: Principal) -> str | None:
    """The only customer a client may see; None for office staff and services."""
    if principal.is_service or principal.has_any(ADMIN, BUREAU, COMPTA):
        return None
    return principal.customer_id or "-"


def _after_token(token: str) -> tuple[datetime, uuid.UUID] | None:
    values = decode_token(token, 2)
    if values is None:
        return None
    try:
        return datetime.fromisoformat(values[0]), uuid.UUID(values[1])
    except ValueError:
        raise InvalidArgument(
            "invalid page token", fields={"page.page_token": "invalid page token"}
        ) from None


class FactureService:
    def __init__(
        self,
        database: Database,
        settings: FactureSettings,
        *,
        contrat: ContratDirectory,
        interventions: InterventionDirectory,
        renderer: Renderer,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.database = database
        self.settings = settings
        self.seller = settings.seller
        self.contrat = contrat
        self.interventions = interventions
        self.renderer = renderer
        self.clock = clock
        self.dunning_rules = DunningRules(
            settings.dunning_reminder_days,
            settings.dunning_formal_notice_days,
            settings.late_penalty_rate,
        )
        # Called after each commit that wrote events (the outbox relay's notify).
        self.on_events: Callable[[], None] = lambda: None
        self._runs: dict[uuid.UUID, asyncio.Task[None]] = {}

    def today(self) -> date:
        return self.clock().astimezone(PARIS).date()

    # -- reading documents ---------------------------------------------------------------------
    def _view(self, row: InvoiceRow, credit_notes: Sequence[uuid.UUID], today: date) -> InvoiceView:
        draft = Draft.from_json(row.content)
        if row.status == ISSUED:
            assert row.document is not None
            document = from_data(row.document)
            totals = compute_totals(document)
            if row.type == CREDIT_NOTE:
                status = "issued"
            elif row.settled_cents >= row.total_including_vat_cents:
                status = "paid"
            elif row.settled_cents > 0:
                status = "partially_paid"
            else:
                status = "issued"
            overdue = (
                row.type == INVOICE
                and status != "paid"
                and row.due_date is not None
                and row.due_date < today
            )
            return InvoiceView(
                row, status, draft, document.lines, totals, document.buyer, document,
                tuple(credit_notes), overdue,
            )
        sample = check_with_engine(
            draft, self.seller, today, credit_note=row.type == CREDIT_NOTE
        )
        customer = row.content.get("customer")
        buyer = buyer_of(CustomerRecord.from_json(customer)) if customer else None
        return InvoiceView(
            row, DRAFT, draft, draft.lines, compute_totals(sample), buyer, None,
            tuple(credit_notes), False,
        )

    async def _views(self, repo: FactureRepository, rows: list[InvoiceRow]) -> list[InvoiceView]:
        credit_notes = await repo.credit_notes_of([row.id for row in rows if row.type == INVOICE])
        today = self.today()
        return [self._view(row, credit_notes.get(row.id, []), today) for row in rows]

    async def _visible_invoice(self, repo: FactureRepository, invoice_id: str) -> InvoiceRow:
        principal = require_roles(*READERS)
        row = await repo.invoice(_parse_id(invoice_id, "id"))
        client = _client_customer(principal)
        if row is None or (client is not None and (row.customer_id != client or row.status != ISSUED)):
            raise NotFound("invoice not found")
        return row

    async def get_invoice(self, invoice_id: str) -> InvoiceView:
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            row = await self._visible_invoice(repo, invoice_id)
            return (await self._views(repo, [row]))[0]

    async def list_invoices(
        self, where: InvoiceFilter, page_size: int, page_token: str
    ) -> Page[InvoiceView]:
        principal = require_roles(*READERS)
        client = _client_customer(principal)
        if client is not None:
            if where.customer_id and where.customer_id != client:
                return Page([], "")
            where = replace(where, customer_id=client, issued_only=True)
        for status in where.statuses:
            if status not in STATUSES:
                raise InvalidArgument("unknown status", fields={"statuses": f"unknown {status!r}"})
        limit = page_limit(page_size)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            rows = await repo.list_invoices(where, limit=limit, after=_after_token(page_token))
            views = await self._views(repo, rows)
        token = encode_token(rows[-1].created_at.isoformat(), rows[-1].id) if len(rows) == limit else ""
        return Page(views, token)

    async def invoice_pdf(self, invoice_id: str) -> tuple[str, bytes]:
        """(number, PDF bytes) of an issued document."""
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            row = await self._visible_invoice(repo, invoice_id)
            if row.status != ISSUED or row.number is None:
                raise FailedPrecondition("a draft has no PDF yet: it is rendered at issue")
            pdf = await repo.pdf(row.id)
        assert pdf is not None
        return row.number, pdf

    # -- drafts --------------------------------------------------------------------------------
    async def _customer_for_draft(self, customer_id: str) -> CustomerRecord:
        _parse_id(customer_id, "customer_id")
        return await self.contrat.customer(customer_id)

    def _checked_draft(self, raw: DraftInput, *, credit_note: bool = False) -> Draft:
        draft = parse_draft(raw, default_payment_days=self.settings.default_payment_days)
        check_with_engine(draft, self.seller, self.today(), credit_note=credit_note)
        return draft

    def _draft_values(self, draft: Draft, customer: CustomerRecord, credit_note: bool) -> dict[str, Any]:
        sample = check_with_engine(draft, self.seller, self.today(), credit_note=credit_note)
        totals = compute_totals(sample)
        return {
            "content": {**draft.to_json(), "customer": customer.to_json()},
            "customer_id": customer.id,
            "customer_name": customer.name,
            "customer_email": customer.email,
            "total_excluding_vat_cents": totals.tax_basis_cents,
            "total_vat_cents": totals.vat_total_cents,
            "total_including_vat_cents": totals.grand_total_cents,
        }

    async def create_invoice(self, raw: DraftInput, idempotency_key: str = "") -> InvoiceView:
        principal = require_roles(*OFFICE)
        draft = self._checked_draft(raw)
        if raw.contract_id:
            _parse_id(raw.contract_id, "contract_id")
        customer = await self._customer_for_draft(raw.customer_id)
        if raw.contract_id and draft.contract_reference is None:
            number = await self.contrat.contract_number(raw.contract_id)
            draft = Draft(**{**_fields(draft), "contract_reference": number or None})
        values = self._draft_values(draft, customer, credit_note=False)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            invoice_id = await repo.insert_draft(
                {
                    **values,
                    "type": INVOICE,
                    "source": "manual",
                    "contract_id": raw.contract_id or None,
                    "idempotency_key": idempotency_key or None,
                    "created_by": principal.subject,
                }
            )
            if invoice_id is None:
                existing = await repo.invoice_by_idempotency_key(idempotency_key)
                assert existing is not None
                invoice_id = existing.id
            row = await repo.invoice(invoice_id)
            assert row is not None
            return (await self._views(repo, [row]))[0]

    async def update_invoice(self, invoice_id: str, raw: DraftInput) -> InvoiceView:
        require_roles(*OFFICE)
        draft_id = _parse_id(invoice_id, "id")
        async with self.database.unit_of_work() as session:
            current = await FactureRepository(session).invoice(draft_id)
        if current is None:
            raise NotFound("invoice not found")
        self._refuse_issued(current)
        credit_note = current.type == CREDIT_NOTE
        draft = self._checked_draft(raw, credit_note=credit_note)
        if credit_note and raw.customer_id != current.customer_id:
            raise InvalidArgument(
                "a credit note bills the customer of the invoice it corrects",
                fields={"customer_id": "must be the customer of the corrected invoice"},
            )
        customer = await self._customer_for_draft(raw.customer_id)
        values = self._draft_values(draft, customer, credit_note)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            row = await repo.invoice(draft_id, for_update=True)
            if row is None:
                raise NotFound("invoice not found")
            self._refuse_issued(row)
            if credit_note:
                assert row.corrected_invoice_id is not None
                await self._check_creditable(
                    repo, row.corrected_invoice_id, values["total_including_vat_cents"], row.id
                )
            else:
                values["contract_id"] = raw.contract_id or None
            await repo.update_draft(row.id, values)
            updated = await repo.invoice(row.id)
            assert updated is not None
            return (await self._views(repo, [updated]))[0]

    @staticmethod
    def _refuse_issued(row: InvoiceRow) -> None:
        if row.status != DRAFT:
            kind = "credit note" if row.type == CREDIT_NOTE else "invoice"
            raise FailedPrecondition(
                f"{kind} {row.number} is issued: it can no longer be changed or deleted"
                " (correct it with a credit note)"
            )

    async def delete_invoice(self, invoice_id: str) -> None:
        require_roles(*OFFICE)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            row = await repo.invoice(_parse_id(invoice_id, "id"), for_update=True)
            if row is None:
                raise NotFound("invoice not found")
            self._refuse_issued(row)
            await repo.delete_draft(row.id)

    async def create_credit_note(
        self, invoice_id: str, lines: DraftInput | None, reason: str, idempotency_key: str = ""
    ) -> InvoiceView:
        """A draft credit note on an issued invoice: its lines, or all of the invoice's."""
        principal = require_roles(*OFFICE)
        original_id = _parse_id(invoice_id, "invoice_id")
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            if idempotency_key:
                existing = await repo.invoice_by_idempotency_key(idempotency_key)
                if existing is not None:
                    return (await self._views(repo, [existing]))[0]
            original = await repo.invoice(original_id)
        if original is None or original.type != INVOICE:
            raise NotFound("invoice not found")
        if original.status != ISSUED or original.document is None:
            raise FailedPrecondition("only an issued invoice is corrected by a credit note")
        issued = from_data(original.document)
        note = reason.strip() or None
        if lines is None:
            draft = Draft(
                lines=issued.lines,
                operation_category=issued.operation_category,
                contract_reference=issued.contract_reference,
                billing_period=issued.billing_period,
                delivery_address=issued.delivery_address,
                note=note or f"Annulation de la facture {original.number}",
            )
        else:
            draft = self._checked_draft(lines, credit_note=True)
            draft = Draft(**{**_fields(draft), "note": note or draft.note})
        customer = await self.contrat.customer(original.customer_id)
        values = self._draft_values(draft, customer, credit_note=True)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            await self._check_creditable(repo, original.id, values["total_including_vat_cents"], None)
            credit_id = await repo.insert_draft(
                {
                    **values,
                    "type": CREDIT_NOTE,
                    "source": "manual",
                    "corrected_invoice_id": original.id,
                    "contract_id": original.contract_id,
                    "idempotency_key": idempotency_key or None,
                    "created_by": principal.subject,
                }
            )
            if credit_id is None:
                existing = await repo.invoice_by_idempotency_key(idempotency_key)
                assert existing is not None
                credit_id = existing.id
            row = await repo.invoice(credit_id)
            assert row is not None
            return (await self._views(repo, [row]))[0]

    async def _check_creditable(
        self, repo: FactureRepository, original_id: uuid.UUID, amount: int, exclude: uuid.UUID | None
    ) -> None:
        original = await repo.invoice(original_id)
        assert original is not None
        already = await repo.credited_total(original_id, exclude=exclude)
        left = original.total_including_vat_cents - already
        if amount > left:
            raise InvalidArgument(
                f"the credit note ({amount / 100:.2f} EUR incl. VAT) exceeds what is left to credit"
                f" on {original.number} ({left / 100:.2f} EUR)",
                fields={"lines": f"at most {left / 100:.2f} EUR including VAT is left to credit"},
            )

    # -- issue ---------------------------------------------------------------------------------
    async def issue_invoice(self, invoice_id: str) -> InvoiceView:
        principal = require_roles(*ACCOUNTING)
        draft_id = _parse_id(invoice_id, "id")
        async with self.database.unit_of_work() as session:
            row = await FactureRepository(session).invoice(draft_id)
        if row is None:
            raise NotFound("invoice not found")
        if row.status == DRAFT:
            customer = await self.contrat.customer(row.customer_id)
            async with self.database.unit_of_work() as session:
                repo = FactureRepository(session)
                row = await repo.invoice(draft_id, for_update=True)
                assert row is not None
                if row.status == DRAFT:
                    pending = PendingIssue(
                        type=DocumentType.CREDIT_NOTE if row.type == CREDIT_NOTE else DocumentType.INVOICE,
                        draft=Draft.from_json(row.content),
                        customer=customer,
                        source=row.source,
                        existing_id=row.id,
                        contract_id=row.contract_id,
                        created_by=principal.subject,
                    )
                    if row.corrected_invoice_id is not None:
                        original = await repo.invoice(row.corrected_invoice_id)
                        assert original is not None and original.number and original.issue_date
                        await self._check_creditable(
                            repo, original.id, row.total_including_vat_cents, row.id
                        )
                        pending.corrected = (
                            original.id,
                            InvoiceReference(original.number, original.issue_date),
                        )
                    await self._issue(repo, [pending])
            self.on_events()
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            issued = await repo.invoice(draft_id)
            assert issued is not None
            return (await self._views(repo, [issued]))[0]

    async def _issue(self, repo: FactureRepository, pending: list[PendingIssue]) -> None:
        head = await repo.lock_chain_head()
        await self._issue_locked(repo, head, pending)

    async def _issue_locked(self, repo: FactureRepository, head: Any, pending: list[PendingIssue]) -> None:
        """Numbers, renders, chains and stores `pending` (the chain head is locked)."""
        if not pending:
            return
        today = self.today()
        if head.issue_date is not None and head.issue_date > today:
            raise FailedPrecondition(
                f"the last document is dated {head.issue_date}, after today: check the clock"
            )
        numbers: dict[int, str] = {}
        for kind in (DocumentType.INVOICE, DocumentType.CREDIT_NOTE):
            indexes = [i for i, p in enumerate(pending) if p.type is kind]
            if not indexes:
                continue
            series = f"{SERIES_PREFIX[kind]}-{today.year}"
            first = await repo.allocate_numbers(series, len(indexes))
            for offset, index in enumerate(indexes):
                numbers[index] = f"{series}-{first + offset:06d}"
        for index, item in enumerate(pending):
            item.document = build_document(
                item.draft,
                type=item.type,
                number=numbers[index],
                issue_date=today,
                seller=self.seller,
                buyer=buyer_of(item.customer),
                corrected=item.corrected[1] if item.corrected else None,
            )
        rendered = await asyncio.gather(
            *(self.renderer.render(item.document) for item in pending if item.document)
        )
        previous_hash, position = head.hash, head.position
        inserts: list[dict[str, Any]] = []
        billed: list[dict[str, Any]] = []
        for item, result in zip(pending, rendered, strict=True):
            document = item.document
            assert document is not None
            item.totals = result.totals
            data = chain.legal_data(document)
            pdf_sha256 = chain.pdf_digest(result.pdf)
            link = chain.link_hash(previous_hash, data, pdf_sha256)
            position += 1
            values = {
                "number": document.number,
                "issue_date": document.issue_date,
                "due_date": document.due_date,
                "document": data,
                "chain_position": position,
                "previous_hash": previous_hash,
                "hash": link,
                "pdf": result.pdf,
                "pdf_sha256": pdf_sha256,
                "customer_name": item.customer.name,
                "customer_email": item.customer.email,
                "total_excluding_vat_cents": result.totals.tax_basis_cents,
                "total_vat_cents": result.totals.vat_total_cents,
                "total_including_vat_cents": result.totals.grand_total_cents,
                "issued_by": item.created_by,
            }
            previous_hash = link
            if item.existing_id is not None:
                item.issued_id = item.existing_id
                await repo.issue_draft(item.existing_id, values)
            else:
                item.issued_id = uuid.uuid4()
                inserts.append(
                    {
                        **values,
                        "id": item.issued_id,
                        "type": CREDIT_NOTE if item.type is DocumentType.CREDIT_NOTE else INVOICE,
                        "source": item.source,
                        "customer_id": item.customer.id,
                        "content": {**item.draft.to_json(), "customer": item.customer.to_json()},
                        "contract_id": item.contract_id,
                        "intervention_id": item.intervention_id,
                        "billing_run_id": item.billing_run_id,
                        "idempotency_key": item.idempotency_key,
                        "corrected_invoice_id": item.corrected[0] if item.corrected else None,
                        "created_by": item.created_by,
                    }
                )
            billed += [
                {
                    "contract_line_id": line_id,
                    "period_start": start,
                    "period_end": end,
                    "contract_id": item.contract_id,
                    "invoice_id": item.issued_id,
                }
                for line_id, start, end in item.billed_periods
            ]
        await repo.insert_issued(inserts)
        await repo.insert_billed_periods(billed)
        await repo.set_chain_head(type(head)(position, previous_hash, today))
        for item in pending:
            await self._issued_event(repo, item)
        # Credit the customers have (overpayments, credit notes) settles the new documents.
        customers = await repo.customers_with_credit({item.customer.id for item in pending})
        for customer_id in sorted(customers):
            first = [
                item.corrected[0]
                for item in pending
                if item.corrected and item.customer.id == customer_id
            ]
            await self._settle(repo, customer_id, first[0] if first else None)

    async def _issued_event(self, repo: FactureRepository, item: PendingIssue) -> None:
        document, totals = item.document, item.totals
        assert document is not None and totals is not None and item.issued_id is not None
        credit_note = item.type is DocumentType.CREDIT_NOTE
        payload = {
            "invoice_id": str(item.issued_id),
            "number": document.number,
            "type": "credit_note" if credit_note else "invoice",
            "customer_id": item.customer.id,
            "customer_email": item.customer.email,
            "customer_name": item.customer.name,
            "total_cents": totals.grand_total_cents,
            "total_excluding_vat_cents": totals.tax_basis_cents,
            "total_vat_cents": totals.vat_total_cents,
            "currency": CURRENCY,
            "issue_date": document.issue_date.isoformat(),
            "due_date": document.due_date.isoformat() if document.due_date else None,
            "contract_id": item.contract_id,
            "billing_run_id": str(item.billing_run_id) if item.billing_run_id else None,
            "source": item.source,
        }
        if credit_note and item.corrected:
            payload["corrected_invoice_id"] = str(item.corrected[0])
            payload["corrected_invoice_number"] = item.corrected[1].number
        await repo.record_event(
            "facture.credit_note.issued" if credit_note else "facture.invoice.issued",
            "invoice",
            str(item.issued_id),
            payload,
        )

    # -- settlement ------------------------------------------------------------------------------
    async def _settle(
        self, repo: FactureRepository, customer_id: str, first_invoice: uuid.UUID | None
    ) -> list[dict[str, Any]]:
        """Applies the customer's unapplied payments and credit notes to its open invoices:
        `first_invoice` first, then the oldest due. Returns the allocations made."""
        await repo.lock_customer(customer_id)
        sources = await repo.credit_sources(customer_id)
        if not sources:
            return []
        open_invoices = await repo.open_invoices(customer_id=customer_id)
        open_invoices.sort(key=lambda row: (row.id != first_invoice, row.due_date))
        made: list[dict[str, Any]] = []
        remaining = [source.remaining_cents for source in sources]
        source_index = 0
        for invoice in open_invoices:
            due = invoice.amount_due_cents
            while due > 0 and source_index < len(sources):
                amount = min(due, remaining[source_index])
                source = sources[source_index]
                made.append(
                    {
                        "invoice_id": invoice.id,
                        "payment_id": source.payment_id,
                        "credit_note_id": source.credit_note_id,
                        "customer_id": customer_id,
                        "amount_cents": amount,
                    }
                )
                due -= amount
                remaining[source_index] -= amount
                if remaining[source_index] == 0:
                    source_index += 1
        await repo.insert_allocations(made)
        return made

    # -- chain -------------------------------------------------------------------------------------
    async def verify_chain(self) -> ChainReport:
        require_roles(*ACCOUNTING)
        return await verify_chain(self.database)

    # -- interventions ---------------------------------------------------------------------------
    async def invoice_intervention(self, request: InterventionRequest) -> tuple[InvoiceView | None, str]:
        principal = require_roles(*ACCOUNTING)
        if not request.intervention_id.strip():
            raise InvalidArgument("intervention_id is required", fields={"intervention_id": "is required"})
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            existing = await self._intervention_invoice(repo, request)
            if existing is not None:
                return (await self._views(repo, [existing]))[0], ""
        items = list(request.items)
        customer_id, contract_id = request.customer_id, request.contract_id
        service_date, site_address = request.service_date, None
        if not items:
            record = await self.interventions.intervention(request.intervention_id)
            if not record.completed:
                raise FailedPrecondition("the intervention is not completed")
            items = billing.items_of_intervention(
                record,
                LabourPrice(
                    self.settings.labour_hourly_rate_cents,
                    self.settings.labour_vat_rate,
                    self.settings.parts_vat_rate,
                ),
            )
            customer_id = customer_id or record.customer_id
            contract_id = contract_id or record.contract_id
            service_date = service_date or record.completed_on
            site_address = record.site_address
        if not items:
            return None, "the intervention has nothing billable"
        if not customer_id:
            raise InvalidArgument("customer_id is required", fields={"customer_id": "is required"})
        customer = await self.contrat.customer(customer_id)
        reference = None
        if contract_id:
            with contextlib.suppress(InvalidArgument):
                reference = await self.contrat.contract_number(contract_id) or None
        draft = billing.intervention_draft(
            items,
            service_date=service_date,
            contract_reference=reference,
            site_address=site_address,
            payment_days=self.settings.default_payment_days,
            zero_rate_reason=self.settings.zero_rate_exemption_reason,
        )
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            head = await repo.lock_chain_head()
            existing = await self._intervention_invoice(repo, request)
            if existing is None:
                pending = PendingIssue(
                    type=DocumentType.INVOICE,
                    draft=draft,
                    customer=customer,
                    source="intervention",
                    contract_id=contract_id or None,
                    intervention_id=request.intervention_id,
                    idempotency_key=request.idempotency_key or None,
                    created_by=principal.subject,
                )
                await self._issue_locked(repo, head, [pending])
                assert pending.issued_id is not None
                existing = await repo.invoice(pending.issued_id)
            assert existing is not None
            view = (await self._views(repo, [existing]))[0]
        self.on_events()
        return view, ""

    async def _intervention_invoice(
        self, repo: FactureRepository, request: InterventionRequest
    ) -> InvoiceRow | None:
        if request.idempotency_key:
            found = await repo.invoice_by_idempotency_key(request.idempotency_key)
            if found is not None:
                return found
        return await repo.invoice_of_intervention(request.intervention_id)

    # -- billing runs ----------------------------------------------------------------------------
    async def start_billing_run(
        self,
        *,
        up_to: date | None,
        from_date: date | None,
        contract_id: str,
        dry_run: bool,
        wait: bool,
        idempotency_key: str,
    ) -> RunView:
        principal = require_roles(*ACCOUNTING)
        today = self.today()
        up_to = up_to or today
        if up_to > today:
            raise InvalidArgument(
                "periods are billed once due: the date may not be in the future",
                fields={"period_start": "is in the future"},
            )
        if from_date is not None and from_date > up_to:
            raise InvalidArgument("from_date is after the billing date", fields={"from_date": "is after period_start"})
        if contract_id:
            _parse_id(contract_id, "contract_id")
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            existing = await repo.run_by_idempotency_key(idempotency_key) if idempotency_key else None
            if existing is not None:
                run_id, new = existing.id, False
            else:
                inserted = await repo.insert_run(
                    {
                        "up_to": up_to,
                        "from_date": from_date,
                        "contract_id": contract_id or None,
                        "dry_run": dry_run,
                        "idempotency_key": idempotency_key or None,
                        "requested_by": principal.subject,
                    }
                )
                if inserted is None:  # the same key, concurrently
                    found = await repo.run_by_idempotency_key(idempotency_key)
                    assert found is not None
                    run_id, new = found.id, False
                else:
                    run_id, new = inserted, True
        if new:
            self._launch(run_id)
        if wait:
            await self._wait_for_run(run_id)
        return await self._run_view(run_id)

    async def resume_billing_run(self, run_id_text: str, wait: bool) -> RunView:
        require_roles(*ACCOUNTING)
        run_id = _parse_id(run_id_text, "id")
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            run = await repo.run(run_id)
            if run is None:
                raise NotFound("billing run not found")
            if run.status == "completed":
                raise FailedPrecondition("the billing run is completed")
            claimed = run_id not in self._runs and await repo.claim_run(run_id, stale_after=None)
        if claimed:
            self._launch(run_id)
        if wait:
            await self._wait_for_run(run_id)
        return await self._run_view(run_id)

    async def get_billing_run(self, run_id: str) -> RunView:
        require_roles(*OFFICE)
        return await self._run_view(_parse_id(run_id, "id"))

    async def _run_view(self, run_id: uuid.UUID) -> RunView:
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            run = await repo.run(run_id)
            if run is None:
                raise NotFound("billing run not found")
            counts = await repo.run_counts([run_id])
        return RunView(run, counts[run_id])

    async def list_billing_runs(self, status: str, page_size: int, page_token: str) -> Page[RunView]:
        require_roles(*OFFICE)
        limit = page_limit(page_size)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            runs = await repo.list_runs(status=status, limit=limit, after=_after_token(page_token))
            counts = await repo.run_counts([run.id for run in runs])
        token = encode_token(runs[-1].created_at.isoformat(), runs[-1].id) if len(runs) == limit else ""
        return Page([RunView(run, counts[run.id]) for run in runs], token)

    async def list_run_entries(
        self, run_id: str, outcome: str, page_size: int, page_token: str
    ) -> Page[EntryRow]:
        require_roles(*OFFICE)
        parsed = _parse_id(run_id, "run_id")
        limit = page_limit(page_size, maximum=2000)
        after = decode_token(page_token, 1)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            if await repo.run(parsed) is None:
                raise NotFound("billing run not found")
            entries = await repo.list_entries(
                parsed, outcome=outcome, limit=limit, after_id=int(after[0]) if after else None
            )
        token = encode_token(entries[-1].id) if len(entries) == limit else ""
        return Page(entries, token)

    def _launch(self, run_id: uuid.UUID) -> None:
        if run_id in self._runs:
            return
        task = asyncio.create_task(self._execute_run(run_id), name=f"billing-run-{run_id}")
        self._runs[run_id] = task
        task.add_done_callback(lambda _: self._runs.pop(run_id, None))

    async def _wait_for_run(self, run_id: uuid.UUID) -> None:
        """Until the run is no longer running (here, or in another process)."""
        while True:
            task = self._runs.get(run_id)
            if task is not None:
                # The caller's deadline may cancel the wait, never the run.
                await asyncio.shield(task)
            async with self.database.unit_of_work() as session:
                run = await FactureRepository(session).run(run_id)
            if run is None or run.status != "running":
                return
            await asyncio.sleep(0.2)

    async def resume_stale_runs(self) -> list[uuid.UUID]:
        """Takes over the runs whose worker went silent (crashed or stopped)."""
        stale_after = self.settings.billing_stale_after_seconds
        resumed = []
        async with self.database.unit_of_work() as session:
            candidates = await FactureRepository(session).stale_run_ids(stale_after)
        for run_id in candidates:
            if run_id in self._runs:
                continue
            async with self.database.unit_of_work() as session:
                claimed = await FactureRepository(session).claim_run(run_id, stale_after=stale_after)
            if claimed:
                log.info("resuming billing run %s", run_id)
                self._launch(run_id)
                resumed.append(run_id)
        return resumed

    async def stop_runs(self) -> None:
        """At shutdown: stop working on runs (they are resumed from where they are)."""
        tasks = list(self._runs.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _execute_run(self, run_id: uuid.UUID) -> None:
        async with self.database.unit_of_work() as session:
            run = await FactureRepository(session).run(run_id)
        assert run is not None
        try:
            if not run.planned:
                await self._plan_run(run)
            await self._process_entries(run)
            await self._finish_run(run, "completed")
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("billing run %s failed", run_id)
            with contextlib.suppress(Exception):
                await self._finish_run(run, "failed", str(error) or type(error).__name__)

    async def _finish_run(self, run: RunRow, status: str, error: str = "") -> None:
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            if not await repo.finish_run(run.id, status, error):
                return
            counts = (await repo.run_counts([run.id]))[run.id]
            if not run.dry_run:
                await repo.record_event(
                    f"facture.billing_run.{status}",
                    "billing_run",
                    str(run.id),
                    {
                        "run_id": str(run.id),
                        "up_to": run.up_to.isoformat(),
                        "issued": counts.issued,
                        "skipped": counts.skipped,
                        "failed": counts.failed,
                        "pending": counts.pending,
                        "total_cents": counts.total_including_vat_cents,
                        "currency": CURRENCY,
                        "error": error,
                    },
                )
        self.on_events()

    async def _plan_run(self, run: RunRow) -> None:
        token = ""
        while True:
            contracts, token = await self.contrat.billables(
                up_to=run.up_to,
                from_date=run.from_date,
                contract_id=run.contract_id or "",
                page_size=self.settings.billing_page_size,
                page_token=token,
            )
            rows = [
                {
                    "run_id": run.id,
                    "contract_id": entry.contract_id,
                    "contract_number": entry.contract_number,
                    "customer_id": entry.customer.id,
                    "customer_name": entry.customer.name,
                    "period_start": entry.period_start,
                    "period_end": entry.period_end,
                    "billables": entry.to_json(),
                }
                for entry in billing.plan_entries(contracts)
            ]
            async with self.database.unit_of_work() as session:
                repo = FactureRepository(session)
                for start in range(0, len(rows), 1000):
                    await repo.insert_entries(rows[start : start + 1000])
                await repo.touch_run(run.id)
            if not token:
                break
        async with self.database.unit_of_work() as session:
            await FactureRepository(session).mark_planned(run.id)

    async def _process_entries(self, run: RunRow) -> None:
        batch_size = self.settings.billing_batch_size
        while True:
            try:
                handled = await self._process_batch(run, batch_size)
            except Exception:
                if batch_size == 1:
                    raise
                log.warning("billing run %s: a batch failed, retrying it entry by entry", run.id, exc_info=True)
                handled = await self._process_one_by_one(run, batch_size)
            if handled:
                continue
            async with self.database.unit_of_work() as session:
                pending = (await FactureRepository(session).run_counts([run.id]))[run.id].pending
            if not pending:
                return
            await asyncio.sleep(0.2)  # another worker holds the remaining entries

    async def _process_one_by_one(self, run: RunRow, count: int) -> int:
        handled = 0
        for _ in range(count):
            try:
                done = await self._process_batch(run, 1)
            except Exception as error:
                done = await self._fail_next_entry(run, f"could not be issued: {error}")
            if not done:
                break
            handled += done
        return handled

    async def _fail_next_entry(self, run: RunRow, reason: str) -> int:
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            entries = await repo.lock_pending_entries(run.id, 1)
            await repo.set_entry_outcomes(
                [{"id": entry.id, "outcome": "failed", "reason": reason[:1000]} for entry in entries]
            )
            return len(entries)

    async def _process_batch(self, run: RunRow, limit: int) -> int:
        """Handles up to `limit` pending entries in one transaction; returns how many."""
        today = self.today()
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            rows = await repo.lock_pending_entries(run.id, limit)
            if not rows:
                return 0
            await repo.touch_run(run.id)
            outcomes: list[dict[str, Any]] = []
            candidates: list[tuple[EntryRow, Entry]] = []
            for row in rows:
                entry = Entry.from_row(
                    contract_id=row.contract_id,
                    contract_number=row.contract_number,
                    period_start=row.period_start,
                    period_end=row.period_end,
                    billables=row.billables,
                )
                problem = self._entry_problem(entry, today)
                if problem:
                    outcomes.append(_outcome(row, "failed", problem))
                else:
                    candidates.append((row, entry))
            # Locked before looking at what is billed: no other issue can bill meanwhile.
            head = None if run.dry_run else await repo.lock_chain_head()
            billed = await repo.billed_lines(key for _, entry in candidates for key in entry.line_keys)
            pending: list[tuple[EntryRow, PendingIssue]] = []
            for row, entry in candidates:
                done = {line for line, start in entry.line_keys if (line, start) in billed}
                if done and done == {line for line, _ in entry.line_keys}:
                    invoice_id, number = billed[entry.line_keys[0]]
                    outcomes.append(
                        _outcome(row, "skipped", f"already invoiced by {number}", invoice_id, number)
                    )
                    continue
                entry = entry.without_lines(done) if done else entry
                draft = billing.entry_draft(entry, self.settings.zero_rate_exemption_reason)
                if run.dry_run:
                    sample = build_document(
                        draft, type=DocumentType.INVOICE, number="APERÇU", issue_date=today,
                        seller=self.seller, buyer=buyer_of(entry.customer),
                    )
                    outcomes.append(_outcome(row, "previewed", "", totals=compute_totals(sample)))
                    continue
                pending.append(
                    (
                        row,
                        PendingIssue(
                            type=DocumentType.INVOICE,
                            draft=draft,
                            customer=entry.customer,
                            source="billing_run",
                            contract_id=entry.contract_id,
                            billing_run_id=run.id,
                            billed_periods=[
                                (line, start, entry.period_end) for line, start in entry.line_keys
                                if line not in done
                            ],
                            created_by=run.requested_by,
                        ),
                    )
                )
            if pending:
                assert head is not None
                await self._issue_locked(repo, head, [item for _, item in pending])
                for row, item in pending:
                    assert item.document is not None and item.totals is not None
                    outcomes.append(
                        _outcome(row, "issued", "", item.issued_id, item.document.number, item.totals)
                    )
            await repo.set_entry_outcomes(outcomes)
        if pending:
            self.on_events()
        return len(rows)

    def _entry_problem(self, entry: Entry, today: date) -> str:
        """Why an entry cannot be invoiced (checked with the engine), or ""."""
        try:
            draft = billing.entry_draft(entry, self.settings.zero_rate_exemption_reason)
            build_document(
                draft, type=DocumentType.INVOICE, number="CONTRÔLE", issue_date=today,
                seller=self.seller, buyer=buyer_of(entry.customer),
            )
        except CannotBill as error:
            return str(error)
        except InvalidDocument as error:
            return "; ".join(f"{path}: {why}" for path, why in error.fields.items())
        return ""

    # -- payments and balances -------------------------------------------------------------------
    async def record_payment(self, request: PaymentInput) -> PaymentView:
        principal = require_roles(*ACCOUNTING)
        today = self.today()
        problems: dict[str, str] = {}
        if request.amount_cents <= 0:
            problems["amount.amount_cents"] = "must be positive"
        if request.currency not in ("", CURRENCY):
            problems["amount.currency"] = "only EUR is supported"
        if request.method not in PAYMENT_METHODS:
            problems["method"] = "is required: transfer, cheque, card or sepa_direct_debit"
        received_on = request.received_on or today
        if received_on > today:
            problems["received_on"] = "is in the future"
        if len(request.reference) > 200:
            problems["reference"] = "is longer than 200 characters"
        invoice_id = _parse_id(request.invoice_id, "invoice_id") if request.invoice_id else None
        if problems:
            raise InvalidArgument("the payment is not valid", fields=problems)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            if request.idempotency_key:
                existing = await repo.payment_by_idempotency_key(request.idempotency_key)
                if existing is not None:
                    return await self._payment_view(repo, existing)
        await self._customer_for_draft(request.customer_id)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            if invoice_id is not None:
                target = await repo.invoice(invoice_id)
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
            await self._settle(repo, request.customer_id, invoice_id)
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
                    "currency": CURRENCY,
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

    async def _payment_view(self, repo: FactureRepository, row: PaymentRow) -> PaymentView:
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
    ) -> Page[PaymentView]:
        principal = require_roles(*READERS)
        client = _client_customer(principal)
        if client is not None:
            if customer_id and customer_id != client:
                return Page([], "")
            customer_id = client
        limit = page_limit(page_size)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            rows = await repo.list_payments(
                customer_id=customer_id,
                received_from=received_from,
                received_to=received_to,
                invoice_id=_parse_id(invoice_id, "invoice_id") if invoice_id else None,
                limit=limit,
                after=_after_token(page_token),
            )
            allocations = await repo.allocations_of_payments([row.id for row in rows])
        token = encode_token(rows[-1].created_at.isoformat(), rows[-1].id) if len(rows) == limit else ""
        return Page([PaymentView(row, tuple(allocations.get(row.id, []))) for row in rows], token)

    async def customer_balance(self, customer_id: str, as_of: date | None) -> Balance:
        principal = require_roles(*READERS)
        client = _client_customer(principal)
        if client is not None and customer_id != client:
            raise NotFound("customer not found")
        if not customer_id:
            raise InvalidArgument("customer_id is required", fields={"customer_id": "is required"})
        as_of = as_of or self.today()
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
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
            unapplied_credit_cents=totals.paid_cents + totals.credited_cents - totals.allocated_cents,
            aging=aging,
            open_invoices=tuple(open_invoices),
            dunning_paused=paused,
        )

    async def aging_report(self, as_of: date | None, page_size: int, page_token: str) -> AgingReport:
        require_roles(*ACCOUNTING, BUREAU)
        as_of = as_of or self.today()
        limit = page_limit(page_size)
        start = int(decode_token(page_token, 1)[0]) if page_token else 0  # type: ignore[index]
        async with self.database.unit_of_work() as session:
            rows = await FactureRepository(session).open_invoices()
        by_customer: dict[str, Aging] = defaultdict(Aging)
        names: dict[str, str] = {}
        totals = Aging()
        for row in rows:
            days = (as_of - row.due_date).days
            by_customer[row.customer_id] = by_customer[row.customer_id].plus(row.amount_due_cents, days)
            names[row.customer_id] = row.customer_name
            totals = totals.plus(row.amount_due_cents, days)
        ordered = sorted(by_customer.items(), key=lambda item: (-item[1].total, item[0]))
        page = ordered[start : start + limit]
        token = encode_token(start + limit) if start + limit < len(ordered) else ""
        return AgingReport(
            as_of,
            [CustomerAging(customer, names[customer], aging) for customer, aging in page],
            totals,
            token,
        )

    # -- dunning ---------------------------------------------------------------------------------
    async def run_dunning(self, as_of: date | None, idempotency_key: str) -> DunningResult:
        require_roles(*ACCOUNTING)
        today = self.today()
        as_of = as_of or today
        if as_of > today:
            raise InvalidArgument("dunning cannot run for a future day", fields={"as_of": "is in the future"})
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
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
            run_id = await repo.insert_dunning_run(as_of, idempotency_key or None, paused_with_overdue)
            for customer_id, rows in sorted(overdue.items()):
                if customer_id in paused:
                    continue
                letter = compose_letter(
                    [
                        Overdue(
                            row.id, row.number, row.due_date, row.amount_due_cents,
                            bool(row.is_business), row.dunning_level,
                        )
                        for row in rows
                    ],
                    as_of,
                    self.dunning_rules,
                )
                if letter is not None:
                    await self._write_letter(repo, run_id, rows[-1], letter, as_of)
            letters = await repo.letters(run_id=run_id)
        if letters:
            self.on_events()
        return DunningResult(letters, paused_with_overdue)

    async def _write_letter(
        self, repo: FactureRepository, run_id: uuid.UUID, latest: OpenInvoiceRow, letter: Letter, as_of: date
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
                "currency": CURRENCY,
            },
        )

    async def list_letters(
        self, customer_id: str, level: int, page_size: int, page_token: str
    ) -> Page[LetterRow]:
        principal = require_roles(*READERS)
        client = _client_customer(principal)
        if client is not None:
            if customer_id and customer_id != client:
                return Page([], "")
            customer_id = client
        limit = page_limit(page_size)
        async with self.database.unit_of_work() as session:
            letters = await FactureRepository(session).letters(
                customer_id=customer_id, level=level, limit=limit, after=_after_token(page_token)
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
        if until is not None and until < self.today():
            raise InvalidArgument("the pause would already be over", fields={"until": "is in the past"})
        if len(reason) > 1000:
            raise InvalidArgument("reason is too long", fields={"reason": "at most 1000 characters"})
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            if paused:
                await repo.set_pause(customer_id, until, reason.strip(), principal.subject)
                return PauseView(customer_id, True, until, reason.strip())
            await repo.remove_pause(customer_id)
        return PauseView(customer_id, False, None, "")

    # -- exports ---------------------------------------------------------------------------------
    def _export_range(self, first: date | None, last: date | None) -> tuple[date, date]:
        problems = {}
        if first is None:
            problems["from_date"] = "is required"
        if last is None:
            problems["to_date"] = "is required"
        if first and last and last < first:
            problems["to_date"] = "is before from_date"
        if first and last and (last - first).days > MAX_EXPORT_DAYS:
            problems["to_date"] = f"at most {MAX_EXPORT_DAYS} days after from_date"
        if problems:
            raise InvalidArgument("the date range is not valid", fields=problems)
        assert first is not None and last is not None
        return first, last

    async def _exported_documents(self, repo: FactureRepository, first: date, last: date) -> list[exports.ExportedDocument]:
        result = []
        for row in await repo.issued_between(first, last):
            assert row.document is not None and row.number and row.hash
            document = from_data(row.document)
            result.append(
                exports.ExportedDocument(
                    number=row.number,
                    type=row.type,
                    customer_id=row.customer_id,
                    document=document,
                    totals=compute_totals(document),
                    settled_cents=row.settled_cents,
                    hash=row.hash,
                    corrected_number=row.corrected_invoice_number,
                )
            )
        return result

    async def _exported_payments(self, repo: FactureRepository, first: date, last: date) -> list[exports.ExportedPayment]:
        rows = await repo.payments_between(first, last)
        allocations = await repo.allocations_of_payments([row.id for row in rows])
        names = await repo.customer_names({row.customer_id for row in rows})
        return [
            exports.ExportedPayment(
                received_on=row.received_on,
                customer_id=row.customer_id,
                customer_name=names.get(row.customer_id, ""),
                amount_cents=row.amount_cents,
                method=row.method,
                reference=row.reference,
                allocations=tuple((a.invoice_number, a.amount_cents) for a in allocations.get(row.id, [])),
                unallocated_cents=row.amount_cents - sum(a.amount_cents for a in allocations.get(row.id, [])),
                id=str(row.id),
            )
            for row in rows
        ]

    async def export_invoices(self, first: date | None, last: date | None) -> ExportResult:
        require_roles(*ACCOUNTING)
        first, last = self._export_range(first, last)
        async with self.database.unit_of_work() as session:
            documents = await self._exported_documents(FactureRepository(session), first, last)
        return ExportResult(
            exports.invoices_csv(documents),
            f"factures-{first.isoformat()}-{last.isoformat()}.csv",
            exports.CSV_MEDIA_TYPE,
            len(documents),
        )

    async def export_payments(self, first: date | None, last: date | None) -> ExportResult:
        require_roles(*ACCOUNTING)
        first, last = self._export_range(first, last)
        async with self.database.unit_of_work() as session:
            payments = await self._exported_payments(FactureRepository(session), first, last)
        return ExportResult(
            exports.payments_csv(payments),
            f"reglements-{first.isoformat()}-{last.isoformat()}.csv",
            exports.CSV_MEDIA_TYPE,
            len(payments),
        )

    async def export_fec(self, first: date | None, last: date | None) -> ExportResult:
        require_roles(*ACCOUNTING)
        first, last = self._export_range(first, last)
        async with self.database.unit_of_work() as session:
            repo = FactureRepository(session)
            documents = await self._exported_documents(repo, first, last)
            payments = await self._exported_payments(repo, first, last)
        content, rows = exports.fec(documents, payments)
        return ExportResult(
            content,
            f"{self.seller.siren}FEC{last.strftime('%Y%m%d')}.txt",
            exports.FEC_MEDIA_TYPE,
            rows,
        )


async def verify_chain(database: Database) -> ChainReport:
    """Recomputes every link of the chain of issued documents; stops at the first one that does
    not verify (also used by `python -m aquaerp_facture verify-chain`, without a caller)."""
    previous_hash, position, checked = chain.GENESIS, 0, 0
    last_number: dict[str, int] = {}
    async with database.unit_of_work() as session:
        repo = FactureRepository(session)
        while True:
            links = await repo.chain_links(position, CHAIN_PAGE)
            for link in links:
                expected_position = position + 1

                def broken(reason: str, link: Any = link) -> ChainReport:
                    return ChainReport(
                        checked,
                        previous_hash,
                        BrokenLink(link.chain_position, str(link.id), link.number, reason),
                    )

                if link.chain_position != expected_position:
                    return broken(
                        f"the document at position {expected_position} is missing"
                    )
                if link.previous_hash != previous_hash:
                    return broken("its previous hash is not the hash of the document before it")
                if link.pdf_digest != link.pdf_sha256:
                    return broken("its stored PDF is not the PDF issued")
                if chain.link_hash(link.previous_hash, link.document, link.pdf_sha256) != link.hash:
                    return broken("its content does not match its hash (altered after issue)")
                series, _, sequence = link.number.rpartition("-")
                expected_number = last_number.get(series, 0) + 1
                if not sequence.isdigit() or int(sequence) != expected_number:
                    return broken(
                        f"its number follows {series}-{expected_number - 1:06d}:"
                        " the series has a gap or a duplicate"
                    )
                last_number[series] = expected_number
                previous_hash, position = link.hash, link.chain_position
                checked += 1
            if len(links) < CHAIN_PAGE:
                break
        head = await repo.chain_head()
    if head.position != position or head.hash != previous_hash:
        return ChainReport(
            checked,
            previous_hash,
            BrokenLink(
                position + 1,
                "",
                "",
                f"{head.position} documents were issued but the chain stops at {position}:"
                " documents are missing at its end",
            ),
        )
    return ChainReport(checked, previous_hash, None)


def _fields(draft: Draft) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in Draft.__dataclass_fields__}


def _outcome(
    row: EntryRow,
    outcome: str,
    reason: str,
    invoice_id: uuid.UUID | None = None,
    number: str | None = None,
    totals: Totals | None = None,
) -> dict[str, Any]:
    return {
        "id": row.id,
        "outcome": outcome,
        "reason": reason[:1000],
        "invoice_id": invoice_id,
        "invoice_number": number,
        "total_excluding_vat_cents": totals.tax_basis_cents if totals else 0,
        "total_vat_cents": totals.vat_total_cents if totals else 0,
        "total_including_vat_cents": totals.grand_total_cents if totals else 0,
    }
