"""Bodies of the /api/v1 invoicing routes (mirror the facture API).

Money is integer cents (`{"amount_cents": 12000, "currency": "EUR"}`), dates are ISO dates,
quantities, discounts and VAT rates are decimal strings ("1.5", "10", "5.5"). Legal and
accounting rules are checked by the facture service, whose field errors come back as 422
problems naming the field (`lines[0].vat_rate`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from aquaerp.common.v1 import common_pb2
from aquaerp.facture.v1 import facture_pb2 as pb
from pydantic import BaseModel, Field

from . import Page, RequestBody
from .common import Address, Money, to_date

DocumentType = Literal["invoice", "credit_note"]
InvoiceStatus = Literal["draft", "issued", "partially_paid", "paid"]
OperationCategory = Literal["goods", "services", "mixed"]
VatCategory = Literal["standard", "exempt", "reverse_charge"]
InvoiceSource = Literal["manual", "billing_run", "intervention"]
PaymentMethod = Literal["transfer", "cheque", "card", "sepa_direct_debit"]
RunStatus = Literal["running", "completed", "failed"]
EntryOutcome = Literal["pending", "issued", "skipped", "failed", "previewed"]
DunningLevel = Literal["reminder", "formal_notice"]

DOCUMENT_TYPES = {"invoice": pb.DOCUMENT_TYPE_INVOICE, "credit_note": pb.DOCUMENT_TYPE_CREDIT_NOTE}
STATUSES = {
    "draft": pb.INVOICE_STATUS_DRAFT,
    "issued": pb.INVOICE_STATUS_ISSUED,
    "partially_paid": pb.INVOICE_STATUS_PARTIALLY_PAID,
    "paid": pb.INVOICE_STATUS_PAID,
}
CATEGORIES = {
    "goods": pb.OPERATION_CATEGORY_GOODS,
    "services": pb.OPERATION_CATEGORY_SERVICES,
    "mixed": pb.OPERATION_CATEGORY_MIXED,
}
VAT_CATEGORIES = {
    "standard": pb.VAT_CATEGORY_STANDARD,
    "exempt": pb.VAT_CATEGORY_EXEMPT,
    "reverse_charge": pb.VAT_CATEGORY_REVERSE_CHARGE,
}
SOURCES = {
    "manual": pb.INVOICE_SOURCE_MANUAL,
    "billing_run": pb.INVOICE_SOURCE_BILLING_RUN,
    "intervention": pb.INVOICE_SOURCE_INTERVENTION,
}
METHODS = {
    "transfer": pb.PAYMENT_METHOD_TRANSFER,
    "cheque": pb.PAYMENT_METHOD_CHEQUE,
    "card": pb.PAYMENT_METHOD_CARD,
    "sepa_direct_debit": pb.PAYMENT_METHOD_SEPA_DIRECT_DEBIT,
}
RUN_STATUSES = {
    "running": pb.BILLING_RUN_STATUS_RUNNING,
    "completed": pb.BILLING_RUN_STATUS_COMPLETED,
    "failed": pb.BILLING_RUN_STATUS_FAILED,
}
OUTCOMES = {
    "pending": pb.BILLING_ENTRY_OUTCOME_PENDING,
    "issued": pb.BILLING_ENTRY_OUTCOME_ISSUED,
    "skipped": pb.BILLING_ENTRY_OUTCOME_SKIPPED,
    "failed": pb.BILLING_ENTRY_OUTCOME_FAILED,
    "previewed": pb.BILLING_ENTRY_OUTCOME_PREVIEWED,
}
LEVELS = {"reminder": pb.DUNNING_LEVEL_REMINDER, "formal_notice": pb.DUNNING_LEVEL_FORMAL_NOTICE}


def _name(mapping: dict[str, Any], value: int) -> Any:
    return next((name for name, number in mapping.items() if number == value), None)


def _date(owner: Any, field: str) -> date | None:
    if not owner.HasField(field):
        return None
    value = getattr(owner, field)
    return date(value.year, value.month, value.day)


def _time(owner: Any, field: str) -> datetime | None:
    return getattr(owner, field).ToDatetime().astimezone() if owner.HasField(field) else None


def _cents(money: common_pb2.Money) -> int:
    return int(money.amount_cents)


# -- shared parts -------------------------------------------------------------------------------
class PaymentTerms(RequestBody):
    days: int = Field(default=30, ge=0, le=60, description="days after the issue date (L441-10)")
    end_of_month: bool = False


# -- documents ------------------------------------------------------------------------------------
class InvoiceLineBody(RequestBody):
    description: str = Field(max_length=1000)
    quantity: str = Field(max_length=20, examples=["1", "2.5"])
    unit_code: str = Field(default="C62", max_length=10, description="UN/ECE Rec. 20 code")
    unit_price: Money
    discount_percent: str = Field(default="", max_length=10)
    vat_rate: str = Field(max_length=10, examples=["20", "10", "5.5", "2.1", "0"])
    vat_category: VatCategory | None = None
    exemption_reason: str = Field(default="", max_length=300, description="required at 0 %")
    exemption_code: str = Field(default="", max_length=40)
    period_start: date | None = None
    period_end: date | None = None

    def to_proto(self) -> pb.InvoiceLineInput:
        message = pb.InvoiceLineInput(
            description=self.description,
            quantity=self.quantity,
            unit_code=self.unit_code,
            unit_price=self.unit_price.to_proto(),
            discount_percent=self.discount_percent,
            vat_rate=self.vat_rate,
            vat_category=VAT_CATEGORIES[self.vat_category] if self.vat_category else 0,  # type: ignore[arg-type]
            exemption_reason=self.exemption_reason,
            exemption_code=self.exemption_code,
        )
        if self.period_start:
            message.period_start.CopyFrom(to_date(self.period_start))
        if self.period_end:
            message.period_end.CopyFrom(to_date(self.period_end))
        return message


class InvoiceBody(RequestBody):
    customer_id: str = Field(max_length=64)
    lines: list[InvoiceLineBody] = Field(max_length=200)
    operation_category: OperationCategory = "services"
    purchase_order: str = Field(default="", max_length=100)
    contract_id: str = Field(default="", max_length=64)
    contract_reference: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=1000)
    delivery_address: Address | None = None
    delivery_date: date | None = None
    billing_period_start: date | None = None
    billing_period_end: date | None = None
    payment_terms: PaymentTerms | None = None

    def to_proto(self) -> pb.InvoiceInput:
        message = pb.InvoiceInput(
            customer_id=self.customer_id,
            lines=[line.to_proto() for line in self.lines],
            operation_category=CATEGORIES[self.operation_category],  # type: ignore[arg-type]
            purchase_order=self.purchase_order,
            contract_id=self.contract_id,
            contract_reference=self.contract_reference,
            note=self.note,
        )
        if self.delivery_address is not None:
            message.delivery_address.CopyFrom(self.delivery_address.to_proto())
        for name in ("delivery_date", "billing_period_start", "billing_period_end"):
            value = getattr(self, name)
            if value is not None:
                getattr(message, name).CopyFrom(to_date(value))
        if self.payment_terms is not None:
            message.payment_terms.CopyFrom(
                pb.PaymentTerms(
                    days=self.payment_terms.days, end_of_month=self.payment_terms.end_of_month
                )
            )
        return message


class CreditNoteBody(RequestBody):
    lines: list[InvoiceLineBody] = Field(
        default_factory=list, max_length=200, description="empty: the whole invoice is credited"
    )
    reason: str = Field(default="", max_length=500)


class InvoiceLine(BaseModel):
    description: str
    quantity: str
    unit_code: str
    unit_price_cents: int
    discount_percent: str
    vat_rate: str
    vat_category: VatCategory
    exemption_reason: str
    period_start: date | None
    period_end: date | None
    net_amount_cents: int


class VatAmount(BaseModel):
    category: VatCategory
    rate: str
    taxable_amount_cents: int
    vat_amount_cents: int
    exemption_reason: str


class Buyer(BaseModel):
    name: str
    address: Address
    is_business: bool
    siren: str
    vat_number: str
    customer_code: str
    email: str


class Invoice(BaseModel):
    id: str
    type: DocumentType
    status: InvoiceStatus
    number: str
    customer_id: str
    buyer: Buyer | None
    issue_date: date | None
    due_date: date | None
    lines: list[InvoiceLine]
    vat_breakdown: list[VatAmount]
    total_excluding_vat_cents: int
    total_vat_cents: int
    total_including_vat_cents: int
    amount_settled_cents: int
    amount_due_cents: int
    currency: str = "EUR"
    overdue: bool
    operation_category: OperationCategory
    purchase_order: str
    contract_id: str
    contract_reference: str
    note: str
    delivery_address: Address | None
    delivery_date: date | None
    billing_period_start: date | None
    billing_period_end: date | None
    payment_terms: PaymentTerms
    corrected_invoice_id: str
    corrected_invoice_number: str
    credit_note_ids: list[str]
    source: InvoiceSource
    intervention_id: str
    billing_run_id: str
    chain_position: int
    hash: str
    previous_hash: str
    pdf_available: bool
    created_at: datetime | None
    updated_at: datetime | None
    issued_at: datetime | None

    @classmethod
    def from_proto(cls, invoice: pb.Invoice) -> Invoice:
        return cls(
            id=invoice.id,
            type=_name(DOCUMENT_TYPES, invoice.type),
            status=_name(STATUSES, invoice.status),
            number=invoice.number,
            customer_id=invoice.customer_id,
            buyer=(
                Buyer(
                    name=invoice.buyer.name,
                    address=Address.from_proto(invoice.buyer.address),
                    is_business=invoice.buyer.is_business,
                    siren=invoice.buyer.siren,
                    vat_number=invoice.buyer.vat_number,
                    customer_code=invoice.buyer.customer_code,
                    email=invoice.buyer.email,
                )
                if invoice.HasField("buyer")
                else None
            ),
            issue_date=_date(invoice, "issue_date"),
            due_date=_date(invoice, "due_date"),
            lines=[
                InvoiceLine(
                    description=line.description,
                    quantity=line.quantity,
                    unit_code=line.unit_code,
                    unit_price_cents=_cents(line.unit_price),
                    discount_percent=line.discount_percent,
                    vat_rate=line.vat_rate,
                    vat_category=_name(VAT_CATEGORIES, line.vat_category),
                    exemption_reason=line.exemption_reason,
                    period_start=_date(line, "period_start"),
                    period_end=_date(line, "period_end"),
                    net_amount_cents=_cents(line.net_amount),
                )
                for line in invoice.lines
            ],
            vat_breakdown=[
                VatAmount(
                    category=_name(VAT_CATEGORIES, row.category),
                    rate=row.rate,
                    taxable_amount_cents=_cents(row.taxable_amount),
                    vat_amount_cents=_cents(row.vat_amount),
                    exemption_reason=row.exemption_reason,
                )
                for row in invoice.vat_breakdown
            ],
            total_excluding_vat_cents=_cents(invoice.total_excluding_vat),
            total_vat_cents=_cents(invoice.total_vat),
            total_including_vat_cents=_cents(invoice.total_including_vat),
            amount_settled_cents=_cents(invoice.amount_settled),
            amount_due_cents=_cents(invoice.amount_due),
            overdue=invoice.overdue,
            operation_category=_name(CATEGORIES, invoice.operation_category) or "services",
            purchase_order=invoice.purchase_order,
            contract_id=invoice.contract_id,
            contract_reference=invoice.contract_reference,
            note=invoice.note,
            delivery_address=(
                Address.from_proto(invoice.delivery_address)
                if invoice.HasField("delivery_address")
                else None
            ),
            delivery_date=_date(invoice, "delivery_date"),
            billing_period_start=_date(invoice, "billing_period_start"),
            billing_period_end=_date(invoice, "billing_period_end"),
            payment_terms=PaymentTerms(
                days=invoice.payment_terms.days, end_of_month=invoice.payment_terms.end_of_month
            ),
            corrected_invoice_id=invoice.corrected_invoice_id,
            corrected_invoice_number=invoice.corrected_invoice_number,
            credit_note_ids=list(invoice.credit_note_ids),
            source=_name(SOURCES, invoice.source),
            intervention_id=invoice.intervention_id,
            billing_run_id=invoice.billing_run_id,
            chain_position=invoice.chain_position,
            hash=invoice.hash,
            previous_hash=invoice.previous_hash,
            pdf_available=invoice.pdf_available,
            created_at=_time(invoice, "create_time"),
            updated_at=_time(invoice, "update_time"),
            issued_at=_time(invoice, "issue_time"),
        )


class InvoiceList(BaseModel):
    items: list[Invoice]
    page: Page


class BrokenLink(BaseModel):
    chain_position: int
    invoice_id: str
    invoice_number: str
    reason: str


class ChainVerification(BaseModel):
    intact: bool
    documents_checked: int
    head_hash: str
    first_broken_link: BrokenLink | None

    @classmethod
    def from_proto(cls, report: pb.VerifyChainResponse) -> ChainVerification:
        broken = report.first_broken_link
        return cls(
            intact=report.intact,
            documents_checked=report.documents_checked,
            head_hash=report.head_hash,
            first_broken_link=(
                BrokenLink(
                    chain_position=broken.chain_position,
                    invoice_id=broken.invoice_id,
                    invoice_number=broken.invoice_number,
                    reason=broken.reason,
                )
                if report.HasField("first_broken_link")
                else None
            ),
        )


# -- interventions --------------------------------------------------------------------------------
class BillableItemBody(RequestBody):
    description: str = Field(max_length=1000)
    quantity: str = Field(default="1", max_length=20)
    unit: str = Field(default="C62", max_length=20)
    unit_price_cents: int = Field(ge=0)
    vat_rate: str = Field(default="", max_length=10)


class InterventionInvoiceBody(RequestBody):
    customer_id: str = Field(default="", max_length=64)
    contract_id: str = Field(default="", max_length=64)
    service_date: date | None = None
    items: list[BillableItemBody] = Field(
        default_factory=list, max_length=200, description="empty: read from the intervention"
    )


class InterventionInvoice(BaseModel):
    invoice: Invoice | None
    reason: str


# -- billing runs ---------------------------------------------------------------------------------
class BillingRunBody(RequestBody):
    period_start: date | None = Field(default=None, description="bill what is due by this day")
    from_date: date | None = Field(default=None, description="leave out periods before this day")
    contract_id: str = Field(default="", max_length=64)
    dry_run: bool = False
    wait: bool = False


class BillingRun(BaseModel):
    id: str
    status: RunStatus
    up_to: date | None
    from_date: date | None
    contract_id: str
    dry_run: bool
    entries_total: int
    entries_done: int
    issued: int
    skipped: int
    failed: int
    previewed: int
    total_excluding_vat_cents: int
    total_vat_cents: int
    total_including_vat_cents: int
    error: str
    created_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_proto(cls, run: pb.BillingRun) -> BillingRun:
        return cls(
            id=run.id,
            status=_name(RUN_STATUSES, run.status),
            up_to=_date(run, "up_to"),
            from_date=_date(run, "from_date"),
            contract_id=run.contract_id,
            dry_run=run.dry_run,
            entries_total=run.entries_total,
            entries_done=run.entries_done,
            issued=run.issued,
            skipped=run.skipped,
            failed=run.failed,
            previewed=run.previewed,
            total_excluding_vat_cents=_cents(run.total_excluding_vat),
            total_vat_cents=_cents(run.total_vat),
            total_including_vat_cents=_cents(run.total_including_vat),
            error=run.error,
            created_at=_time(run, "create_time"),
            finished_at=_time(run, "finish_time"),
        )


class BillingRunList(BaseModel):
    items: list[BillingRun]
    page: Page


class BillingRunEntry(BaseModel):
    contract_id: str
    contract_number: str
    customer_id: str
    customer_name: str
    period_start: date | None
    period_end: date | None
    outcome: EntryOutcome
    reason: str
    invoice_id: str
    invoice_number: str
    total_excluding_vat_cents: int
    total_including_vat_cents: int

    @classmethod
    def from_proto(cls, entry: pb.BillingRunEntry) -> BillingRunEntry:
        return cls(
            contract_id=entry.contract_id,
            contract_number=entry.contract_number,
            customer_id=entry.customer_id,
            customer_name=entry.customer_name,
            period_start=_date(entry, "period_start"),
            period_end=_date(entry, "period_end"),
            outcome=_name(OUTCOMES, entry.outcome),
            reason=entry.reason,
            invoice_id=entry.invoice_id,
            invoice_number=entry.invoice_number,
            total_excluding_vat_cents=_cents(entry.total_excluding_vat),
            total_including_vat_cents=_cents(entry.total_including_vat),
        )


class BillingRunEntryList(BaseModel):
    items: list[BillingRunEntry]
    page: Page


# -- payments and balances ------------------------------------------------------------------------
class PaymentBody(RequestBody):
    customer_id: str = Field(max_length=64)
    amount: Money
    method: PaymentMethod
    received_on: date | None = None
    reference: str = Field(default="", max_length=200)
    invoice_id: str = Field(default="", max_length=64, description="the invoice paid first")
    note: str = Field(default="", max_length=1000)


class Allocation(BaseModel):
    invoice_id: str
    invoice_number: str
    amount_cents: int


class Payment(BaseModel):
    id: str
    customer_id: str
    amount_cents: int
    currency: str = "EUR"
    method: PaymentMethod
    received_on: date | None
    reference: str
    note: str
    allocations: list[Allocation]
    unallocated_cents: int
    created_at: datetime | None

    @classmethod
    def from_proto(cls, payment: pb.Payment) -> Payment:
        return cls(
            id=payment.id,
            customer_id=payment.customer_id,
            amount_cents=_cents(payment.amount),
            method=_name(METHODS, payment.method),
            received_on=_date(payment, "received_on"),
            reference=payment.reference,
            note=payment.note,
            allocations=[
                Allocation(
                    invoice_id=a.invoice_id,
                    invoice_number=a.invoice_number,
                    amount_cents=_cents(a.amount),
                )
                for a in payment.allocations
            ],
            unallocated_cents=_cents(payment.unallocated),
            created_at=_time(payment, "create_time"),
        )


class PaymentList(BaseModel):
    items: list[Payment]
    page: Page


class Aging(BaseModel):
    not_due_cents: int
    days_0_30_cents: int
    days_31_60_cents: int
    days_61_90_cents: int
    days_over_90_cents: int
    total_cents: int

    @classmethod
    def from_proto(cls, aging: pb.AgingBuckets) -> Aging:
        return cls(
            not_due_cents=_cents(aging.not_due),
            days_0_30_cents=_cents(aging.days_0_30),
            days_31_60_cents=_cents(aging.days_31_60),
            days_61_90_cents=_cents(aging.days_61_90),
            days_over_90_cents=_cents(aging.days_over_90),
            total_cents=_cents(aging.total),
        )


class OpenInvoice(BaseModel):
    invoice_id: str
    number: str
    issue_date: date | None
    due_date: date | None
    total_including_vat_cents: int
    amount_due_cents: int
    days_past_due: int


class CustomerBalance(BaseModel):
    customer_id: str
    invoiced_cents: int
    credited_cents: int
    paid_cents: int
    balance_cents: int
    outstanding_cents: int
    unapplied_credit_cents: int
    aging: Aging
    open_invoices: list[OpenInvoice]
    dunning_paused: bool

    @classmethod
    def from_proto(cls, balance: pb.CustomerBalance) -> CustomerBalance:
        return cls(
            customer_id=balance.customer_id,
            invoiced_cents=_cents(balance.invoiced),
            credited_cents=_cents(balance.credited),
            paid_cents=_cents(balance.paid),
            balance_cents=_cents(balance.balance),
            outstanding_cents=_cents(balance.outstanding),
            unapplied_credit_cents=_cents(balance.unapplied_credit),
            aging=Aging.from_proto(balance.aging),
            open_invoices=[
                OpenInvoice(
                    invoice_id=item.invoice_id,
                    number=item.number,
                    issue_date=_date(item, "issue_date"),
                    due_date=_date(item, "due_date"),
                    total_including_vat_cents=_cents(item.total_including_vat),
                    amount_due_cents=_cents(item.amount_due),
                    days_past_due=item.days_past_due,
                )
                for item in balance.open_invoices
            ],
            dunning_paused=balance.dunning_paused,
        )


class CustomerAging(BaseModel):
    customer_id: str
    customer_name: str
    aging: Aging


class AgingReport(BaseModel):
    as_of: date | None
    customers: list[CustomerAging]
    totals: Aging
    page: Page

    @classmethod
    def from_proto(cls, report: pb.AgingReport) -> AgingReport:
        return cls(
            as_of=_date(report, "as_of"),
            customers=[
                CustomerAging(
                    customer_id=c.customer_id,
                    customer_name=c.customer_name,
                    aging=Aging.from_proto(c.aging),
                )
                for c in report.customers
            ],
            totals=Aging.from_proto(report.totals),
            page=Page(next_page_token=report.page.next_page_token),
        )


# -- dunning --------------------------------------------------------------------------------------
class DunningRunBody(RequestBody):
    as_of: date | None = None


class DunningItem(BaseModel):
    invoice_id: str
    invoice_number: str
    due_date: date | None
    days_past_due: int
    amount_due_cents: int
    level: DunningLevel | None
    indemnity_cents: int
    interest_cents: int


class DunningLetter(BaseModel):
    id: str
    customer_id: str
    customer_name: str
    customer_email: str
    level: DunningLevel
    as_of: date | None
    items: list[DunningItem]
    total_due_cents: int
    indemnity_cents: int
    interest_cents: int
    total_claimed_cents: int
    interest_rate: str
    created_at: datetime | None

    @classmethod
    def from_proto(cls, letter: pb.DunningLetter) -> DunningLetter:
        return cls(
            id=letter.id,
            customer_id=letter.customer_id,
            customer_name=letter.customer_name,
            customer_email=letter.customer_email,
            level=_name(LEVELS, letter.level),
            as_of=_date(letter, "as_of"),
            items=[
                DunningItem(
                    invoice_id=item.invoice_id,
                    invoice_number=item.invoice_number,
                    due_date=_date(item, "due_date"),
                    days_past_due=item.days_past_due,
                    amount_due_cents=_cents(item.amount_due),
                    level=_name(LEVELS, item.level),
                    indemnity_cents=_cents(item.indemnity),
                    interest_cents=_cents(item.interest),
                )
                for item in letter.items
            ],
            total_due_cents=_cents(letter.total_due),
            indemnity_cents=_cents(letter.indemnity),
            interest_cents=_cents(letter.interest),
            total_claimed_cents=_cents(letter.total_claimed),
            interest_rate=letter.interest_rate,
            created_at=_time(letter, "create_time"),
        )


class DunningRunResult(BaseModel):
    letters: list[DunningLetter]
    paused_customer_ids: list[str]


class DunningLetterList(BaseModel):
    items: list[DunningLetter]
    page: Page


class DunningPauseBody(RequestBody):
    paused: bool
    until: date | None = None
    reason: str = Field(default="", max_length=1000)


class DunningPause(BaseModel):
    customer_id: str
    paused: bool
    until: date | None
    reason: str
