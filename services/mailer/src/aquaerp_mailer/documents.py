"""Fetches attachments from their owning services at send time, over gRPC with this service's
own account: invoice PDFs from facture, intervention report PDFs from intervention."""

from __future__ import annotations

from typing import Any

import grpc
from aquaerp.intervention.v1 import intervention_pb2, intervention_pb2_grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from .delivery import AttachmentMissing, AttachmentUnavailable, FetchedDocument
from .service import INVOICE_PDF, REPORT_PDF

GET_INVOICE_PDF = "/aquaerp.facture.v1.FactureService/GetInvoicePdf"
PERMANENT_CODES = (
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.INVALID_ARGUMENT,
)


def _invoice_pdf_messages() -> tuple[Any, Any]:
    """GetInvoicePdfRequest{string invoice_id = 1} and InvoicePdf{bytes content = 1; string
    file_name = 2; string invoice_number = 3} of aquaerp.facture.v1, declared in a private
    descriptor pool so they never clash with facture's generated code."""
    file = descriptor_pb2.FileDescriptorProto(
        name="aquaerp_mailer/facture_invoice_pdf.proto",
        package="aquaerp.facture.v1",
        syntax="proto3",
    )
    string, bytes_ = (
        descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
        descriptor_pb2.FieldDescriptorProto.TYPE_BYTES,
    )
    optional = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    request = file.message_type.add(name="GetInvoicePdfRequest")
    request.field.add(name="invoice_id", number=1, type=string, label=optional)
    response = file.message_type.add(name="InvoicePdf")
    response.field.add(name="content", number=1, type=bytes_, label=optional)
    response.field.add(name="file_name", number=2, type=string, label=optional)
    response.field.add(name="invoice_number", number=3, type=string, label=optional)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return (
        message_factory.GetMessageClass(
            pool.FindMessageTypeByName("aquaerp.facture.v1.GetInvoicePdfRequest")
        ),
        message_factory.GetMessageClass(
            pool.FindMessageTypeByName("aquaerp.facture.v1.InvoicePdf")
        ),
    )


GetInvoicePdfRequest, InvoicePdf = _invoice_pdf_messages()


class GrpcDocumentSource:
    def __init__(
        self, facture: grpc.aio.Channel, intervention: grpc.aio.Channel, *, timeout: float = 20.0
    ) -> None:
        self.timeout = timeout
        self._invoice_pdf = facture.unary_unary(
            GET_INVOICE_PDF,
            request_serializer=GetInvoicePdfRequest.SerializeToString,
            response_deserializer=InvoicePdf.FromString,
        )
        self._interventions = intervention_pb2_grpc.InterventionServiceStub(intervention)

    async def fetch(self, source: str, reference: str) -> FetchedDocument:
        try:
            if source == INVOICE_PDF:
                invoice = await self._invoice_pdf(
                    GetInvoicePdfRequest(invoice_id=reference), timeout=self.timeout
                )
                name = invoice.file_name or f"facture-{invoice.invoice_number or reference}.pdf"
                return self._document(invoice.content, name, source, reference)
            if source == REPORT_PDF:
                report = await self._interventions.GetReportPdf(
                    intervention_pb2.GetReportPdfRequest(id=reference), timeout=self.timeout
                )
                return self._document(
                    report.pdf, report.filename or f"rapport-{reference}.pdf", source, reference
                )
        except grpc.aio.AioRpcError as error:
            what = f"{source} {reference}: {error.code().name} {error.details()}"
            if error.code() in PERMANENT_CODES:
                raise AttachmentMissing(what) from None
            raise AttachmentUnavailable(what) from None
        raise AttachmentMissing(f"unknown attachment source {source!r}")

    @staticmethod
    def _document(content: bytes, file_name: str, source: str, reference: str) -> FetchedDocument:
        if not content:
            raise AttachmentMissing(f"{source} {reference}: empty document")
        return FetchedDocument(content, file_name)
