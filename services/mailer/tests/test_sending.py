"""Sending through the real service, its real delivery worker and a real SMTP peer."""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import json
import os
import ssl
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import grpc
from aiosmtpd.smtp import AuthResult
from aquaerp.auth.v1 import auth_pb2
from aquaerp.common.v1 import common_pb2
from aquaerp.mailer.v1 import mailer_pb2
from aquaerp_mailer.config import CompanyBranding
from aquaerp_mailer.repository import MailerRepository
from aquaerp_mailer.service import message_id_for
from aquaerp_mailer.templates import TemplateCatalog
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.testing.plugin import SERVICE_ACCOUNT_SECRET, AuthFixture, bearer, rpc_error
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from google.protobuf import json_format
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp

from .conftest import DocumentPeer, MailerFactory, SinkHandler, SmtpSink

SAMPLES = {t.name: t.sample for t in TemplateCatalog(CompanyBranding()).templates()}
INVOICE_SUBJECT = "Votre facture F-2027-000042 \u2013 AquaERP Piscines"
PDF = b"%PDF-1.7\n" + os.urandom(30_000) + b"\n%%EOF\n"


def struct(values: dict) -> Struct:
    message = Struct()
    message.update(values)
    return message


def customer(email: str = "claire.dupont@example.fr") -> mailer_pb2.Recipient:
    return mailer_pb2.Recipient(email=email, name="Mme Claire Dupont")


async def invoice_email(
    mailer, token: str, key: str, invoice_id: str = "inv-1", email: str = "claire.dupont@example.fr"
):  # type: ignore[no-untyped-def]
    return await mailer.stub.SendInvoiceEmail(
        mailer_pb2.SendInvoiceEmailRequest(
            invoice_id=invoice_id,
            recipient=customer(email),
            variables=struct(SAMPLES["invoice_issued"]),
            idempotency_key=key,
        ),
        metadata=bearer(token),
    )


async def test_invoice_email_carries_the_pdf_and_both_alternatives(
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
    auth_service: AuthFixture,
    document_peer: tuple[DocumentPeer, str],
) -> None:
    peer, _ = document_peer
    peer.invoices["inv-1"] = (PDF, "F-2027-000042.pdf", "F-2027-000042")
    mailer = await start_mailer(smtp_sink)
    token = await auth_service.token("compta")

    queued = await invoice_email(mailer, token, "invoice-issued:inv-1")
    assert queued.status in (
        mailer_pb2.EMAIL_STATUS_QUEUED,
        mailer_pb2.EMAIL_STATUS_SENDING,
        mailer_pb2.EMAIL_STATUS_SENT,
    )
    assert queued.message_id == message_id_for("invoice-issued:inv-1", "aquaerp.local")
    assert queued.attachments[0].reference.kind == mailer_pb2.ATTACHMENT_KIND_INVOICE_PDF

    [received] = await smtp_sink.wait_for(1)
    assert received.rcpt_tos == ["claire.dupont@example.fr"]
    message = received.message
    assert message["Message-ID"] == queued.message_id
    assert message["Subject"] == INVOICE_SUBJECT
    assert message.get_content_type() == "multipart/mixed"
    alternative = message.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html"]
    assert "238,80\u00a0€" in message.get_body(("plain",)).get_content()
    assert "<strong>238,80\u00a0€ TTC</strong>" in message.get_body(("html",)).get_content()
    [pdf] = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "F-2027-000042.pdf"
    assert pdf.get_content() == PDF

    sent = await mailer.wait_status(queued.id, "sent")
    assert sent["attempts"] == 1 and sent["last_smtp_code"] == 250
    email = await mailer.stub.GetEmail(
        mailer_pb2.GetEmailRequest(id=queued.id), metadata=bearer(token)
    )
    assert email.status == mailer_pb2.EMAIL_STATUS_SENT
    assert email.last_smtp_response.startswith("250 ")
    assert email.sent_time.seconds > 0 and email.attempts == 1

    listed = await mailer.stub.ListEmails(
        mailer_pb2.ListEmailsRequest(document=mailer_pb2.DocumentRef(type="invoice", id="inv-1")),
        metadata=bearer(token),
    )
    assert [e.id for e in listed.emails] == [queued.id]
    # Success is a status, not an event: only failures need someone's attention.
    assert await mailer.fetch("SELECT event_type FROM mailer.outbox") == []


