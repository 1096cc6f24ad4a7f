"""Fetches attachments from their owning services at send time, over gRPC with this service's
own account: invoice PDFs from facture, intervention report PDFs from intervention; and, when an
invoice e-mail is queued, what it prints of the invoice."""

from __future__ import annotations

import grpc
from aquaerp.facture.v1 import facture_pb2, facture_pb2_grpc
from aquaerp.intervention.v1 import intervention_pb2, intervention_pb2_grpc
from aquaerp_runtime.convert import optional_date
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, Unavailable

from .delivery import AttachmentMissing, AttachmentUnavailable, FetchedDocument
from .service import INVOICE_PDF, REPORT_PDF, InvoiceFacts

# The document does not exist or cannot be produced: retrying will not help.
PERMANENT_CODES = (
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.INVALID_ARGUMENT,
)


class GrpcDocumentSource:
    def __init__(
        self, facture: grpc.aio.Channel, intervention: grpc.aio.Channel, *, timeout: float = 20.0
    ) -> None:
        self.timeout = timeout
        self._invoices = facture_pb2_grpc.FactureServiceStub(facture)
        self._interventions = intervention_pb2_grpc.InterventionServiceStub(intervention)

    async def fetch(self, source: str, reference: str) -> FetchedDocument:
        try:
            if source == INVOICE_PDF:
                invoice = await self._invoices.GetInvoicePdf(
                    facture_pb2.GetInvoicePdfRequest(invoice_id=reference), timeout=self.timeout
                )
                name = invoice.file_name or f"facture-{invoice.invoice_number or reference}.pdf"
                return self._document(invoice.content, name, source, reference)
            if source == REPORT_PDF:
                report = await self._interventions.GetReportPdf(
                    intervention_pb2.GetReportPdfRequest(id=reference), timeout=self.timeout
                )
                name = report.filename or f"rapport-{reference}.pdf"
                return self._document(report.pdf, name, source, reference)
        except grpc.aio.AioRpcError as error:
            what = f"{source} {reference}: {error.code().name} {error.details()}"
            if error.code() in PERMANENT_CODES:
                raise AttachmentMissing(what) from None
            raise AttachmentUnavailable(what) from None
        raise AttachmentMissing(f"unknown attachment source {source!r}")

    async def invoice_facts(self, invoice_id: str) -> InvoiceFacts:
        try:
            invoice = await self._invoices.GetInvoice(
                facture_pb2.GetInvoiceRequest(id=invoice_id), timeout=self.timeout
            )
        except grpc.aio.AioRpcError as error:
            if error.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                raise InvalidArgument(
                    "facture knows no such invoice", fields={"invoice_id": "unknown invoice"}
                ) from None
            raise Unavailable("the invoicing service is unavailable; try again") from None
        issue_date = optional_date(invoice, "issue_date")
        if invoice.status == facture_pb2.INVOICE_STATUS_DRAFT or issue_date is None:
            raise FailedPrecondition("only an issued invoice is sent by e-mail")
        return InvoiceFacts(
            number=invoice.number,
            customer_name=invoice.buyer.name,
            email=invoice.buyer.email,
            issue_date=issue_date,
            due_date=optional_date(invoice, "due_date") or issue_date,
            amount_due_cents=invoice.amount_due.amount_cents,
        )

    @staticmethod
    def _document(content: bytes, file_name: str, source: str, reference: str) -> FetchedDocument:
        if not content:
            raise AttachmentMissing(f"{source} {reference}: empty document")
        return FetchedDocument(content, file_name)
