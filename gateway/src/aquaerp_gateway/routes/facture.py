"""/api/v1 invoicing routes that return files: the invoice's Factur-X PDF and the accounting
exports. Every other facture route comes from the `google.api.http` rules of facture.proto."""

from __future__ import annotations

from datetime import date
from typing import Any

from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA
from aquaerp_runtime.convert import date_message
from fastapi import APIRouter, Depends, Request, Response

from ..codec import DateInput
from ..security import require

router = APIRouter(tags=["facture"])
READ = Depends(require(ADMIN, BUREAU, COMPTA, CLIENT))
ACCOUNTING = Depends(require(ADMIN, COMPTA))
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The file"}
}


def _facture(request: Request) -> facture_pb2_grpc.FactureServiceStub:
    stub: facture_pb2_grpc.FactureServiceStub = request.app.state.clients.stub(
        "facture", facture_pb2_grpc.FactureServiceStub
    )
    return stub


def _attachment(content: bytes, media_type: str, file_name: str) -> Response:
    return Response(
        content=content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


def _range(first: date, last: date) -> pb.ExportRequest:
    return pb.ExportRequest(from_date=date_message(first), to_date=date_message(last))


@router.get(
    "/invoices/{invoice_id}/pdf",
    dependencies=[READ],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The Factur-X PDF"}},
    summary="The invoice's Factur-X PDF as issued",
)
async def invoice_pdf(invoice_id: str, request: Request) -> Response:
    pdf = await _facture(request).GetInvoicePdf(pb.GetInvoicePdfRequest(invoice_id=invoice_id))
    return _attachment(pdf.content, "application/pdf", pdf.file_name)


@router.get(
    "/exports/invoices.csv",
    dependencies=[ACCOUNTING],
    response_class=Response,
    responses=CSV,
    summary="Issued invoices and credit notes as CSV",
)
async def export_invoices(request: Request, from_date: DateInput, to_date: DateInput) -> Response:
    file = await _facture(request).ExportInvoices(_range(from_date, to_date))
    return _attachment(file.content, file.content_type, file.file_name)


@router.get(
    "/exports/payments.csv",
    dependencies=[ACCOUNTING],
    response_class=Response,
    responses=CSV,
    summary="Payments as CSV",
)
async def export_payments(request: Request, from_date: DateInput, to_date: DateInput) -> Response:
    file = await _facture(request).ExportPayments(_range(from_date, to_date))
    return _attachment(file.content, file.content_type, file.file_name)


@router.get(
    "/exports/fec",
    dependencies=[ACCOUNTING],
    response_class=Response,
    responses={200: {"content": {"text/tab-separated-values": {}}, "description": "FEC file"}},
    summary="Sales and bank journal entries in the FEC layout",
)
async def export_fec(request: Request, from_date: DateInput, to_date: DateInput) -> Response:
    file = await _facture(request).ExportFec(_range(from_date, to_date))
    return _attachment(file.content, file.content_type, file.file_name)
