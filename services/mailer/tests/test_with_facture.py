"""The invoice email with the real facture service: an invoice issued by facture (Factur-X PDF
rendered at issue) is fetched by the mailer at send time and arrives attached, byte for byte.
contrat and facture run on the test's rolled-back transaction; the mailer on the database."""

from __future__ import annotations

import io

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp.facture.v1 import facture_pb2 as fpb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp.mailer.v1 import mailer_pb2
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import (
    AuthFixture,
    ServiceHarness,
    bearer,
    rpc_error,
    service_account_settings,
)
from pypdf import PdfReader

from .conftest import MailerFactory, SmtpSink
from .test_sending import SAMPLES, struct


async def test_the_issued_invoice_pdf_is_attached(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
) -> None:
    contrat = await services.start(
        load_service("contrat"), database=rollback_database, targets={"auth": auth_service.target}
    )
    facture = await services.start(
        load_service("facture"),
        database=rollback_database,
        targets={"auth": auth_service.target, "contrat": contrat.target},
        render_processes=1,
        **service_account_settings("facture"),
    )
    mailer = await start_mailer(smtp_sink, targets_facture=facture.target)
    office, accounting = (
        bearer(await auth_service.token("bureau")),
        bearer(await auth_service.token("compta")),
    )
    contrat_channel = create_channel(contrat.target, default_timeout=30)
    facture_channel = create_channel(facture.target, default_timeout=60)
    try:
        customer = await contrat_pb2_grpc.ContratServiceStub(contrat_channel).CreateCustomer(
            cpb.CreateCustomerRequest(
                customer=cpb.CustomerInput(
                    type=cpb.CUSTOMER_TYPE_PRIVATE,
                    name="Claire Dupont",
                    billing_address=common_pb2.Address(
                        lines=["8 chemin des Vignes"],
                        postal_code="69140",
                        city="Rillieux-la-Pape",
                        country="FR",
                    ),
                    billing_contact_name="Claire Dupont",
                    billing_email="claire.dupont@example.fr",
                )
            ),
            metadata=office,
        )
        invoices = facture_pb2_grpc.FactureServiceStub(facture_channel)
        draft = await invoices.CreateInvoice(
            fpb.CreateInvoiceRequest(
                invoice=fpb.InvoiceInput(
                    customer_id=customer.id,
                    lines=[
                        fpb.InvoiceLineInput(
                            description="Entretien piscine",
                            quantity="1",
                            unit_code="C62",
                            unit_price=common_pb2.Money(amount_cents=19900, currency="EUR"),
                            vat_rate="20",
                        )
                    ],
                )
            ),
            metadata=office,
        )
        issued = await invoices.IssueInvoice(
            fpb.IssueInvoiceRequest(id=draft.id), metadata=accounting
        )
        stored = await invoices.GetInvoicePdf(
            fpb.GetInvoicePdfRequest(invoice_id=draft.id), metadata=accounting
        )
    finally:
        await contrat_channel.close()
        await facture_channel.close()

    # The caller names the invoice only: what it would print otherwise is ignored.
    forged = {**SAMPLES["invoice_issued"], "invoice_number": "FAUX-1", "amount_due_cents": 1}
    queued = await mailer.stub.SendInvoiceEmail(
        mailer_pb2.SendInvoiceEmailRequest(
            invoice_id=draft.id,
            variables=struct(forged),
            message="Merci pour votre confiance.",
            idempotency_key=f"invoice-issued:{draft.id}",
        ),
        metadata=accounting,
    )
    [received] = await smtp_sink.wait_for(1, timeout=30)
    assert received.message["To"] == "Claire Dupont <claire.dupont@example.fr>"
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    assert issued.number in text and "238,80" in text and "Merci pour votre confiance." in text
    assert "FAUX-1" not in text and "0,01" not in text
    for invoice_id, field in (("00000000-0000-4000-8000-000000000000", "invoice_id"),):
        unknown = await rpc_error(
            mailer.stub.SendInvoiceEmail(
                mailer_pb2.SendInvoiceEmailRequest(invoice_id=invoice_id, idempotency_key="k"),
                metadata=accounting,
            )
        )
        assert unknown.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field_violations(unknown.trailing_metadata()) == {field: "unknown invoice"}
    [pdf] = list(received.message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == f"{issued.number}.pdf" == stored.file_name
    assert pdf.get_content() == stored.content  # exactly as issued
    assert list(PdfReader(io.BytesIO(pdf.get_content())).attachments) == ["factur-x.xml"]
    assert issued.number in str(received.message["Subject"])
    await mailer.wait_status(queued.id, "sent")
