"""Marketing e-mails go only to customers who agreed to offers (consent recorded by contrat),
at their own address; service e-mails (reminders, invoices...) go whatever the consent. A real
contrat service, the mailer and an aiosmtpd peer."""

from __future__ import annotations

import uuid

import grpc
from aquaerp.contrat.v1 import contrat_pb2, contrat_pb2_grpc
from aquaerp.mailer.v1 import mailer_pb2
from aquaerp_contrat.app import SPEC as CONTRAT
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, bearer, rpc_error
from google.protobuf import struct_pb2

from .conftest import MailerFactory, SmtpSink

OFFER = {"customer_name": "Mme Claire Dupont", "offer_end": "2027-05-31"}
REMINDER = {
    "customer_name": "Mme Claire Dupont",
    "invoice_number": "F-2027-000042",
    "issue_date": "2027-01-05",
    "due_date": "2027-02-04",
    "amount_due_cents": 23880,
    "payment_reference": "F-2027-000042",
}


def _struct(values: dict[str, object]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(values)
    return result


def _request(
    template: str, email: str, customer_id: str, variables: dict[str, object]
) -> mailer_pb2.SendEmailRequest:
    return mailer_pb2.SendEmailRequest(
        template=template,
        to=[mailer_pb2.Recipient(email=email, name="Claire Dupont")],
        variables=_struct(variables),
        idempotency_key=f"test:{uuid.uuid4()}",
        customer_id=customer_id,
    )


async def test_offers_need_the_customers_consent_service_emails_do_not(
    rollback_database: Database,
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
    services: ServiceHarness,
    auth_service: AuthFixture,
) -> None:
    contrat = await services.start(
        CONTRAT, database=rollback_database, targets={"auth": auth_service.target}
    )
    mailer = await start_mailer(smtp_sink, targets_contrat=contrat.target)
    office = bearer(await auth_service.token("bureau"))
    channel = create_channel(contrat.target)
    customers = contrat_pb2_grpc.ContratServiceStub(channel)

    async def customer(email: str, consent: bool) -> str:
        created = await customers.CreateCustomer(
            contrat_pb2.CreateCustomerRequest(
                customer=contrat_pb2.CustomerInput(
                    type=contrat_pb2.CUSTOMER_TYPE_PRIVATE,
                    name="Claire Dupont",
                    billing_email=email,
                    marketing_consent=consent,
                    marketing_consent_source="formulaire papier" if consent else "",
                )
            ),
            metadata=office,
        )
        return str(created.id)

    try:
        agreed = await customer("claire@example.fr", True)
        refused = await customer("paul@example.fr", False)

        # Without consent: refused, nothing queued.
        error = await rpc_error(
            mailer.stub.SendEmail(
                _request("season_opening", "paul@example.fr", refused, OFFER), metadata=office
            )
        )
        assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
        # Without naming the customer, or to someone else's address: 422 naming the field.
        for request, field in (
            (_request("season_opening", "paul@example.fr", "", OFFER), "customer_id"),
            (_request("season_opening", "paul@example.fr", agreed, OFFER), "to"),
        ):
            error = await rpc_error(mailer.stub.SendEmail(request, metadata=office))
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert field in field_violations(error.trailing_metadata())

        # A service e-mail to the customer who refused offers still goes.
        reminder = await mailer.stub.SendEmail(
            _request("payment_reminder", "paul@example.fr", "", REMINDER), metadata=office
        )
        # The offer goes to the customer who agreed.
        offer = await mailer.stub.SendEmail(
            _request("season_opening", "claire@example.fr", agreed, OFFER), metadata=office
        )
        received = await smtp_sink.wait_for(2)
        assert sorted(r.rcpt_tos[0] for r in received) == ["claire@example.fr", "paul@example.fr"]
        rows = await mailer.fetch("SELECT id, template FROM mailer.messages")
        assert {str(r["id"]): r["template"] for r in rows} == {
            reminder.id: "payment_reminder",
            offer.id: "season_opening",
        }
    finally:
        await channel.close()
