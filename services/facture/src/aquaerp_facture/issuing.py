"""Issuing: number, render, chain and store documents in the caller's transaction.

Every issue (one draft, or a batch of a billing run) locks the chain head first, which orders
all issues into one chain; takes the next numbers of its series from their counter rows (locked
until the transaction ends, so a rollback gives them back: no gap); renders the Factur-X PDFs
together in the process pool; stores documents, PDFs, hashes, billing keys and events. A
document rendered ahead of the lock (a billing run renders its next batch while the previous one
is stored) is used only if it is exactly the document built under the lock.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from aquaerp_runtime.clock import Clock
from aquaerp_runtime.convert import EUR
from aquaerp_runtime.errors import FailedPrecondition

from . import chain, metrics
from .documents import Document, DocumentType, InvoiceReference, RenderedDocument, Seller, Totals
from .drafts import Draft, build_document, buyer_of
from .models import CREDIT_NOTE, INVOICE
from .records import CustomerRecord
from .repository.invoices import ChainHead, InvoiceRepository
from .repository.receivables import ReceivablesRepository

SERIES_PREFIX = {DocumentType.INVOICE: "FA", DocumentType.CREDIT_NOTE: "AV"}


def series_of(kind: DocumentType, day: date) -> str:
    """The numbering series of a document type and year, e.g. "FA-2026"."""
    return f"{SERIES_PREFIX[kind]}-{day.year}"


class Renderer(Protocol):
    async def render(self, document: Document) -> RenderedDocument: ...


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
    # Rendered before the lock, with the number this document was expected to get.
    prerendered: tuple[Document, RenderedDocument] | None = None
    issued_id: uuid.UUID | None = None
    document: Document | None = None
    totals: Totals | None = None


class Issuer:
    """Issues documents inside the caller's unit of work."""

    def __init__(
        self,
        seller: Seller,
        renderer: Renderer,
        clock: Clock,
        *,
        render_processes: int = 1,
    ) -> None:
        self.seller = seller
        self.renderer = renderer
        self.clock = clock
        self.render_processes = render_processes

    async def render_all(self, documents: list[Document]) -> list[RenderedDocument]:
        """The PDFs of `documents`, rendered together in the pool."""
        started = time.perf_counter()
        rendered = await asyncio.gather(*(self.renderer.render(d) for d in documents))
        metrics.observe_rendering(
            time.perf_counter() - started, len(documents), self.render_processes
        )
        return list(rendered)

    async def issue(self, repo: InvoiceRepository, pending: list[PendingIssue]) -> None:
        head = await repo.lock_chain_head()
        await self.issue_locked(repo, head, pending)

    async def issue_locked(
        self, repo: InvoiceRepository, head: ChainHead, pending: list[PendingIssue]
    ) -> None:
        """Numbers, renders, chains and stores `pending` (the chain head is locked)."""
        if not pending:
            return
        now = self.clock.now()
        today = self.clock.today()
        if head.issue_date is not None and head.issue_date > today:
            raise FailedPrecondition(
                f"the last document is dated {head.issue_date}, after today: check the clock"
            )
        numbers: dict[int, str] = {}
        for kind in (DocumentType.INVOICE, DocumentType.CREDIT_NOTE):
            indexes = [i for i, p in enumerate(pending) if p.type is kind]
            if not indexes:
                continue
            series = series_of(kind, today)
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
        rendered = await self._rendered(pending)
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
                "issued_at": now,
                "updated_at": now,
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
            await _issued_event(repo, item)
        # Credit the customers have (overpayments, credit notes) settles the new documents.
        receivables = ReceivablesRepository(repo.session)
        customers = await receivables.customers_with_credit({item.customer.id for item in pending})
        for customer_id in sorted(customers):
            corrected = [
                item.corrected[0]
                for item in pending
                if item.corrected and item.customer.id == customer_id
            ]
            await settle(receivables, customer_id, corrected[0] if corrected else None)

    async def _rendered(self, pending: list[PendingIssue]) -> list[RenderedDocument]:
        """Each document's PDF: the one rendered ahead when it is of this very document (same
        number, date, content), else rendered now."""
        results: list[RenderedDocument | None] = []
        to_render: list[Document] = []
        for item in pending:
            assert item.document is not None
            if item.prerendered is not None and item.prerendered[0] == item.document:
                results.append(item.prerendered[1])
            else:
                results.append(None)
                to_render.append(item.document)
        fresh = iter(await self.render_all(to_render) if to_render else [])
        return [result if result is not None else next(fresh) for result in results]


def count_issued(items: list[PendingIssue]) -> None:
    """Counts documents in the metrics, once their transaction has committed."""
    metrics.count_issued(
        (item.type, item.totals.grand_total_cents) for item in items if item.totals
    )


async def _issued_event(repo: InvoiceRepository, item: PendingIssue) -> None:
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
        "total_cents": totals.grand_total_cents,  # including VAT
        "total_including_vat_cents": totals.grand_total_cents,
        "total_excluding_vat_cents": totals.tax_basis_cents,
        "total_vat_cents": totals.vat_total_cents,
        "currency": EUR,
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


async def settle(
    repo: ReceivablesRepository, customer_id: str, first_invoice: uuid.UUID | None
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
