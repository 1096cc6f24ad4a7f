"""gRPC edge of the facture service: proto <-> domain, nothing else."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp_runtime.convert import (
    address_from,
    address_message,
    date_message,
    enum_map,
    money,
    optional_date,
    timestamp,
)
from aquaerp_runtime.errors import InvalidArgument
from aquaerp_runtime.paging import page_response
from google.api import httpbody_pb2

from .billing import InterventionItem
from .billing_preview import Confirmation
from .billing_runs import BillingRuns, RunView
from .documents import Address, Buyer, DocumentType, Line, OperationCategory, VatCategory
from .drafts import DraftInput, LineInput, postal_address
from .dunning import DunningLevel, LetterItem
from .models import (
    BillingEntryOutcome,
    BillingRunStatus,
    InvoiceSource,
    InvoiceStatus,
    PaymentMethod,
)
from .receivables import Aging, Balance, PaymentInput, PaymentView, Receivables
from .repository.billing_runs import EntryRow
from .repository.invoices import InvoiceFilter
from .repository.receivables import LetterRow
from .service import ExportResult, FactureService, InterventionRequest, InvoiceView

# Stored as "invoice" and "credit_note": the member names in lower case.
DOCUMENT_TYPE = enum_map(pb.DocumentType, DocumentType)
STATUS = enum_map(pb.InvoiceStatus, InvoiceStatus)
CATEGORY = enum_map(pb.OperationCategory, OperationCategory)
VAT_CATEGORY = enum_map(pb.VatCategory, VatCategory)
SOURCE = enum_map(pb.InvoiceSource, InvoiceSource)
METHOD = enum_map(pb.PaymentMethod, PaymentMethod)
RUN_STATUS = enum_map(pb.BillingRunStatus, BillingRunStatus)
OUTCOME = enum_map(pb.BillingEntryOutcome, BillingEntryOutcome)
DUNNING_LEVEL = enum_map(pb.DunningLevel, DunningLevel)


# -- small conversions -----------------------------------------------------------------------------
def _address_message(address: Address | None) -> common_pb2.Address | None:
    return None if address is None else address_message(postal_address(address))


def decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)


# -- requests ---------------------------------------------------------------------------------------
def line_input(message: pb.InvoiceLineInput, prefix: str = "lines") -> LineInput:
    return LineInput(
        description=message.description,
        quantity=message.quantity,
        unit=message.unit_code,
        unit_price_cents=message.unit_price.amount_cents,
        currency=message.unit_price.currency,
        discount_percent=message.discount_percent,
        vat_rate=message.vat_rate,
        vat_category=VAT_CATEGORY.optional(message.vat_category),
        exemption_reason=message.exemption_reason,
        exemption_code=message.exemption_code,
        period_start=optional_date(message, "period_start"),
        period_end=optional_date(message, "period_end"),
    )


def draft_input(message: pb.InvoiceInput) -> DraftInput:
    delivery = (
        address_from(message.delivery_address) if message.HasField("delivery_address") else None
    )
    terms = message.payment_terms if message.HasField("payment_terms") else None
    return DraftInput(
        customer_id=message.customer_id,
        lines=tuple(line_input(line) for line in message.lines),
        operation_category=CATEGORY.optional(message.operation_category),
        purchase_order=message.purchase_order,
        contract_id=message.contract_id,
        contract_reference=message.contract_reference,
        note=message.note,
        delivery_address=delivery,
        delivery_date=optional_date(message, "delivery_date"),
        billing_period_start=optional_date(message, "billing_period_start"),
        billing_period_end=optional_date(message, "billing_period_end"),
        payment_days=terms.days if terms is not None else None,
        end_of_month=terms.end_of_month if terms is not None else False,
    )


def intervention_items(items: list[pb.BillableItem]) -> tuple[InterventionItem, ...]:
    result = []
    problems = {}
    for index, item in enumerate(items):
        try:
            quantity = Decimal(item.quantity or "1")
            rate = Decimal(item.vat_rate or "20")
        except ArithmeticError:
            problems[f"items[{index}]"] = "quantity and vat_rate must be decimal numbers"
            continue
        if not item.description.strip():
            problems[f"items[{index}].description"] = "is required"
        if quantity <= 0 or not quantity.is_finite():
            problems[f"items[{index}].quantity"] = "must be positive"
        if item.unit_price_cents < 0:
            problems[f"items[{index}].unit_price_cents"] = "must not be negative"
        result.append(
            InterventionItem(
                item.description.strip(), quantity, item.unit, item.unit_price_cents, rate
            )
        )
    if problems:
        raise InvalidArgument("the billable items are not valid", fields=problems)
    return tuple(result)


# -- responses --------------------------------------------------------------------------------------
def buyer_message(buyer: Buyer | None) -> pb.BuyerSnapshot | None:
    if buyer is None:
        return None
    return pb.BuyerSnapshot(
        name=buyer.name,
        address=_address_message(buyer.address),
        is_business=buyer.is_business,
        siren=buyer.siren or "",
        vat_number=buyer.vat_number or "",
        customer_code=buyer.customer_number or "",
        email=buyer.email or "",
    )


def line_message(line: Line, net_cents: int) -> pb.InvoiceLine:
    return pb.InvoiceLine(
        description=line.description,
        quantity=decimal_text(line.quantity),
        unit_code=line.unit.value,
        unit_price=money(line.unit_price_cents),
        discount_percent=decimal_text(line.discount_percent),
        vat_rate=decimal_text(line.vat_rate),
        vat_category=VAT_CATEGORY.to_proto(line.vat_category),
        exemption_reason=line.exemption.reason if line.exemption else "",
        exemption_code=(line.exemption.code or "") if line.exemption else "",
        period_start=date_message(line.period.start) if line.period else None,
        period_end=date_message(line.period.end) if line.period else None,
        net_amount=money(net_cents),
    )


def invoice_message(view: InvoiceView) -> pb.Invoice:
    row, draft, totals = view.row, view.draft, view.totals
    document = view.document
    issued = document is not None
    period = document.billing_period if document else draft.billing_period
    invoice = pb.Invoice(
        id=str(row.id),
        type=DOCUMENT_TYPE.to_proto(DocumentType[row.type.upper()]),
        status=STATUS.to_proto(InvoiceStatus(view.status)),
        number=row.number or "",
        customer_id=row.customer_id,
        buyer=buyer_message(view.buyer),
        issue_date=date_message(row.issue_date),
        due_date=date_message(row.due_date),
        lines=[
            line_message(line, amounts.net_cents)
            for line, amounts in zip(view.lines, totals.lines, strict=True)
        ],
        vat_breakdown=[
            pb.VatAmount(
                category=VAT_CATEGORY.to_proto(row_.category),
                rate=decimal_text(row_.rate),
                taxable_amount=money(row_.taxable_cents),
                vat_amount=money(row_.vat_cents),
                exemption_reason=row_.exemption.reason if row_.exemption else "",
            )
            for row_ in totals.vat_breakdown
        ],
        total_excluding_vat=money(totals.tax_basis_cents),
        total_vat=money(totals.vat_total_cents),
        total_including_vat=money(totals.grand_total_cents),
        amount_settled=money(row.settled_cents if row.type == "invoice" else 0),
        amount_due=money(row.amount_due_cents if issued else 0),
        overdue=view.overdue,
        operation_category=CATEGORY.to_proto(draft.operation_category),
        purchase_order=draft.purchase_order or "",
        contract_id=row.contract_id or "",
        contract_reference=draft.contract_reference or "",
        note=draft.note or "",
        delivery_address=_address_message(draft.delivery_address),
        delivery_date=date_message(draft.delivery_date),
        billing_period_start=date_message(period.start) if period else None,
        billing_period_end=date_message(period.end) if period else None,
        payment_terms=pb.PaymentTerms(days=draft.payment_days, end_of_month=draft.end_of_month),
        corrected_invoice_id=str(row.corrected_invoice_id) if row.corrected_invoice_id else "",
        corrected_invoice_number=row.corrected_invoice_number or "",
        credit_note_ids=[str(i) for i in view.credit_note_ids],
        source=SOURCE.to_proto(InvoiceSource(row.source)),
        intervention_id=row.intervention_id or "",
        billing_run_id=str(row.billing_run_id) if row.billing_run_id else "",
        chain_position=row.chain_position or 0,
        previous_hash=row.previous_hash or "",
        hash=row.hash or "",
        pdf_available=issued,
        create_time=timestamp(row.created_at),
        update_time=timestamp(row.updated_at),
        issue_time=timestamp(row.issued_at),
    )
    return invoice


def payment_message(view: PaymentView) -> pb.Payment:
    row = view.row
    return pb.Payment(
        id=str(row.id),
        customer_id=row.customer_id,
        amount=money(row.amount_cents),
        method=METHOD.to_proto(PaymentMethod(row.method)),
        received_on=date_message(row.received_on),
        reference=row.reference,
        note=row.note,
        allocations=[
            pb.Allocation(
                invoice_id=str(a.invoice_id),
                invoice_number=a.invoice_number,
                amount=money(a.amount_cents),
            )
            for a in view.allocations
        ],
        unallocated=money(view.unallocated_cents),
        create_time=timestamp(row.created_at),
        reverse_time=timestamp(row.reversed_at),
        reversal_reason=row.reversal_reason or "",
    )


def aging_message(aging: Aging) -> pb.AgingBuckets:
    return pb.AgingBuckets(
        not_due=money(aging.not_due),
        days_0_30=money(aging.days_0_30),
        days_31_60=money(aging.days_31_60),
        days_61_90=money(aging.days_61_90),
        days_over_90=money(aging.days_over_90),
        total=money(aging.total),
    )


def balance_message(balance: Balance) -> pb.CustomerBalance:
    return pb.CustomerBalance(
        customer_id=balance.customer_id,
        invoiced=money(balance.invoiced_cents),
        credited=money(balance.credited_cents),
        paid=money(balance.paid_cents),
        balance=money(balance.balance_cents),
        outstanding=money(balance.outstanding_cents),
        unapplied_credit=money(balance.unapplied_credit_cents),
        aging=aging_message(balance.aging),
        open_invoices=[
            pb.OpenInvoice(
                invoice_id=str(item.row.id),
                number=item.row.number,
                issue_date=date_message(item.row.issue_date),
                due_date=date_message(item.row.due_date),
                total_including_vat=money(item.row.total_including_vat_cents),
                amount_due=money(item.row.amount_due_cents),
                days_past_due=item.days_past_due,
            )
            for item in balance.open_invoices
        ],
        dunning_paused=balance.dunning_paused,
    )


def run_message(view: RunView) -> pb.BillingRun:
    row, counts = view.row, view.counts
    return pb.BillingRun(
        id=str(row.id),
        status=RUN_STATUS.to_proto(BillingRunStatus(row.status)),
        up_to=date_message(row.up_to),
        from_date=date_message(row.from_date),
        contract_id=row.contract_id or "",
        dry_run=row.dry_run,
        entries_total=counts.total,
        entries_done=counts.total - counts.pending,
        issued=counts.issued,
        skipped=counts.skipped,
        failed=counts.failed,
        previewed=counts.previewed,
        total_excluding_vat=money(counts.total_excluding_vat_cents),
        total_vat=money(counts.total_vat_cents),
        total_including_vat=money(counts.total_including_vat_cents),
        error=row.error,
        create_time=timestamp(row.created_at),
        finish_time=timestamp(row.finished_at),
    )


def entry_message(entry: EntryRow) -> pb.BillingRunEntry:
    return pb.BillingRunEntry(
        contract_id=entry.contract_id,
        contract_number=entry.contract_number,
        customer_id=entry.customer_id,
        customer_name=entry.customer_name,
        period_start=date_message(entry.period_start),
        period_end=date_message(entry.period_end),
        outcome=OUTCOME.to_proto(BillingEntryOutcome(entry.outcome)),
        reason=entry.reason,
        invoice_id=str(entry.invoice_id) if entry.invoice_id else "",
        invoice_number=entry.invoice_number or "",
        total_excluding_vat=money(entry.total_excluding_vat_cents),
        total_including_vat=money(entry.total_including_vat_cents),
    )


def letter_message(letter: LetterRow) -> pb.DunningLetter:
    items = [
        LetterItem(
            invoice_id=item["invoice_id"],
            number=item["number"],
            due_date=date.fromisoformat(item["due_date"]),
            days_past_due=item["days_past_due"],
            amount_due_cents=item["amount_due_cents"],
            level=item["level"],
            indemnity_cents=item["indemnity_cents"],
            interest_cents=item["interest_cents"],
        )
        for item in letter.items
    ]
    return pb.DunningLetter(
        id=str(letter.id),
        customer_id=letter.customer_id,
        customer_name=letter.customer_name,
        customer_email=letter.customer_email,
        level=DUNNING_LEVEL.to_proto(DunningLevel(letter.level)),
        as_of=date_message(letter.as_of),
        items=[
            pb.DunningItem(
                invoice_id=str(item.invoice_id),
                invoice_number=item.number,
                due_date=date_message(item.due_date),
                days_past_due=item.days_past_due,
                amount_due=money(item.amount_due_cents),
                level=DUNNING_LEVEL.to_proto(DunningLevel(item.level)),
                indemnity=money(item.indemnity_cents),
                interest=money(item.interest_cents),
            )
            for item in items
        ],
        total_due=money(letter.total_due_cents),
        indemnity=money(letter.indemnity_cents),
        interest=money(letter.interest_cents),
        total_claimed=money(
            letter.total_due_cents + letter.indemnity_cents + letter.interest_cents
        ),
        interest_rate=letter.interest_rate,
        create_time=timestamp(letter.created_at),
    )


class FactureServicer(facture_pb2_grpc.FactureServiceServicer):
    def __init__(
        self, documents: FactureService, runs: BillingRuns, receivables: Receivables
    ) -> None:
        self.documents = documents
        self.runs = runs
        self.receivables = receivables

    # -- documents ----------------------------------------------------------------------------
    async def CreateInvoice(
        self, request: pb.CreateInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.Invoice:
        view = await self.documents.create_invoice(
            draft_input(request.invoice), request.idempotency_key
        )
        return invoice_message(view)

    async def UpdateInvoice(
        self, request: pb.UpdateInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.Invoice:
        view = await self.documents.update_invoice(request.id, draft_input(request.invoice))
        return invoice_message(view)

    async def DeleteInvoice(
        self, request: pb.DeleteInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteInvoiceResponse:
        await self.documents.delete_invoice(request.id)
        return pb.DeleteInvoiceResponse()

    async def GetInvoice(
        self, request: pb.GetInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.Invoice:
        return invoice_message(await self.documents.get_invoice(request.id))

    async def ListInvoices(
        self, request: pb.ListInvoicesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListInvoicesResponse:
        result = await self.documents.list_invoices(
            _invoice_filter(request),
            request.page.page_size,
            request.page.page_token,
            overdue_only=request.overdue_only,
            order_by=request.order_by,
        )
        return pb.ListInvoicesResponse(
            invoices=[invoice_message(v) for v in result.items],
            page=page_response(result.next_page_token, result.total_size),
        )

    async def ExportInvoiceList(
        self, request: pb.ListInvoicesRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        file = await self.documents.export_invoice_list(
            _invoice_filter(request), overdue_only=request.overdue_only, order_by=request.order_by
        )
        return httpbody_pb2.HttpBody(content_type=file.content_type, data=file.content)

    async def IssueInvoice(
        self, request: pb.IssueInvoiceRequest, context: grpc.aio.ServicerContext
    ) -> pb.Invoice:
        return invoice_message(await self.documents.issue_invoice(request.id))

    async def CreateCreditNote(
        self, request: pb.CreateCreditNoteRequest, context: grpc.aio.ServicerContext
    ) -> pb.Invoice:
        lines = None
        if request.lines:
            lines = DraftInput(
                customer_id="-", lines=tuple(line_input(line) for line in request.lines)
            )
        view = await self.documents.create_credit_note(
            request.invoice_id, lines, request.reason, request.idempotency_key
        )
        return invoice_message(view)

    async def GetInvoicePdf(
        self, request: pb.GetInvoicePdfRequest, context: grpc.aio.ServicerContext
    ) -> pb.InvoicePdf:
        number, pdf = await self.documents.invoice_pdf(request.invoice_id)
        return pb.InvoicePdf(content=pdf, file_name=f"{number}.pdf", invoice_number=number)

    async def VerifyChain(
        self, request: pb.VerifyChainRequest, context: grpc.aio.ServicerContext
    ) -> pb.VerifyChainResponse:
        report = await self.documents.verify_chain()
        response = pb.VerifyChainResponse(
            intact=report.intact,
            documents_checked=report.documents_checked,
            head_hash=report.head_hash,
        )
        if report.broken is not None:
            response.first_broken_link.CopyFrom(
                pb.BrokenLink(
                    chain_position=report.broken.chain_position,
                    invoice_id=report.broken.invoice_id,
                    invoice_number=report.broken.invoice_number,
                    reason=report.broken.reason,
                )
            )
        return response

    # -- interventions ------------------------------------------------------------------------
    async def InvoiceIntervention(
        self, request: pb.InvoiceInterventionRequest, context: grpc.aio.ServicerContext
    ) -> pb.InvoiceInterventionResponse:
        view, reason = await self.documents.invoice_intervention(
            InterventionRequest(
                intervention_id=request.intervention_id,
                customer_id=request.customer_id,
                contract_id=request.contract_id,
                service_date=optional_date(request, "service_date"),
                items=intervention_items(list(request.items)),
                idempotency_key=request.idempotency_key,
            )
        )
        return pb.InvoiceInterventionResponse(
            invoice=invoice_message(view) if view else None, reason=reason
        )

    # -- billing runs -------------------------------------------------------------------------
    async def StartBillingRun(
        self, request: pb.StartBillingRunRequest, context: grpc.aio.ServicerContext
    ) -> pb.BillingRun:
        view = await self.runs.start_billing_run(
            up_to=optional_date(request, "up_to"),
            from_date=optional_date(request, "from_date"),
            contract_id=request.contract_id,
            dry_run=request.dry_run,
            wait=request.wait,
            idempotency_key=request.idempotency_key,
            confirmation=Confirmation(
                request.confirmed_preview_id,
                request.confirmed_total_including_vat.amount_cents
                if request.HasField("confirmed_total_including_vat")
                else None,
            ),
        )
        return run_message(view)

    async def GetBillingRun(
        self, request: pb.GetBillingRunRequest, context: grpc.aio.ServicerContext
    ) -> pb.BillingRun:
        return run_message(await self.runs.get_billing_run(request.id))

    async def ListBillingRuns(
        self, request: pb.ListBillingRunsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListBillingRunsResponse:
        result = await self.runs.list_billing_runs(
            RUN_STATUS.optional(request.status) or "",
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListBillingRunsResponse(
            runs=[run_message(v) for v in result.items], page=page_response(result.next_page_token)
        )

    async def ListBillingRunEntries(
        self, request: pb.ListBillingRunEntriesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListBillingRunEntriesResponse:
        result = await self.runs.list_run_entries(
            request.run_id,
            OUTCOME.optional(request.outcome) or "",
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListBillingRunEntriesResponse(
            entries=[entry_message(e) for e in result.items],
            page=page_response(result.next_page_token),
        )

    async def ResumeBillingRun(
        self, request: pb.ResumeBillingRunRequest, context: grpc.aio.ServicerContext
    ) -> pb.BillingRun:
        return run_message(await self.runs.resume_billing_run(request.id, request.wait))

    # -- payments -----------------------------------------------------------------------------
    async def RecordPayment(
        self, request: pb.RecordPaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.Payment:
        view = await self.receivables.record_payment(
            PaymentInput(
                customer_id=request.customer_id,
                amount_cents=request.amount.amount_cents,
                currency=request.amount.currency,
                method=METHOD.optional(request.method) or "",
                received_on=optional_date(request, "received_on"),
                reference=request.reference,
                invoice_id=request.invoice_id,
                note=request.note,
                idempotency_key=request.idempotency_key,
            )
        )
        return payment_message(view)

    async def ReversePayment(
        self, request: pb.ReversePaymentRequest, context: grpc.aio.ServicerContext
    ) -> pb.Payment:
        return payment_message(await self.receivables.reverse_payment(request.id, request.reason))

    async def ListPayments(
        self, request: pb.ListPaymentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListPaymentsResponse:
        result = await self.receivables.list_payments(
            customer_id=request.customer_id,
            received_from=optional_date(request, "received_from"),
            received_to=optional_date(request, "received_to"),
            invoice_id=request.invoice_id,
            page_size=request.page.page_size,
            page_token=request.page.page_token,
            order_by=request.order_by,
        )
        return pb.ListPaymentsResponse(
            payments=[payment_message(v) for v in result.items],
            page=page_response(result.next_page_token, result.total_size),
        )

    async def GetCustomerBalance(
        self, request: pb.GetCustomerBalanceRequest, context: grpc.aio.ServicerContext
    ) -> pb.CustomerBalance:
        balance = await self.receivables.customer_balance(
            request.customer_id, optional_date(request, "as_of")
        )
        return balance_message(balance)

    async def GetAgingReport(
        self, request: pb.GetAgingReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.AgingReport:
        report = await self.receivables.aging_report(
            optional_date(request, "as_of"), request.page.page_size, request.page.page_token
        )
        return pb.AgingReport(
            as_of=date_message(report.as_of),
            customers=[
                pb.CustomerAging(
                    customer_id=c.customer_id,
                    customer_name=c.customer_name,
                    aging=aging_message(c.aging),
                )
                for c in report.customers
            ],
            totals=aging_message(report.totals),
            page=page_response(report.next_page_token),
        )

    # -- dunning ------------------------------------------------------------------------------
    async def RunDunning(
        self, request: pb.RunDunningRequest, context: grpc.aio.ServicerContext
    ) -> pb.RunDunningResponse:
        result = await self.receivables.run_dunning(
            optional_date(request, "as_of"), request.idempotency_key, preview=request.preview
        )
        return pb.RunDunningResponse(
            letters=[letter_message(letter) for letter in result.letters],
            paused_customer_ids=result.paused_customer_ids,
        )

    async def ListDunningLetters(
        self, request: pb.ListDunningLettersRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListDunningLettersResponse:
        result = await self.receivables.list_letters(
            request.customer_id, int(request.level), request.page.page_size, request.page.page_token
        )
        return pb.ListDunningLettersResponse(
            letters=[letter_message(letter) for letter in result.items],
            page=page_response(result.next_page_token),
        )

    async def SetDunningPause(
        self, request: pb.SetDunningPauseRequest, context: grpc.aio.ServicerContext
    ) -> pb.DunningPause:
        view = await self.receivables.set_dunning_pause(
            request.customer_id, request.paused, optional_date(request, "until"), request.reason
        )
        return pb.DunningPause(
            customer_id=view.customer_id,
            paused=view.paused,
            until=date_message(view.until),
            reason=view.reason,
        )

    # -- exports ------------------------------------------------------------------------------
    async def ExportInvoices(
        self, request: pb.ExportRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportFile:
        return _file(
            await self.documents.export_invoices(
                optional_date(request, "from_date"), optional_date(request, "to_date")
            )
        )

    async def ExportPayments(
        self, request: pb.ExportRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportFile:
        return _file(
            await self.documents.export_payments(
                optional_date(request, "from_date"), optional_date(request, "to_date")
            )
        )

    async def ExportFec(
        self, request: pb.ExportRequest, context: grpc.aio.ServicerContext
    ) -> pb.ExportFile:
        return _file(
            await self.documents.export_fec(
                optional_date(request, "from_date"), optional_date(request, "to_date")
            )
        )


def _file(result: ExportResult) -> pb.ExportFile:
    return pb.ExportFile(
        content=result.content,
        file_name=result.file_name,
        content_type=result.content_type,
        rows=result.rows,
    )


def _uuid_or_none(value: str, field: str) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidArgument(
            f"{field} is not a valid id", fields={field: "not a valid id"}
        ) from None


def _stored_type(number: int) -> str:
    """The stored document type a filter asks for ("" for any)."""
    kind = DOCUMENT_TYPE.optional(number)
    return kind.name.lower() if kind is not None else ""


def _invoice_filter(request: pb.ListInvoicesRequest) -> InvoiceFilter:
    return InvoiceFilter(
        customer_id=request.customer_id,
        type=_stored_type(request.type),
        statuses=tuple(_status_filter(s) for s in request.statuses),
        issued_from=optional_date(request, "issued_from"),
        issued_to=optional_date(request, "issued_to"),
        query=request.query.strip(),
        contract_id=request.contract_id,
        billing_run_id=_uuid_or_none(request.billing_run_id, "billing_run_id"),
        source=SOURCE.optional(request.source) or "",
    )


def _status_filter(number: int) -> str:
    """The status a filter asks for; an unknown one is refused by the domain, which names it."""
    status = STATUS.optional(number)
    return str(status) if status is not None else f"#{number}"
