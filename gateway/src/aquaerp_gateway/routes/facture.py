"""/api/v1 invoices, credit notes, payments, balances, billing runs, dunning and exports: the
facture service over REST.

`compta` and `admin` issue, record payments, run billing and dunning, and export; `bureau`
creates and edits drafts and reads; a `client` reads and downloads only its own customer's
issued documents (the service answers 404 for anything else); technicians are refused.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aquaerp.common.v1 import common_pb2
from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA
from aquaerp_runtime.context import Principal
from fastapi import APIRouter, Depends, Query, Request, Response

from ..schemas import Page
from ..schemas.common import to_date as date_message
from ..schemas.facture import (
    DOCUMENT_TYPES,
    LEVELS,
    METHODS,
    OUTCOMES,
    RUN_STATUSES,
    SOURCES,
    STATUSES,
    AgingReport,
    BillingRun,
    BillingRunBody,
    BillingRunEntry,
    BillingRunEntryList,
    BillingRunList,
    ChainVerification,
    CreditNoteBody,
    CustomerBalance,
    DocumentType,
    DunningLetter,
    DunningLetterList,
    DunningLevel,
    DunningPause,
    DunningPauseBody,
    DunningRunBody,
    DunningRunResult,
    EntryOutcome,
    InterventionInvoice,
    InterventionInvoiceBody,
    Invoice,
    InvoiceBody,
    InvoiceList,
    InvoiceSource,
    InvoiceStatus,
    Payment,
    PaymentBody,
    PaymentList,
    RunStatus,
)
from ..security import require

router = APIRouter(tags=["facture"])
read = Depends(require(ADMIN, BUREAU, COMPTA, CLIENT))
office = Depends(require(ADMIN, BUREAU, COMPTA))
accounting = require(ADMIN, COMPTA)
PAGE_SIZE = Query(default=50, ge=1, le=500)
PAGE_TOKEN = Query(default="", max_length=400)
PDF = "application/pdf"


def _facture(request: Request) -> facture_pb2_grpc.FactureServiceStub:
    return request.app.state.clients.stub("facture", facture_pb2_grpc.FactureServiceStub)  # type: ignore[no-any-return]


def _page(size: int, token: str) -> common_pb2.PageRequest:
    return common_pb2.PageRequest(page_size=size, page_token=token)


def _idempotency_key(request: Request, principal: Principal) -> str:
    """The caller's Idempotency-Key, scoped to the caller, for the service's own dedupe."""
    key = request.headers.get("idempotency-key", "").strip()
    return f"{principal.subject}:{key}"[:200] if key else ""


def _attachment(content: bytes, media_type: str, file_name: str) -> Response:
    return Response(
        content=content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


# -- invoices and credit notes --------------------------------------------------------------------
@router.get("/invoices", response_model=InvoiceList, dependencies=[read], summary="List invoices")
async def list_invoices(
    request: Request,
    customer_id: str = Query(default="", max_length=64),
    type: DocumentType | None = None,
    status: list[InvoiceStatus] = Query(default=[]),
    issued_from: date | None = None,
    issued_to: date | None = None,
    overdue: bool = False,
    q: str = Query(default="", max_length=200, description="number or customer name"),
    contract_id: str = Query(default="", max_length=64),
    billing_run_id: str = Query(default="", max_length=64),
    source: InvoiceSource | None = None,
    page_size: int = PAGE_SIZE,
    page_token: str = PAGE_TOKEN,
) -> InvoiceList:
    message = pb.ListInvoicesRequest(
        page=_page(page_size, page_token),
        customer_id=customer_id,
        type=DOCUMENT_TYPES[type] if type else pb.DOCUMENT_TYPE_UNSPECIFIED,
        statuses=[STATUSES[s] for s in status],
        overdue_only=overdue,
        query=q,
        contract_id=contract_id,
        billing_run_id=billing_run_id,
        source=SOURCES[source] if source else pb.INVOICE_SOURCE_UNSPECIFIED,
    )
    if issued_from:
        message.issued_from.CopyFrom(date_message(issued_from))
    if issued_to:
        message.issued_to.CopyFrom(date_message(issued_to))
    response = await _facture(request).ListInvoices(message)
    return InvoiceList(
        items=[Invoice.from_proto(i) for i in response.invoices],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.post("/invoices", response_model=Invoice, status_code=201, summary="Create a draft invoice")
async def create_invoice(
    body: InvoiceBody, request: Request, principal: Principal = office
) -> Invoice:
    invoice = await _facture(request).CreateInvoice(
        pb.CreateInvoiceRequest(
            invoice=body.to_proto(), idempotency_key=_idempotency_key(request, principal)
        )
    )
    return Invoice.from_proto(invoice)


@router.get(
    "/invoices/{invoice_id}", response_model=Invoice, dependencies=[read], summary="Get an invoice"
)
async def get_invoice(invoice_id: str, request: Request) -> Invoice:
    return Invoice.from_proto(
        await _facture(request).GetInvoice(pb.GetInvoiceRequest(id=invoice_id))
    )


@router.put(
    "/invoices/{invoice_id}",
    response_model=Invoice,
    dependencies=[office],
    summary="Replace a draft's content (409 once issued)",
)
async def update_invoice(invoice_id: str, body: InvoiceBody, request: Request) -> Invoice:
    invoice = await _facture(request).UpdateInvoice(
        pb.UpdateInvoiceRequest(id=invoice_id, invoice=body.to_proto())
    )
    return Invoice.from_proto(invoice)


@router.delete(
    "/invoices/{invoice_id}",
    status_code=204,
    dependencies=[office],
    summary="Delete a draft (409 once issued)",
)
async def delete_invoice(invoice_id: str, request: Request) -> Response:
    await _facture(request).DeleteInvoice(pb.DeleteInvoiceRequest(id=invoice_id))
    return Response(status_code=204)


@router.post(
    "/invoices/{invoice_id}/issue",
    response_model=Invoice,
    dependencies=[Depends(accounting)],
    summary="Issue a draft: number, Factur-X PDF, hash chain",
)
async def issue_invoice(invoice_id: str, request: Request) -> Invoice:
    return Invoice.from_proto(
        await _facture(request).IssueInvoice(pb.IssueInvoiceRequest(id=invoice_id))
    )


@router.get(
    "/invoices/{invoice_id}/pdf",
    dependencies=[read],
    response_class=Response,
    responses={200: {"content": {PDF: {}}, "description": "The Factur-X PDF as issued"}},
    summary="Download the Factur-X PDF",
)
async def invoice_pdf(invoice_id: str, request: Request) -> Response:
    pdf = await _facture(request).GetInvoicePdf(pb.GetInvoicePdfRequest(invoice_id=invoice_id))
    return _attachment(pdf.content, PDF, pdf.file_name)


@router.post(
    "/invoices/{invoice_id}/credit-notes",
    response_model=Invoice,
    status_code=201,
    summary="Create a draft credit note correcting an issued invoice (all of it by default)",
)
async def create_credit_note(
    invoice_id: str, body: CreditNoteBody, request: Request, principal: Principal = office
) -> Invoice:
    credit_note = await _facture(request).CreateCreditNote(
        pb.CreateCreditNoteRequest(
            invoice_id=invoice_id,
            lines=[line.to_proto() for line in body.lines],
            reason=body.reason,
            idempotency_key=_idempotency_key(request, principal),
        )
    )
    return Invoice.from_proto(credit_note)


@router.get(
    "/invoice-chain/verification",
    response_model=ChainVerification,
    dependencies=[Depends(accounting)],
    summary="Verify the hash chain of every issued document",
)
async def verify_chain(request: Request) -> ChainVerification:
    return ChainVerification.from_proto(
        await _facture(request).VerifyChain(pb.VerifyChainRequest())
    )


@router.post(
    "/interventions/{intervention_id}/invoice",
    response_model=InterventionInvoice,
    summary="Invoice a completed intervention's billable items (once)",
)
async def invoice_intervention(
    intervention_id: str,
    body: InterventionInvoiceBody,
    request: Request,
    principal: Principal = Depends(accounting),
) -> InterventionInvoice:
    message = pb.InvoiceInterventionRequest(
        intervention_id=intervention_id,
        customer_id=body.customer_id,
        contract_id=body.contract_id,
        items=[pb.BillableItem(**item.model_dump()) for item in body.items],
        idempotency_key=_idempotency_key(request, principal),
    )
    if body.service_date:
        message.service_date.CopyFrom(date_message(body.service_date))
    response = await _facture(request).InvoiceIntervention(message)
    return InterventionInvoice(
        invoice=Invoice.from_proto(response.invoice) if response.HasField("invoice") else None,
        reason=response.reason,
    )


# -- billing runs ---------------------------------------------------------------------------------
@router.post(
    "/billing-runs",
    response_model=BillingRun,
    status_code=201,
    summary="Start a billing run (or a dry run previewing it)",
)
async def start_billing_run(
    body: BillingRunBody, request: Request, principal: Principal = Depends(accounting)
) -> BillingRun:
    message = pb.StartBillingRunRequest(
        contract_id=body.contract_id,
        dry_run=body.dry_run,
        wait=body.wait,
        idempotency_key=_idempotency_key(request, principal),
    )
    if body.period_start:
        message.period_start.CopyFrom(date_message(body.period_start))
    if body.from_date:
        message.from_date.CopyFrom(date_message(body.from_date))
    return BillingRun.from_proto(await _facture(request).StartBillingRun(message))


@router.get(
    "/billing-runs",
    response_model=BillingRunList,
    dependencies=[office],
    summary="List billing runs",
)
async def list_billing_runs(
    request: Request,
    status: RunStatus | None = None,
    page_size: int = PAGE_SIZE,
    page_token: str = PAGE_TOKEN,
) -> BillingRunList:
    response = await _facture(request).ListBillingRuns(
        pb.ListBillingRunsRequest(
            page=_page(page_size, page_token),
            status=RUN_STATUSES[status] if status else pb.BILLING_RUN_STATUS_UNSPECIFIED,
        )
    )
    return BillingRunList(
        items=[BillingRun.from_proto(r) for r in response.runs],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.get(
    "/billing-runs/{run_id}",
    response_model=BillingRun,
    dependencies=[office],
    summary="A billing run's progress and totals",
)
async def get_billing_run(run_id: str, request: Request) -> BillingRun:
    return BillingRun.from_proto(
        await _facture(request).GetBillingRun(pb.GetBillingRunRequest(id=run_id))
    )


@router.get(
    "/billing-runs/{run_id}/entries",
    response_model=BillingRunEntryList,
    dependencies=[office],
    summary="A billing run's report: issued, skipped and failed entries with reasons",
)
async def list_billing_run_entries(
    run_id: str,
    request: Request,
    outcome: EntryOutcome | None = None,
    page_size: int = Query(default=500, ge=1, le=2000),
    page_token: str = PAGE_TOKEN,
) -> BillingRunEntryList:
    response = await _facture(request).ListBillingRunEntries(
        pb.ListBillingRunEntriesRequest(
            run_id=run_id,
            outcome=OUTCOMES[outcome] if outcome else pb.BILLING_ENTRY_OUTCOME_UNSPECIFIED,
            page=_page(page_size, page_token),
        )
    )
    return BillingRunEntryList(
        items=[BillingRunEntry.from_proto(e) for e in response.entries],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.post(
    "/billing-runs/{run_id}/resume",
    response_model=BillingRun,
    dependencies=[Depends(accounting)],
    summary="Continue a stopped or failed billing run where it was",
)
async def resume_billing_run(run_id: str, request: Request, wait: bool = False) -> BillingRun:
    return BillingRun.from_proto(
        await _facture(request).ResumeBillingRun(pb.ResumeBillingRunRequest(id=run_id, wait=wait))
    )


# -- payments and balances ------------------------------------------------------------------------
@router.post("/payments", response_model=Payment, status_code=201, summary="Record a payment")
async def record_payment(
    body: PaymentBody, request: Request, principal: Principal = Depends(accounting)
) -> Payment:
    message = pb.RecordPaymentRequest(
        customer_id=body.customer_id,
        amount=body.amount.to_proto(),
        method=METHODS[body.method],  # type: ignore[arg-type]
        reference=body.reference,
        invoice_id=body.invoice_id,
        note=body.note,
        idempotency_key=_idempotency_key(request, principal),
    )
    if body.received_on:
        message.received_on.CopyFrom(date_message(body.received_on))
    return Payment.from_proto(await _facture(request).RecordPayment(message))


@router.get("/payments", response_model=PaymentList, dependencies=[read], summary="List payments")
async def list_payments(
    request: Request,
    customer_id: str = Query(default="", max_length=64),
    invoice_id: str = Query(default="", max_length=64),
    received_from: date | None = None,
    received_to: date | None = None,
    page_size: int = PAGE_SIZE,
    page_token: str = PAGE_TOKEN,
) -> PaymentList:
    message = pb.ListPaymentsRequest(
        page=_page(page_size, page_token), customer_id=customer_id, invoice_id=invoice_id
    )
    if received_from:
        message.received_from.CopyFrom(date_message(received_from))
    if received_to:
        message.received_to.CopyFrom(date_message(received_to))
    response = await _facture(request).ListPayments(message)
    return PaymentList(
        items=[Payment.from_proto(p) for p in response.payments],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.get(
    "/customers/{customer_id}/balance",
    response_model=CustomerBalance,
    dependencies=[read],
    summary="What a customer owes, with its open invoices and aging",
)
async def customer_balance(
    customer_id: str, request: Request, as_of: date | None = None
) -> CustomerBalance:
    message = pb.GetCustomerBalanceRequest(customer_id=customer_id)
    if as_of:
        message.as_of.CopyFrom(date_message(as_of))
    return CustomerBalance.from_proto(await _facture(request).GetCustomerBalance(message))


@router.get(
    "/receivables/aging",
    response_model=AgingReport,
    dependencies=[office],
    summary="Outstanding amounts per customer by days past due",
)
async def aging_report(
    request: Request,
    as_of: date | None = None,
    page_size: int = PAGE_SIZE,
    page_token: str = PAGE_TOKEN,
) -> AgingReport:
    message = pb.GetAgingReportRequest(page=_page(page_size, page_token))
    if as_of:
        message.as_of.CopyFrom(date_message(as_of))
    return AgingReport.from_proto(await _facture(request).GetAgingReport(message))


# -- dunning --------------------------------------------------------------------------------------
@router.post(
    "/dunning/runs",
    response_model=DunningRunResult,
    summary="Run dunning now: one letter per customer reaching a new level",
)
async def run_dunning(
    body: DunningRunBody, request: Request, principal: Principal = Depends(accounting)
) -> DunningRunResult:
    message = pb.RunDunningRequest(idempotency_key=_idempotency_key(request, principal))
    if body.as_of:
        message.as_of.CopyFrom(date_message(body.as_of))
    response = await _facture(request).RunDunning(message)
    return DunningRunResult(
        letters=[DunningLetter.from_proto(letter) for letter in response.letters],
        paused_customer_ids=list(response.paused_customer_ids),
    )


@router.get(
    "/dunning/letters",
    response_model=DunningLetterList,
    dependencies=[read],
    summary="List dunning letters",
)
async def list_dunning_letters(
    request: Request,
    customer_id: str = Query(default="", max_length=64),
    level: DunningLevel | None = None,
    page_size: int = PAGE_SIZE,
    page_token: str = PAGE_TOKEN,
) -> DunningLetterList:
    response = await _facture(request).ListDunningLetters(
        pb.ListDunningLettersRequest(
            page=_page(page_size, page_token),
            customer_id=customer_id,
            level=LEVELS[level] if level else pb.DUNNING_LEVEL_UNSPECIFIED,
        )
    )
    return DunningLetterList(
        items=[DunningLetter.from_proto(letter) for letter in response.letters],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.put(
    "/customers/{customer_id}/dunning-pause",
    response_model=DunningPause,
    dependencies=[Depends(accounting)],
    summary="Pause or resume dunning for a customer",
)
async def set_dunning_pause(
    customer_id: str, body: DunningPauseBody, request: Request
) -> DunningPause:
    message = pb.SetDunningPauseRequest(
        customer_id=customer_id, paused=body.paused, reason=body.reason
    )
    if body.until:
        message.until.CopyFrom(date_message(body.until))
    pause = await _facture(request).SetDunningPause(message)
    return DunningPause(
        customer_id=pause.customer_id,
        paused=pause.paused,
        until=date(pause.until.year, pause.until.month, pause.until.day)
        if pause.HasField("until")
        else None,
        reason=pause.reason,
    )


# -- exports --------------------------------------------------------------------------------------
def _range(first: date, last: date) -> pb.ExportRequest:
    return pb.ExportRequest(from_date=date_message(first), to_date=date_message(last))


EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The file"}
}


@router.get(
    "/exports/invoices.csv",
    dependencies=[Depends(accounting)],
    response_class=Response,
    responses=EXPORT_RESPONSES,
    summary="Issued invoices and credit notes as CSV",
)
async def export_invoices(request: Request, from_date: date, to_date: date) -> Response:
    file = await _facture(request).ExportInvoices(_range(from_date, to_date))
    return _attachment(file.content, file.content_type, file.file_name)


@router.get(
    "/exports/payments.csv",
    dependencies=[Depends(accounting)],
    response_class=Response,
    responses=EXPORT_RESPONSES,
    summary="Payments as CSV",
)
async def export_payments(request: Request, from_date: date, to_date: date) -> Response:
    file = await _facture(request).ExportPayments(_range(from_date, to_date))
    return _attachment(file.content, file.content_type, file.file_name)


@router.get(
    "/exports/fec",
    dependencies=[Depends(accounting)],
    response_class=Response,
    responses={200: {"content": {"text/tab-separated-values": {}}, "description": "FEC file"}},
    summary="Sales and bank journal entries in the FEC layout",
)
async def export_fec(request: Request, from_date: date, to_date: date) -> Response:
    file = await _facture(request).ExportFec(_range(from_date, to_date))
    return _attachment(file.content, file.content_type, file.file_name)
