"""Facture domain logic for documents: drafts, issue, credit notes, reading and downloading,
invoicing of interventions, chain verification and the accountant's exports. No gRPC here.

Billing runs are in `billing_runs.py`, payments, balances and dunning in `receivables.py`; all
issue through `issuing.Issuer`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.convert import MAX_CENTS
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from aquaerp_runtime.paging import page_limit

from . import billing, exports, review_queue
from .access import ACCOUNTING, OFFICE, READERS, Page, client_customer, parse_id
from .billing import CannotBill, LabourPrice
from .config import FactureSettings
from .documents import (
    Buyer,
    Document,
    DocumentType,
    InvalidDocument,
    InvoiceReference,
    Line,
    Totals,
    compute_totals,
    from_data,
)
from .drafts import Draft, DraftInput, buyer_of, check_with_engine, parse_draft
from .issuing import Issuer, PendingIssue, count_issued
from .models import CREDIT_NOTE, DRAFT, INVOICE, ISSUED, InvoiceSource, InvoiceStatus
from .records import ContratDirectory, CustomerRecord, InterventionDirectory
from .repository.invoices import (
    INVOICE_SORTING,
    InvoiceFilter,
    InvoiceRepository,
    InvoiceRow,
)
from .repository.receivables import ReceivablesRepository
from .verification import ChainReport, verify_chain

MAX_EXPORT_DAYS = 366
# An exported list is what a spreadsheet comfortably opens; narrow the filter for more.
MAX_LIST_EXPORT = 10_000
LIST_EXPORTERS = OFFICE


@dataclass(frozen=True, slots=True)
class InvoiceView:
    row: InvoiceRow
    status: InvoiceStatus
    draft: Draft  # the content (for an issued document, what it was issued from)
    lines: tuple[Line, ...]
    totals: Totals
    buyer: Buyer | None
    document: Document | None  # as issued
    credit_note_ids: tuple[uuid.UUID, ...]
    overdue: bool


@dataclass(frozen=True, slots=True)
class InterventionRequest:
    intervention_id: str
    customer_id: str
    contract_id: str
    service_date: date | None
    items: tuple[billing.InterventionItem, ...]
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class ExportResult:
    content: bytes
    file_name: str
    content_type: str
    rows: int


class FactureService:
    def __init__(
        self,
        database: Database,
        settings: FactureSettings,
        *,
        contrat: ContratDirectory,
        interventions: InterventionDirectory,
        issuer: Issuer,
        clock: Clock,
    ) -> None:
        self.database = database
        self.settings = settings
        self.seller = settings.seller
        self.contrat = contrat
        self.interventions = interventions
        self.issuer = issuer
        self.clock = clock
        # Called after each commit that wrote events (the outbox relay's notify).
        self.on_events: Callable[[], None] = lambda: None

    # -- reading documents ------------------------------------------------------------------
    def _view(self, row: InvoiceRow, credit_notes: Sequence[uuid.UUID], today: date) -> InvoiceView:
        draft = Draft.from_json(row.content)
        if row.status == ISSUED:
            assert row.document is not None
            document = from_data(row.document)
            totals = compute_totals(document)
            if row.type == CREDIT_NOTE:
                status = InvoiceStatus.ISSUED
            elif row.settled_cents >= row.total_including_vat_cents:
                status = InvoiceStatus.PAID
            elif row.settled_cents > 0:
                status = InvoiceStatus.PARTIALLY_PAID
            else:
                status = InvoiceStatus.ISSUED
            overdue = (
                row.type == INVOICE
                and status != InvoiceStatus.PAID
                and row.due_date is not None
                and row.due_date < today
            )
            return InvoiceView(
                row,
                status,
                draft,
                document.lines,
                totals,
                document.buyer,
                document,
                tuple(credit_notes),
                overdue,
            )
        sample = check_with_engine(draft, self.seller, today, credit_note=row.type == CREDIT_NOTE)
        customer = row.content.get("customer")
        buyer = buyer_of(CustomerRecord.from_json(customer)) if customer else None
        return InvoiceView(
            row,
            InvoiceStatus.DRAFT,
            draft,
            draft.lines,
            compute_totals(sample),
            buyer,
            None,
            tuple(credit_notes),
            False,
        )

    async def _views(self, repo: InvoiceRepository, rows: list[InvoiceRow]) -> list[InvoiceView]:
        credit_notes = await repo.credit_notes_of([row.id for row in rows if row.type == INVOICE])
        today = self.clock.today()
        return [self._view(row, credit_notes.get(row.id, []), today) for row in rows]

    async def _visible_invoice(self, repo: InvoiceRepository, invoice_id: str) -> InvoiceRow:
        principal = require_roles(*READERS)
        row = await repo.invoice(parse_id(invoice_id, "id"))
        client = client_customer(principal)
        if row is None or (
            client is not None and (row.customer_id != client or row.status != ISSUED)
        ):
            raise NotFound("invoice not found")
        return row

    async def get_invoice(self, invoice_id: str) -> InvoiceView:
        async with self.database.unit_of_work() as session:
            repo = InvoiceRepository(session)
            row = await self._visible_invoice(repo, invoice_id)
            return (await self._views(repo, [row]))[0]

    def _readable(self, where: InvoiceFilter, overdue_only: bool) -> InvoiceFilter | None:
        """The filter as the caller may read it (a client: its own issued documents); None
        when it can see nothing."""
        principal = require_roles(*READERS)
        if overdue_only:
            where = replace(where, overdue_on=self.clock.today())
        client = client_customer(principal)
        if client is not None:
            if where.customer_id and where.customer_id != client:
                return None
            where = replace(where, customer_id=client, issued_only=True)
        for status in where.statuses:
            if status not in [known.value for known in InvoiceStatus]:
                raise InvalidArgument("unknown status", fields={"statuses": f"unknown {status!r}"})
        return where

    async def list_invoices(
        self,
        where: InvoiceFilter,
        page_size: int,
        page_token: str,
        *,
        overdue_only: bool = False,
        order_by: str = "",
    ) -> Page[InvoiceView]:
        """A page of documents in `order_by` with the filtered total; `overdue_only`: issued
        invoices past due today, not paid."""
        readable = self._readable(where, overdue_only)
        order = INVOICE_SORTING.order(order_by)
        limit = page_limit(page_size)
        if readable is None:
            return Page([], "", 0)
        async with self.database.unit_of_work() as session:
            repo = InvoiceRepository(session)
            rows, token, total = await repo.list_invoices(
                readable, order, page_token=page_token, limit=limit
            )
            views = await self._views(repo, rows)
        return Page(views, token, total)

    async def export_invoice_list(
        self, where: InvoiceFilter, *, overdue_only: bool = False, order_by: str = ""
    ) -> ExportResult:
        """The filtered, sorted list as CSV (at most MAX_LIST_EXPORT rows)."""
        require_roles(*LIST_EXPORTERS)
        readable = self._readable(where, overdue_only)
        order = INVOICE_SORTING.order(order_by)
        views: list[InvoiceView] = []
        if readable is not None:
            async with self.database.unit_of_work() as session:
                repo = InvoiceRepository(session)
                rows = await repo.export_invoices(readable, order, maximum=MAX_LIST_EXPORT)
                views = await self._views(repo, rows)
        listed = [
            exports.ListedDocument(
                number=v.row.number or "",
                type=v.row.type,
                customer_name=v.row.customer_name,
                status=v.status.value,
                issue_date=v.row.issue_date,
                due_date=v.row.due_date,
                excluding_vat_cents=v.totals.tax_basis_cents,
                vat_cents=v.totals.vat_total_cents,
                including_vat_cents=v.totals.grand_total_cents,
                settled_cents=v.row.settled_cents,
            )
            for v in views
        ]
        return ExportResult(
            exports.invoice_list_csv(listed), "factures.csv", exports.CSV_MEDIA_TYPE, len(listed)
        )

    async def invoice_pdf(self, invoice_id: str) -> tuple[str, bytes]:
        """(number, PDF bytes) of an issued document."""
        async with self.database.unit_of_work() as session:
            repo = InvoiceRepository(session)
            row = await self._visible_invoice(repo, invoice_id)
            if row.status != ISSUED or row.number is None:
                raise FailedPrecondition("a draft has no PDF yet: it is rendered at issue")
            pdf = await repo.pdf(row.id)
        assert pdf is not None
        return row.number, pdf

    # -- drafts -----------------------------------------------------------------------------
    async def _customer_for_draft(self, customer_id: str) -> CustomerRecord:
        parse_id(customer_id, "customer_id")
        return await self.contrat.customer(customer_id)

    def _checked_draft(self, raw: DraftInput, *, credit_note: bool = False) -> Draft:
        draft = parse_draft(raw, default_payment_days=self.settings.default_payment_days)
        check_with_engine(draft, self.seller, self.clock.today(), credit_note=credit_note)
        return draft

    def _draft_values(
        self, draft: Draft, customer: CustomerRecord, credit_note: bool
    ) -> dict[str, Any]:
        sample = check_with_engine(draft, self.seller, self.clock.today(), credit_note=credit_note)
        totals = compute_totals(sample)
        if abs(totals.grand_total_cents) > MAX_CENTS:
            raise InvalidArgument(
                "the document's total is out of range",
                fields={"lines": f"the total is above {MAX_CENTS // 100:,} euros"},
            )
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
            parse_id(raw.contract_id, "contract_id")
        customer = await self._customer_for_draft(raw.customer_id)
        if raw.contract_id:
            number = await self.contrat.contract_number(raw.contract_id, raw.customer_id)
            if draft.contract_reference is None:
                draft = Draft(**{**_fields(draft), "contract_reference": number or None})
        values = self._draft_values(draft, customer, credit_note=False)
        async with self.database.unit_of_work() as session:
            repo = InvoiceRepository(session)
            invoice_id = await repo.insert_draft(
                {
                    **values,
                    "type": INVOICE,
                    "source": InvoiceSource.MANUAL,
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
        draft_id = parse_id(invoice_id, "id")
        async with self.database.unit_of_work() as session:
            current = await InvoiceRepository(session).invoice(draft_id)
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
        if raw.contract_id and not credit_note:
            parse_id(raw.contract_id, "contract_id")
            await self.contrat.contract_number(raw.contract_id, raw.customer_id)
        values = self._draft_values(draft, customer, credit_note)
        async with self.database.unit_of_work() as session:
            repo = InvoiceRepository(session)
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
            await repo.update_draft(row.id, values, at=self.clock.now())
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
            repo = InvoiceRepository(session)
            row = await repo.invoice(parse_id(invoice_id, "id"), for_update=True)
            if row is None:
                raise NotFound("invoice not found")
            self._refuse_issued(row)
            await repo.delete_draft(row.id)

    async def create_credit_note(
        self, invoice_id: str, lines: DraftInput | None, reason: str, idempotency_key: str = ""
    ) -> InvoiceView:
        """A draft credit note on an issued invoice: its lines, or all of the invoice's."""
        principal = require_roles(*OFFICE)
        original_id = parse_id(invoice_id, "invoice_id")
        async with self.database.unit_of_work() as session:
            repo = InvoiceRepository(session)
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
            repo = InvoiceRepository(session)
            await self._check_creditable(
                repo, original.id, values["total_including_vat_cents"], None
            )
            credit_id = await repo.insert_draft(
                {
                    **values,
                    "type": CREDIT_NOTE,
                    "source": InvoiceSource.MANUAL,
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
        self,
        repo: InvoiceRepository,
        original_id: uuid.UUID,
        amount: int,
        exclude: uuid.UUID | None,
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

    # -- issue ------------------------------------------------------------------------------
    async def issue_invoice(self, invoice_id: str) -> InvoiceView:
        principal = require_roles(*ACCOUNTING)
        draft_id = parse_id(invoice_id, "id")
        async with self.database.unit_of_work() as session:
            row = await InvoiceRepository(session).invoice(draft_id)
        if row is None:
            raise NotFound("invoice not found")
        if row.status == DRAFT:
            customer = await self.contrat.customer(row.customer_id)
            issued_now: list[PendingIssue] = []
            async with self.database.unit_of_work() as session:
                repo = InvoiceRepository(session)
                row = await repo.invoice(draft_id, for_update=True)
                assert row is not None
                if row.status == DRAFT:
                    pending = PendingIssue(
                        type=DocumentType.CREDIT_NOTE
                        if row.type == CREDIT_NOTE
                        else DocumentType.INVOICE,
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
                    await self.issuer.issue(repo, [pending])
                    issued_now.append(pending)
            count_issued(issued_now)
            self.on_events()
        async with self.database.unit_of_work() as session:
            repo = InvoiceRepository(session)
            issued = await repo.invoice(draft_id)
            assert issued is not None
            return (await self._views(repo, [issued]))[0]

    async def verify_chain(self) -> ChainReport:
        require_roles(*ACCOUNTING)
        return await verify_chain(self.database)

    # -- interventions ----------------------------------------------------------------------
    async def invoice_intervention(
        self, request: InterventionRequest
    ) -> tuple[InvoiceView | None, str]:
        principal = require_roles(*ACCOUNTING)
        if not request.intervention_id.strip():
            raise InvalidArgument(
                "intervention_id is required", fields={"intervention_id": "is required"}
            )
        async with self.database.unit_of_work() as session:
            repo = InvoiceRepository(session)
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
        try:
            draft = billing.intervention_draft(
                items,
                service_date=service_date,
                contract_reference=reference,
                site_address=site_address,
                payment_days=self.settings.default_payment_days,
                zero_rate_reason=self.settings.zero_rate_exemption_reason,
            )
            check_with_engine(draft, self.seller, self.clock.today())
        except CannotBill as error:
            raise InvalidArgument(str(error), fields={"items": str(error)}) from None
        except InvalidDocument as error:
            # The lines are the request's items, in the same order.
            fields = {
                path.replace("lines[", "items[", 1): why for path, why in error.fields.items()
            }
            raise InvalidArgument("the billable items are not valid", fields=fields) from None
        if not self.settings.auto_issue_intervention_invoices:
            return await review_queue.queue_intervention_draft(
                self.database,
                request.intervention_id,
                self._draft_values(draft, customer, credit_note=False),
                contract_id=contract_id or None,
                idempotency_key=request.idempotency_key or None,
                created_by=principal.subject,
                views=self._views,
            ), ""
        issued_now: list[PendingIssue] = []
        async with self.database.unit_of_work() as session:
            repo = InvoiceRepository(session)
            head = await repo.lock_chain_head()
            existing = await self._intervention_invoice(repo, request)
            if existing is None:
                pending = PendingIssue(
                    type=DocumentType.INVOICE,
                    draft=draft,
                    customer=customer,
                    source=InvoiceSource.INTERVENTION,
                    contract_id=contract_id or None,
                    intervention_id=request.intervention_id,
                    idempotency_key=request.idempotency_key or None,
                    created_by=principal.subject,
                )
                await self.issuer.issue_locked(repo, head, [pending])
                issued_now.append(pending)
                assert pending.issued_id is not None
                existing = await repo.invoice(pending.issued_id)
            assert existing is not None
            view = (await self._views(repo, [existing]))[0]
        count_issued(issued_now)
        self.on_events()
        return view, ""

    async def _intervention_invoice(
        self, repo: InvoiceRepository, request: InterventionRequest
    ) -> InvoiceRow | None:
        if request.idempotency_key:
            found = await repo.invoice_by_idempotency_key(request.idempotency_key)
            if found is not None:
                return found
        return await repo.invoice_of_intervention(request.intervention_id)

    # -- exports ----------------------------------------------------------------------------
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

    async def _exported_documents(
        self, repo: InvoiceRepository, first: date, last: date
    ) -> list[exports.ExportedDocument]:
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

    async def _exported_payments(
        self, repo: InvoiceRepository, first: date, last: date
    ) -> list[exports.ExportedPayment]:
        receivables = ReceivablesRepository(repo.session)
        rows = await receivables.payments_between(first, last)
        allocations = await receivables.allocations_of_payments([row.id for row in rows])
        names = await repo.customer_names({row.customer_id for row in rows})
        codes = await receivables.customer_codes({row.customer_id for row in rows})
        return [
            exports.ExportedPayment(
                received_on=row.received_on,
                customer_id=row.customer_id,
                customer_name=names.get(row.customer_id, ""),
                amount_cents=row.amount_cents,
                method=row.method,
                reference=row.reference,
                allocations=tuple(
                    (a.invoice_number, a.amount_cents) for a in allocations.get(row.id, [])
                ),
                unallocated_cents=row.amount_cents
                - sum(a.amount_cents for a in allocations.get(row.id, [])),
                id=str(row.id),
                customer_code=codes.get(row.customer_id, ""),
            )
            for row in rows
        ]

    async def export_invoices(self, first: date | None, last: date | None) -> ExportResult:
        require_roles(*ACCOUNTING)
        first, last = self._export_range(first, last)
        async with self.database.unit_of_work() as session:
            documents = await self._exported_documents(InvoiceRepository(session), first, last)
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
            payments = await self._exported_payments(InvoiceRepository(session), first, last)
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
            repo = InvoiceRepository(session)
            documents = await self._exported_documents(repo, first, last)
            payments = await self._exported_payments(repo, first, last)
            customers = {d.customer_id for d in documents} | {p.customer_id for p in payments}
            codes = await ReceivablesRepository(session).customer_codes(customers)
        content, rows = exports.fec(documents, payments, codes)
        return ExportResult(
            content,
            f"{self.seller.siren}FEC{last.strftime('%Y%m%d')}.txt",
            exports.FEC_MEDIA_TYPE,
            rows,
        )


def _fields(draft: Draft) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in Draft.__dataclass_fields__}