async def test_the_idempotency_key_never_produces_a_second_message(
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
    auth_service: AuthFixture,
    document_peer: tuple[DocumentPeer, str],
) -> None:
    document_peer[0].invoices["inv-2"] = (PDF, "F-2.pdf", "F-2")
    mailer = await start_mailer(smtp_sink)
    token = await auth_service.token("bureau")
    first, second = await asyncio.gather(
        invoice_email(mailer, token, "invoice-issued:inv-2", "inv-2"),
        invoice_email(mailer, token, "invoice-issued:inv-2", "inv-2"),
    )
    await mailer.wait_status(first.id, "sent")
    third = await invoice_email(
        mailer, token, "invoice-issued:inv-2", "inv-2", email="autre@example.fr"
    )
    assert first.id == second.id == third.id
    assert third.status == mailer_pb2.EMAIL_STATUS_SENT and list(third.to) == list(first.to)
    await asyncio.sleep(0.3)
    assert len(smtp_sink.received) == 1
    assert (await mailer.fetch("SELECT count(*) AS n FROM mailer.messages"))[0]["n"] == 1


async def test_a_550_rejection_is_permanent_and_emits_the_failure_event(
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
    auth_service: AuthFixture,
    document_peer: tuple[DocumentPeer, str],
) -> None:
    document_peer[0].invoices["inv-3"] = (PDF, "F-3.pdf", "F-3")
    smtp_sink.handler.rules.append(
        lambda stage, address: (
            "550 5.1.1 <inconnu@example.fr>: user unknown"
            if address == "inconnu@example.fr"
            else None
        )
    )
    mailer = await start_mailer(smtp_sink)
    token = await auth_service.token("compta")
    queued = await invoice_email(
        mailer, token, "invoice-issued:inv-3", "inv-3", email="inconnu@example.fr"
    )
    failed = await mailer.wait_status(queued.id, "failed_permanent")
    assert failed["attempts"] == 1
    assert failed["last_smtp_code"] == 550
    assert "user unknown" in failed["last_smtp_response"]
    await asyncio.sleep(0.5)  # no retry follows
    assert (await mailer.fetch("SELECT attempts FROM mailer.messages"))[0]["attempts"] == 1
    assert smtp_sink.received == []
    [event] = await mailer.fetch("SELECT * FROM mailer.outbox")
    assert event["event_type"] == "mailer.email.failed"
    assert event["aggregate_type"] == "email" and event["aggregate_id"] == queued.id
    payload = event["payload"]
    assert payload["document_type"] == "invoice" and payload["document_id"] == "inv-3"
    assert payload["template"] == "invoice_issued" and payload["to"] == ["inconnu@example.fr"]
    assert payload["smtp_code"] == 550 and "user unknown" in payload["smtp_response"]

    # The office can queue it again once the address is fixed on the server side.
    smtp_sink.handler.rules.clear()
    again = await mailer.stub.RetryEmail(
        mailer_pb2.RetryEmailRequest(id=queued.id), metadata=bearer(token)
    )
    assert again.status == mailer_pb2.EMAIL_STATUS_QUEUED and again.attempts == 0
    await mailer.wait_status(queued.id, "sent")
    assert smtp_sink.received[0].message_id == queued.message_id
    error = await rpc_error(
        mailer.stub.RetryEmail(mailer_pb2.RetryEmailRequest(id=queued.id), metadata=bearer(token))
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_421_is_retried_with_growing_backoff(
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
    auth_service: AuthFixture,
    document_peer: tuple[DocumentPeer, str],
) -> None:
    document_peer[0].invoices["inv-4"] = (PDF, "F-4.pdf", "F-4")
    refusals = iter(["421 4.3.2 try again later"] * 3)
    smtp_sink.handler.rules.append(
        lambda stage, address: next(refusals, None) if stage == "data" else None
    )
    mailer = await start_mailer(smtp_sink)
    token = await auth_service.token("compta")
    queued = await invoice_email(mailer, token, "invoice-issued:inv-4", "inv-4")
    sent = await mailer.wait_status(queued.id, "sent")
    assert sent["attempts"] == 4
    times = [at for at, _ in smtp_sink.handler.data_attempts]
    assert [reply[:3] for _, reply in smtp_sink.handler.data_attempts] == [
        "421",
        "421",
        "421",
        "250",
    ]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # base 0.2 s doubled per attempt, with jitter in [50%, 100%]: at least 0.1, 0.2, 0.4 s.
    for gap, minimum in zip(gaps, (0.1, 0.2, 0.4), strict=True):
        assert gap >= minimum, gaps
    assert len(smtp_sink.received) == 1


async def test_connection_refused_is_retried_until_the_server_is_back(
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
    auth_service: AuthFixture,
    document_peer: tuple[DocumentPeer, str],
) -> None:
    document_peer[0].invoices["inv-5"] = (PDF, "F-5.pdf", "F-5")
    smtp_sink.stop()
    mailer = await start_mailer(smtp_sink, max_attempts=50)
    token = await auth_service.token("compta")
    queued = await invoice_email(mailer, token, "invoice-issued:inv-5", "inv-5")
    retrying = await mailer.wait_status(queued.id, "failed_retrying")
    assert "connect" in retrying["last_error"] and retrying["last_smtp_code"] == 0
    assert retrying["due_at"] > retrying["last_attempt_at"]
    email = await mailer.stub.GetEmail(
        mailer_pb2.GetEmailRequest(id=queued.id), metadata=bearer(token)
    )
    assert (
        email.status == mailer_pb2.EMAIL_STATUS_FAILED_RETRYING
        and email.next_attempt_time.seconds > 0
    )
    async with Database(mailer.engine).unit_of_work() as session:
        counts, overdue = await MailerRepository(session).pending_by_status(
            mailer.running.ctx.clock.now()
        )
    # The one email is waiting for its next attempt (or in it), not lost from the queue.
    assert sum(counts.values()) == 1 and set(counts) <= {"failed_retrying", "sending"}
    assert 0.0 <= overdue < 5.0
    await asyncio.sleep(1.0)
    smtp_sink.start()
    sent = await mailer.wait_status(queued.id, "sent")
    assert sent["attempts"] >= 2
    assert len(smtp_sink.received) == 1


async def test_a_missing_invoice_fails_for_good(
    start_mailer: MailerFactory, smtp_sink: SmtpSink, auth_service: AuthFixture
) -> None:
    mailer = await start_mailer(smtp_sink)
    token = await auth_service.token("compta")
    queued = await invoice_email(mailer, token, "invoice-issued:nope", "nope")
    failed = await mailer.wait_status(queued.id, "failed_permanent")
    assert "NOT_FOUND" in failed["last_error"]
    [event] = await mailer.fetch(
        "SELECT payload FROM mailer.outbox WHERE event_type = 'mailer.email.failed'"
    )
    assert event["payload"]["document_id"] == "nope"


async def test_facture_unavailable_is_retried(
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
    auth_service: AuthFixture,
    document_peer: tuple[DocumentPeer, str],
) -> None:
    peer, _ = document_peer
    peer.invoices["inv-6"] = (PDF, "F-6.pdf", "F-6")
    peer.unavailable = True
    mailer = await start_mailer(smtp_sink, max_attempts=50)
    token = await auth_service.token("compta")
    queued = await invoice_email(mailer, token, "invoice-issued:inv-6", "inv-6")
    retrying = await mailer.wait_status(queued.id, "failed_retrying")
    assert "UNAVAILABLE" in retrying["last_error"]
    peer.unavailable = False
    await mailer.wait_status(queued.id, "sent")
    assert len(smtp_sink.received) == 1


async def test_generic_send_with_inline_attachment_and_copy(
    start_mailer: MailerFactory, smtp_sink: SmtpSink, auth_service: AuthFixture
) -> None:
    mailer = await start_mailer(smtp_sink)
    token = await auth_service.token("bureau")
    queued = await mailer.stub.SendEmail(
        mailer_pb2.SendEmailRequest(
            template="payment_reminder",
            to=[customer()],
            cc=[mailer_pb2.Recipient(email="compta@jardins-du-lac.fr")],
            variables=struct(SAMPLES["payment_reminder"]),
            attachments=[
                mailer_pb2.Attachment(
                    file_name="relevé.pdf", content_type="application/pdf", content=PDF
                )
            ],
            document=mailer_pb2.DocumentRef(type="invoice", id="inv-7"),
            idempotency_key="reminder:inv-7:1",
        ),
        metadata=bearer(token),
    )
    assert queued.attachments[0].size == len(PDF)
    [received] = await smtp_sink.wait_for(1)
    assert sorted(received.rcpt_tos) == ["claire.dupont@example.fr", "compta@jardins-du-lac.fr"]
    assert received.message["Cc"] == "compta@jardins-du-lac.fr"
    [attachment] = list(received.message.iter_attachments())
    assert attachment.get_filename() == "relevé.pdf" and attachment.get_content() == PDF


async def test_appointment_emails_carry_an_updated_invitation(
    start_mailer: MailerFactory, smtp_sink: SmtpSink, auth_service: AuthFixture
) -> None:
    mailer = await start_mailer(smtp_sink)
    token = await auth_service.token("bureau")
    variables = {
        k: v
        for k, v in SAMPLES["appointment_notice"].items()
        if not k.startswith("appointment_") and k != "location"
    }

    async def send(kind: int, start: datetime, key: str) -> mailer_pb2.Email:
        start_stamp, end_stamp = Timestamp(), Timestamp()
        start_stamp.FromDatetime(start)
        end_stamp.FromDatetime(start + timedelta(hours=2))
        return await mailer.stub.SendAppointmentEmail(
            mailer_pb2.SendAppointmentEmailRequest(
                intervention_id="itv-9",
                kind=kind,
                recipient=customer(),
                start_time=start_stamp,
                end_time=end_stamp,
                location="8 chemin des Vignes, 69140 Rillieux-la-Pape",
                variables=struct(variables),
                idempotency_key=key,
            ),
            metadata=bearer(token),
        )

    await send(
        mailer_pb2.APPOINTMENT_KIND_NOTICE,
        datetime(2027, 4, 15, 7, 0, tzinfo=UTC),
        "appointment:itv-9:1",
    )
    changed = await send(
        mailer_pb2.APPOINTMENT_KIND_CHANGE,
        datetime(2027, 4, 16, 12, 0, tzinfo=UTC),
        "appointment:itv-9:2",
    )
    assert changed.template == "appointment_change"
    received = await smtp_sink.wait_for(2)
    invitations = {}
    for item in received:
        [ics] = list(item.message.iter_attachments())
        assert ics.get_content_type() == "text/calendar" and ics.get_param("method") == "REQUEST"
        assert ics.get_filename() == "rendez-vous.ics"
        lines = ics.get_content().replace("\r\n ", "").splitlines()
        invitations[str(item.message["Subject"])] = lines
    notice = next(v for k, v in invitations.items() if k.startswith("Votre rendez-vous"))
    change = next(v for k, v in invitations.items() if k.startswith("Changement"))
    assert "DTSTART;TZID=Europe/Paris:20270415T090000" in notice and "SEQUENCE:0" in notice
    assert "DTSTART;TZID=Europe/Paris:20270416T140000" in change and "SEQUENCE:1" in change
    uid = [line for line in notice if line.startswith("UID:")]
    assert uid == ["UID:intervention-itv-9@aquaerp.local"] and uid[0] in change
    assert "METHOD:REQUEST" in change and any(
        line.endswith("mailto:claire.dupont@example.fr") for line in change
    )


async def test_report_email_attaches_the_report_pdf(
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
    auth_service: AuthFixture,
    document_peer: tuple[DocumentPeer, str],
) -> None:
    document_peer[0].reports["itv-3"] = (PDF, "rapport-2027-04-15.pdf")
    mailer = await start_mailer(smtp_sink)
    await mailer.stub.SendReportEmail(
        mailer_pb2.SendReportEmailRequest(
            intervention_id="itv-3",
            recipient=customer(),
            variables=struct(SAMPLES["intervention_report"]),
            idempotency_key="report:itv-3",
        ),
        metadata=bearer(await auth_service.token("bureau")),
    )
    [received] = await smtp_sink.wait_for(1)
    [pdf] = list(received.message.iter_attachments())
    assert (
        pdf.get_content_type() == "application/pdf"
        and pdf.get_filename() == "rapport-2027-04-15.pdf"
    )
    assert pdf.get_content() == PDF


async def test_renewal_notice_window(
    start_mailer: MailerFactory, smtp_sink: SmtpSink, auth_service: AuthFixture
) -> None:
    # Just after midnight on New Year's Day in Paris, still 31 December in UTC: the window is
    # counted in Paris days, so a deadline on the 31st is already past.
    clock = FixedClock(paris(2027, 1, 1, 0, 30))
    mailer = await start_mailer(smtp_sink, clock=clock)
    token = await auth_service.token("bureau")
    today = clock.today()
    assert today == date(2027, 1, 1) and clock.now().date() == date(2026, 12, 31)
    variables = {
        k: v
        for k, v in SAMPLES["contract_renewal_notice"].items()
        if k not in ("refusal_deadline", "renewal_date")
    }

    def request(deadline: date, key: str) -> mailer_pb2.SendRenewalNoticeRequest:
        renewal = deadline + timedelta(days=1)
        return mailer_pb2.SendRenewalNoticeRequest(
            contract_id="ctr-1",
            recipient=customer(),
            refusal_deadline=common_pb2.Date(
                year=deadline.year, month=deadline.month, day=deadline.day
            ),
            renewal_date=common_pb2.Date(year=renewal.year, month=renewal.month, day=renewal.day),
            variables=struct(variables),
            idempotency_key=key,
        )

    too_early = await rpc_error(
        mailer.stub.SendRenewalNotice(
            request(today + timedelta(days=120), "rn-1"), metadata=bearer(token)
        )
    )
    assert (
        too_early.code() == grpc.StatusCode.FAILED_PRECONDITION
        and "three months" in too_early.details()
    )
    past = await rpc_error(
        mailer.stub.SendRenewalNotice(
            request(today - timedelta(days=1), "rn-2"), metadata=bearer(token)
        )
    )
    assert past.code() == grpc.StatusCode.INVALID_ARGUMENT
    deadline = today + timedelta(days=45)
    queued = await mailer.stub.SendRenewalNotice(request(deadline, "rn-3"), metadata=bearer(token))
    assert queued.document.type == "contract" and queued.document.id == "ctr-1"
    [received] = await smtp_sink.wait_for(1)
    assert "DATE LIMITE DE NON-RECONDUCTION" in received.message.get_body(("plain",)).get_content()
    assert str(deadline.year) in str(received.message["Subject"])


async def test_bad_input_is_refused_with_the_field_and_stores_nothing(
    start_mailer: MailerFactory, smtp_sink: SmtpSink, auth_service: AuthFixture
) -> None:
    mailer = await start_mailer(smtp_sink, max_inline_attachment_bytes=50_000)
    token = await auth_service.token("compta")
    good = SAMPLES["payment_reminder"]

    def request(**changes) -> mailer_pb2.SendEmailRequest:  # type: ignore[no-untyped-def]
        fields = {
            "template": "payment_reminder",
            "to": [customer()],
            "variables": struct(good),
            "idempotency_key": "k-1",
            **changes,
        }
        return mailer_pb2.SendEmailRequest(**fields)

    cases = {
        "to[0]": request(to=[mailer_pb2.Recipient(email="claire.dupont@")]),
        "to": request(to=[]),
        "cc[0]": request(cc=[mailer_pb2.Recipient(email="jean dupont@example.fr")]),
        "variables": request(variables=struct({k: v for k, v in good.items() if k != "due_date"})),
        "idempotency_key": request(idempotency_key=""),
        "attachments": request(
            attachments=[
                mailer_pb2.Attachment(
                    file_name="a.pdf", content_type="application/pdf", content=b"x" * 60_000
                )
            ]
        ),
        "attachments[0].file_name": request(
            attachments=[
                mailer_pb2.Attachment(
                    file_name="../a.pdf", content_type="application/pdf", content=b"x"
                )
            ]
        ),
        "attachments[0].content_type": request(
            attachments=[mailer_pb2.Attachment(file_name="a.pdf", content_type="pdf", content=b"x")]
        ),
    }
    for field, bad in cases.items():
        error = await rpc_error(mailer.stub.SendEmail(bad, metadata=bearer(token)))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        violations = dict(error.trailing_metadata() or ())
        assert field in json.loads(violations["aquaerp-field-violations"]), (field, violations)
    unknown = await rpc_error(
        mailer.stub.SendEmail(request(template="nope"), metadata=bearer(token))
    )
    assert unknown.code() == grpc.StatusCode.NOT_FOUND
    assert (await mailer.fetch("SELECT count(*) AS n FROM mailer.messages"))[0]["n"] == 0
    assert (await mailer.fetch("SELECT count(*) AS n FROM mailer.blobs"))[0]["n"] == 0


async def test_roles(
    start_mailer: MailerFactory, smtp_sink: SmtpSink, auth_service: AuthFixture
) -> None:
    mailer = await start_mailer(smtp_sink)
    technicien = await auth_service.token("technicien")
    bureau = await auth_service.token("bureau")
    preview = mailer_pb2.PreviewTemplateRequest(template="invoice_issued")
    denied = await rpc_error(mailer.stub.PreviewTemplate(preview, metadata=bearer(technicien)))
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    missing = await rpc_error(mailer.stub.PreviewTemplate(preview))
    assert missing.code() == grpc.StatusCode.UNAUTHENTICATED
    rendered = await mailer.stub.PreviewTemplate(preview, metadata=bearer(bureau))
    assert rendered.subject == INVOICE_SUBJECT and "238,80" in rendered.text
    templates = await mailer.stub.ListTemplates(
        mailer_pb2.ListTemplatesRequest(), metadata=bearer(bureau)
    )
    assert len(templates.templates) == 12
    user_email = mailer_pb2.SendUserEmailRequest(
        user_id="u-1",
        kind=mailer_pb2.USER_EMAIL_KIND_PASSWORD_RESET,
        recipient=customer(),
        variables=struct(SAMPLES["password_reset"]),
        idempotency_key="reset:u-1:1",
    )
    denied = await rpc_error(mailer.stub.SendUserEmail(user_email, metadata=bearer(bureau)))
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    # Another service, with its own service account, may send it.
    issued = await auth_service.stub.IssueServiceToken(
        auth_pb2.IssueServiceTokenRequest(
            client_id="workflow", client_secret=SERVICE_ACCOUNT_SECRET
        )
    )
    service_token = issued.access_token
    sent = await mailer.stub.SendUserEmail(user_email, metadata=bearer(service_token))
    assert sent.document.type == "user"
    await smtp_sink.wait_for(1)


async def test_send_rate_limit_is_shared_through_the_database(
    start_mailer: MailerFactory, smtp_sink: SmtpSink, auth_service: AuthFixture
) -> None:
    mailer = await start_mailer(
        smtp_sink, send_rate_per_second=10.0, send_rate_burst=2, claim_batch_size=5
    )
    token = await auth_service.token("bureau")
    for index in range(12):
        await mailer.stub.SendEmail(
            mailer_pb2.SendEmailRequest(
                template="payment_reminder",
                to=[customer()],
                variables=struct(SAMPLES["payment_reminder"]),
                idempotency_key=f"rate-{index}",
            ),
            metadata=bearer(token),
        )
    received = await smtp_sink.wait_for(12, timeout=10)
    span = received[-1].at - received[0].at
    # 2 at once, then 10 more at 10 per second: about a second.
    assert span >= 0.8, span


async def test_a_stopping_service_finishes_its_message_and_gives_the_rest_back(
    start_mailer: MailerFactory, smtp_sink: SmtpSink, auth_service: AuthFixture
) -> None:
    smtp_sink.handler.data_delay = 0.05
    first = await start_mailer(smtp_sink, smtp_connections=1, claim_batch_size=10)
    token = await auth_service.token("bureau")
    for index in range(12):
        await first.stub.SendEmail(
            mailer_pb2.SendEmailRequest(
                template="payment_reminder",
                to=[customer()],
                variables=struct(SAMPLES["payment_reminder"]),
                idempotency_key=f"stop-{index}",
            ),
            metadata=bearer(token),
        )
    await smtp_sink.wait_for(2)
    await first.running.stop(drain_delay=0, grace=0.1)
    statuses = [r["status"] for r in await first.fetch("SELECT status FROM mailer.messages")]
    assert "sending" not in statuses  # nothing left waiting for its lease to end
    assert statuses.count("sent") == len(smtp_sink.received) < 12

    second = await start_mailer(smtp_sink)
    received = await smtp_sink.wait_for(12)
    await asyncio.sleep(0.2)
    ids = [r.message_id for r in received]
    assert len(ids) == len(set(ids)) == 12
    rows = await second.fetch("SELECT status FROM mailer.messages")
    assert {r["status"] for r in rows} == {"sent"}


async def test_typed_requests_name_their_own_fields(
    start_mailer: MailerFactory, smtp_sink: SmtpSink, auth_service: AuthFixture
) -> None:
    mailer = await start_mailer(smtp_sink)
    token = await auth_service.token("compta")
    error = await rpc_error(
        invoice_email(mailer, token, "invoice-issued:bad", email="pas-une-adresse")
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "recipient" in json.loads(dict(error.trailing_metadata())["aquaerp-field-violations"])
    error = await rpc_error(invoice_email(mailer, token, "invoice-issued:bad", invoice_id=" "))
    assert "invoice_id" in json.loads(dict(error.trailing_metadata())["aquaerp-field-violations"])
    assert (await mailer.fetch("SELECT count(*) AS n FROM mailer.messages"))[0]["n"] == 0


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp.test")])
    # Checked by the TLS stack against the machine's time: valid at any date a test may run.
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2000, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2100, 1, 1, tzinfo=UTC))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp.pem", directory / "smtp.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_starttls_and_authentication_from_configuration(
    start_mailer: MailerFactory, auth_service: AuthFixture, tmp_path: Path
) -> None:
    cert_file, key_file = self_signed_certificate(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    sessions: list[tuple[bool, bool]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        good = auth_data.login == b"aquaerp" and auth_data.password == b"s3cret-relay"
        return AuthResult(success=good)

    class Handler(SinkHandler):
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            sessions.append((session.ssl is not None, bool(session.authenticated)))
            return await super().handle_DATA(server, session, envelope)

    sink = SmtpSink()
    sink.handler = Handler()
    sink.controller_options = {
        "tls_context": tls,
        "require_starttls": True,
        "authenticator": authenticator,
        "auth_required": True,
    }
    sink.start()
    try:
        mailer = await start_mailer(
            sink,
            smtp_starttls=True,
            smtp_ca_file=str(cert_file),
            smtp_username="aquaerp",
            smtp_password="s3cret-relay",
        )
        await mailer.stub.SendEmail(
            mailer_pb2.SendEmailRequest(
                template="payment_reminder",
                to=[customer()],
                variables=struct(SAMPLES["payment_reminder"]),
                idempotency_key="tls-1",
            ),
            metadata=bearer(await auth_service.token("bureau")),
        )
        await sink.wait_for(1)
        assert sessions == [(True, True)]  # over TLS, authenticated
        await mailer.running.stop(drain_delay=0, grace=0.1)

        # A refused login is the configuration's fault, not the message's: retried. (aiosmtpd
        # leaves aiosmtplib's AUTH PLAIN unanswered after a refusal, so this shows as a timeout
        # of the connection step.)
        wrong = await start_mailer(
            sink,
            smtp_starttls=True,
            smtp_ca_file=str(cert_file),
            smtp_username="aquaerp",
            smtp_password="wrong",
            max_attempts=50,
            smtp_timeout=1.0,
        )
        queued = await wrong.stub.SendEmail(
            mailer_pb2.SendEmailRequest(
                template="payment_reminder",
                to=[customer()],
                variables=struct(SAMPLES["payment_reminder"]),
                idempotency_key="tls-2",
            ),
            metadata=bearer(await auth_service.token("bureau")),
        )
        retrying = await wrong.wait_status(queued.id, "failed_retrying")
        assert retrying["last_error"].startswith("connect")
        assert len(sink.received) == 1
    finally:
        sink.stop()


async def test_the_standard_workflow_arguments_are_accepted(
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
    auth_service: AuthFixture,
    document_peer: tuple[DocumentPeer, str],
) -> None:
    """The arguments the shipped workflow definitions pass (numbers from event payloads,
    ISO dates as text, enums as numbers), converted the way the workflow service does."""
    document_peer[0].invoices["inv-w"] = (PDF, "FA-2027-000007.pdf", "FA-2027-000007")
    mailer = await start_mailer(smtp_sink)
    token = bearer(await auth_service.token("compta"))
    customer_args = {"email": "claire.dupont@example.fr", "name": "Claire Dupont"}
    invoice = json_format.ParseDict(
        {
            "invoice_id": "inv-w",
            "recipient": customer_args,
            "variables": {
                "customer_name": "Claire Dupont",
                "invoice_number": "FA-2027-000007",
                "issue_date": "2027-01-05",
                "due_date": "2027-02-04",
                "amount_due_cents": 23880,
                "payment_reference": "FA-2027-000007",
            },
            "idempotency_key": "invoice-issued-evt-1",
        },
        mailer_pb2.SendInvoiceEmailRequest(),
    )
    await mailer.stub.SendInvoiceEmail(invoice, metadata=token)
    dunning = json_format.ParseDict(
        {
            "invoice_id": "inv-w",
            "level": 2,
            "recipient": customer_args,
            "attach_invoice": True,
            "variables": {
                "customer_name": "Claire Dupont",
                "invoice_number": "FA-2027-000007",
                "issue_date": "2027-01-05",
                "due_date": "2027-02-04",
                "amount_due_cents": 23880,
                "payment_reference": "FA-2027-000007",
                "recovery_indemnity_cents": 4000,
                "late_interest_cents": 409,
                "late_interest_rate": "12.5",
                "interest_until": "2027-03-06",
                "payment_deadline": "2027-03-14",
            },
            "idempotency_key": "dunning-letter-1",
        },
        mailer_pb2.SendDunningEmailRequest(),
    )
    notice = await mailer.stub.SendDunningEmail(dunning, metadata=token)
    assert notice.template == "formal_notice"
    received = await smtp_sink.wait_for(2)
    formal = next(r.message for r in received if "Mise en demeure" in str(r.message["Subject"]))
    text = formal.get_body(("plain",)).get_content()
    assert "12,5\u00a0%" in text and "40,00\u00a0€" in text and "4,09\u00a0€" in text
    assert "282,89\u00a0€" in text  # 238,80 + 40,00 + 4,09
    assert [a.get_filename() for a in formal.iter_attachments()] == ["FA-2027-000007.pdf"]
