"""gRPC edge of the facture service: proto <-> domain, nothing else."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from aquaerp.common.v1 import common_pb2
from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp_runtime.errors import InvalidArgument
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from .billing import InterventionItem
from .billing_runs import BillingRuns, RunView
from .documents import Address, Buyer, Line, OperationCategory, VatCategory
from .drafts import AddressInput, DraftInput, LineInput
from .dunning import LetterItem
from .receivables import Aging, Balance, PaymentInput, PaymentView, Receivables
from .repository import EntryRow, InvoiceFilter, LetterRow
from .service import ExportResult, FactureService, InterventionRequest, InvoiceView

CURRENCY = "EUR"
DOCUMENT_TYPES = {pb.DOCUMENT_TYPE_INVOICE: "invoice", pb.DOCUMENT_TYPE_CREDIT_NOTE: "credit_note"}
DOCUMENT_TYPE_VALUES = {name: value for value, name in DOCUMENT_TYPES.items()}
STATUSES = {
    pb.INVOICE_STATUS_DRAFT: "draft",
    pb.INVOICE_STATUS_ISSUED: "issued",
    pb.INVOICE_STATUS_PARTIALLY_PAID: "partially_paid",
    pb.INVOICE_STATUS_PAID: "paid",
}
STATUS_VALUES = {name: value for value, name in STATUSES.items()}
CATEGORIES = {
    pb.OPERATION_CATEGORY_GOODS: OperationCategory.GOODS,
    pb.OPERATION_CATEGORY_SERVICES: OperationCategory.SERVICES,
    pb.OPERATION_CATEGORY_MIXED: OperationCategory.MIXED,
}
CATEGORY_VALUES = {name: value for value, name in CATEGORIES.items()}
VAT_CATEGORIES = {
    pb.VAT_CATEGORY_STANDARD: VatCategory.STANDARD,
    pb.VAT_CATEGORY_EXEMPT: VatCategory.EXEMPT,
    pb.VAT_CATEGORY_REVERSE_CHARGE: VatCategory.REVERSE_CHARGE,
}
VAT_CATEGORY_VALUES = {name: value for value, name in VAT_CATEGORIES.items()}
SOURCES = {
    pb.INVOICE_SOURCE_MANUAL: "manual",
    pb.INVOICE_SOURCE_BILLING_RUN: "billing_run",
    pb.INVOICE_SOURCE_INTERVENTION: "intervention",
}
SOURCE_VALUES = {name: value for value, name in SOURCES.items()}
METHODS = {
    pb.PAYMENT_METHOD_TRANSFER: "transfer",
    pb.PAYMENT_METHOD_CHEQUE: "cheque",
    pb.PAYMENT_METHOD_CARD: "card",
    pb.PAYMENT_METHOD_SEPA_DIRECT_DEBIT: "sepa_direct_debit",
}
METHOD_VALUES = {name: value for value, name in METHODS.items()}
RUN_STATUSES = {
    pb.BILLING_RUN_STATUS_RUNNING: "running",
    pb.BILLING_RUN_STATUS_COMPLETED: "completed",
    pb.BILLING_RUN_STATUS_FAILED: "failed",
}
RUN_STATUS_VALUES = {name: value for value, name in RUN_STATUSES.items()}
OUTCOMES = {
    pb.BILLING_ENTRY_OUTCOME_PENDING: "pending",
    pb.BILLING_ENTRY_OUTCOME_ISSUED: "issued",
    pb.BILLING_ENTRY_OUTCOME_SKIPPED: "skipped",
    pb.BILLING_ENTRY_OUTCOME_FAILED: "failed",
    pb.BILLING_ENTRY_OUTCOME_PREVIEWED: "previewed",
}
OUTCOME_VALUES = {name: value for value, name in OUTCOMES.items()}


# -- small conversions -----------------------------------------------------------------------------
def money(cents: int) -> common_pb2.Money:
    return common_pb2.Money(amount_cents=cents, currency=CURRENCY)


def proto_date(value: date | None) -> common_pb2.Date | None:
    if value is None:
        return None
    return common_pb2.Date(year=value.year, month=value.month, day=value.day)


def optional_date(message: Message, name: str) -> date | None:
    """A common Date field as a date; None when absent. A malformed date is a field error."""
    if not message.HasField(name):
        return None
    value = getattr(message, name)
    try:
        return date(value.year, value.month, value.day)
    except ValueError:
        raise InvalidArgument(
            f"{name} is not a valid date", fields={name: "not a valid date"}
        ) from None


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def address_message(address: Address | None) -> common_pb2.Address | None:
    if address is None:
        return None
    return common_pb2.Address(
        lines=[line for line in (address.line1, address.line2) if line],
        postal_code=address.postal_code,
        city=address.city,
        country=address.country_code,
    )


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
        vat_category=VAT_CATEGORIES.get(message.vat_category),
        exemption_reason=message.exemption_reason,
        exemption_code=message.exemption_code,
        period_start=optional_date(message, "period_start"),
        period_end=optional_date(message, "period_end"),
    )


def draft_input(message: pb.InvoiceInput) -> DraftInput:
    delivery = None
    if message.HasField("delivery_address"):
        address = message.delivery_address
        delivery = AddressInput(
            tuple(address.lines), address.postal_code, address.city, address.country
        )
    terms = message.payment_terms if message.HasField("payment_terms") else None
    return DraftInput(
        customer_id=message.customer_id,
        lines=tuple(line_input(line) for line in message.lines),
        operation_category=CATEGORIES.get(message.operation_category),
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
        address=address_message(buyer.address),
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
        vat_category=VAT_CATEGORY_VALUES[line.vat_category],
        exemption_reason=line.exemption.reason if line.exemption else "",
        exemption_code=(line.exemption.code or "") if line.exemption else "",
        period_start=proto_date(line.period.start) if line.period else None,
        period_end=proto_date(line.period.end) if line.period else None,
        net_amount=money(net_cents),
    )


def invoice_message(view: InvoiceView) -> pb.Invoice:
    row, draft, totals = view.row, view.draft, view.totals
    document = view.document
    issued = document is not None
    period = document.billing_period if document else draft.billing_period
    invoice = pb.Invoice(
        id=str(row.id),
        type=DOCUMENT_TYPE_VALUES[row.type],
        status=STATUS_VALUES[view.status],
        number=row.number or "",
        customer_id=row.customer_id,
        buyer=buyer_message(view.buyer),
        issue_date=proto_date(row.issue_date),
        due_date=proto_date(row.due_date),
        lines=[
            line_message(line, amounts.net_cents)
            for line, amounts in zip(view.lines, totals.lines, strict=True)
        ],
        vat_breakdown=[
            pb.VatAmount(
                category=VAT_CATEGORY_VALUES[row_.category],
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
        operation_category=CATEGORY_VALUES[draft.operation_category],
        purchase_order=draft.purchase_order or "",
        contract_id=row.contract_id or "",
        contract_reference=draft.contract_reference or "",
        note=draft.note or "",
        delivery_address=address_message(draft.delivery_address),
        delivery_date=proto_date(draft.delivery_date),
        billing_period_start=proto_date(period.start) if period else None,
        billing_period_end=proto_date(period.end) if period else None,
        payment_terms=pb.PaymentTerms(days=draft.payment_days, end_of_month=draft.end_of_month),
        corrected_invoice_id=str(row.corrected_invoice_id) if row.corrected_invoice_id else "",
        corrected_invoice_number=row.corrected_invoice_number or "",
        credit_note_ids=[str(i) for i in view.credit_note_ids],
        source=SOURCE_VALUES[row.source],
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
        method=METHOD_VALUES[row.method],
        received_on=proto_date(row.received_on),
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
                issue_date=proto_date(item.row.issue_date),
                due_date=proto_date(item.row.due_date),
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
        status=RUN_STATUS_VALUES[row.status],
        up_to=proto_date(row.up_to),
        from_date=proto_date(row.from_date),
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
        period_start=proto_date(entry.period_start),
        period_end=proto_date(entry.period_end),
        outcome=OUTCOME_VALUES[entry.outcome],
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
        level=letter.level,  # type: ignore[arg-type]
        as_of=proto_date(letter.as_of),
        items=[
            pb.DunningItem(
                invoice_id=str(item.invoice_id),
                invoice_number=item.number,
                due_date=proto_date(item.due_date),
                days_past_due=item.days_past_due,
                amount_due=money(item.amount_due_cents),
                level=item.level,  # type: ignore[arg-type]
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


def page(token: str) -> common_pb2.PageResponse:
    return common_pb2.PageResponse(next_page_token=token, total_size=-1)


class FactureServicer(facture_pb2_grpc.FactureServiceServicer):
    def __init__(
        self, documents: FactureService, runs: BillingRuns, receivables: Receivables
    ) -> None:
        self.documents = documents
        self.runs = runs
        self.receivables = receivables

    # -- documents ----------------------------------------------------------------------------
    async def CreateInvoice(self, request, context):  # type: ignore[no-untyped-def]
        view = await self.documents.create_invoice(
            draft_input(request.invoice), request.idempotency_key
        )
        return invoice_message(view)

    async def UpdateInvoice(self, request, context):  # type: ignore[no-untyped-def]
        view = await self.documents.update_invoice(request.id, draft_input(request.invoice))
        return invoice_message(view)

    async def DeleteInvoice(self, request, context):  # type: ignore[no-untyped-def]
        await self.documents.delete_invoice(request.id)
        return pb.DeleteInvoiceResponse()

    async def GetInvoice(self, request, context):  # type: ignore[no-untyped-def]
        return invoice_message(await self.documents.get_invoice(request.id))

    async def ListInvoices(self, request, context):  # type: ignore[no-untyped-def]
        where = InvoiceFilter(
            customer_id=request.customer_id,
            type=DOCUMENT_TYPES.get(request.type, ""),
            statuses=tuple(STATUSES.get(s, f"#{s}") for s in request.statuses),
            issued_from=optional_date(request, "issued_from"),
            issued_to=optional_date(request, "issued_to"),
            overdue_on=self.documents.today() if request.overdue_only else None,
            query=request.query.strip(),
            contract_id=request.contract_id,
            billing_run_id=_uuid_or_none(request.billing_run_id, "billing_run_id"),
            source=SOURCES.get(request.source, ""),
        )
        result = await self.documents.list_invoices(
            where, request.page.page_size, request.page.page_token
        )
        return pb.ListInvoicesResponse(
            invoices=[invoice_message(v) for v in result.items], page=page(result.next_page_token)
        )

    async def IssueInvoice(self, request, context):  # type: ignore[no-untyped-def]
        return invoice_message(await self.documents.issue_invoice(request.id))

    async def CreateCreditNote(self, request, context):  # type: ignore[no-untyped-def]
        lines = None
        if request.lines:
            lines = DraftInput(
                customer_id="-", lines=tuple(line_input(line) for line in request.lines)
            )
        view = await self.documents.create_credit_note(
            request.invoice_id, lines, request.reason, request.idempotency_key
        )
        return invoice_message(view)

    async def GetInvoicePdf(self, request, context):  # type: ignore[no-untyped-def]
        number, pdf = await self.documents.invoice_pdf(request.invoice_id)
        return pb.InvoicePdf(content=pdf, file_name=f"{number}.pdf", invoice_number=number)

    async def VerifyChain(self, request, context):  # type: ignore[no-untyped-def]
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
    async def InvoiceIntervention(self, request, context):  # type: ignore[no-untyped-def]
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
    async def StartBillingRun(self, request, context):  # type: ignore[no-untyped-def]
        view = await self.runs.start_billing_run(
            up_to=optional_date(request, "period_start"),
            from_date=optional_date(request, "from_date"),
            contract_id=request.contract_id,
            dry_run=request.dry_run,
            wait=request.wait,
            idempotency_key=request.idempotency_key,
        )
        return run_message(view)

    async def GetBillingRun(self, request, context):  # type: ignore[no-untyped-def]
        return run_message(await self.runs.get_billing_run(request.id))

    async def ListBillingRuns(self, request, context):  # type: ignore[no-untyped-def]
        result = await self.runs.list_billing_runs(
            RUN_STATUSES.get(request.status, ""), request.page.page_size, request.page.page_token
        )
        return pb.ListBillingRunsResponse(
            runs=[run_message(v) for v in result.items], page=page(result.next_page_token)
        )

    async def ListBillingRunEntries(self, request, context):  # type: ignore[no-untyped-def]
        result = await self.runs.list_run_entries(
            request.run_id,
            OUTCOMES.get(request.outcome, ""),
            request.page.page_size,
            request.page.page_token,
        )
        return pb.ListBillingRunEntriesResponse(
            entries=[entry_message(e) for e in result.items], page=page(result.next_page_token)
        )

    async def ResumeBillingRun(self, request, context):  # type: ignore[no-untyped-def]
        return run_message(await self.runs.resume_billing_run(request.id, request.wait))

    # -- payments -----------------------------------------------------------------------------
    async def RecordPayment(self, request, context):  # type: ignore[no-untyped-def]
        view = await self.receivables.record_payment(
            PaymentInput(
                customer_id=request.customer_id,
                amount_cents=request.amount.amount_cents,
                currency=request.amount.currency,
                method=METHODS.get(request.method, ""),
                received_on=optional_date(request, "received_on"),
                reference=request.reference,
                invoice_id=request.invoice_id,
                note=request.note,
                idempotency_key=request.idempotency_key,
            )
        )
        return payment_message(view)

    async def ListPayments(self, request, context):  # type: ignore[no-untyped-def]
        result = await self.receivables.list_payments(
            customer_id=request.customer_id,
            received_from=optional_date(request, "received_from"),
            received_to=optional_date(request, "received_to"),
            invoice_id=request.invoice_id,
            page_size=request.page.page_size,
            page_token=request.page.page_token,
        )
        return pb.ListPaymentsResponse(
            payments=[payment_message(v) for v in result.items], page=page(result.next_page_token)
        )

    async def GetCustomerBalance(self, request, context):  # type: ignore[no-untyped-def]
        balance = await self.receivables.customer_balance(
            request.customer_id, optional_date(request, "as_of")
        )
        return balance_message(balance)

    async def GetAgingReport(self, request, context):  # type: ignore[no-untyped-def]
        report = await self.receivables.aging_report(
            optional_date(request, "as_of"), request.page.page_size, request.page.page_token
        )
        return pb.AgingReport(
            as_of=proto_date(report.as_of),
            customers=[
                pb.CustomerAging(
                    customer_id=c.customer_id,
                    customer_name=c.customer_name,
                    aging=aging_message(c.aging),
                )
                for c in report.customers
            ],
            totals=aging_message(report.totals),
            page=page(report.next_page_token),
        )

    # -- dunning ------------------------------------------------------------------------------
    async def RunDunning(self, request, context):  # type: ignore[no-untyped-def]
        result = await self.receivables.run_dunning(
            optional_date(request, "as_of"), request.idempotency_key
        )
        return pb.RunDunningResponse(
            letters=[letter_message(letter) for letter in result.letters],
            paused_customer_ids=result.paused_customer_ids,
        )

    async def ListDunningLetters(self, request, context):  # type: ignore[no-untyped-def]
        result = await self.receivables.list_letters(
            request.customer_id, int(request.level), request.page.page_size, request.page.page_token
        )
        return pb.ListDunningLettersResponse(
            letters=[letter_message(letter) for letter in result.items],
            page=page(result.next_page_token),
        )

    async def SetDunningPause(self, request, context):  # type: ignore[no-untyped-def]
        view = await self.receivables.set_dunning_pause(
            request.customer_id, request.paused, optional_date(request, "until"), request.reason
        )
        return pb.DunningPause(
            customer_id=view.customer_id,
            paused=view.paused,
            until=proto_date(view.until),
            reason=view.reason,
        )

    # -- exports ------------------------------------------------------------------------------
    async def ExportInvoices(self, request, context):  # type: ignore[no-untyped-def]
        return _file(
            await self.documents.export_invoices(
                optional_date(request, "from_date"), optional_date(request, "to_date")
            )
        )

    async def ExportPayments(self, request, context):  # type: ignore[no-untyped-def]
        return _file(
            await self.documents.export_payments(
                optional_date(request, "from_date"), optional_date(request, "to_date")
            )
        )

    async def ExportFec(self, request, context):  # type: ignore[no-untyped-def]
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
