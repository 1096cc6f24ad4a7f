"""Personal data in the mailer: a customer's e-mails are exported and erased by their values,
and the retention of e-mails runs on the day it is given (bodies and attachments after one
year, the e-mails after three)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import grpc
from aquaerp.auth.v1 import auth_pb2
from aquaerp.common.v1 import common_pb2
from aquaerp.mailer.v1 import mailer_pb2
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.testing.plugin import SERVICE_ACCOUNT_SECRET, AuthFixture, bearer, rpc_error
from google.protobuf.struct_pb2 import Struct

from .conftest import DocumentPeer, Mailer, MailerFactory, SmtpSink
from .test_sending import PDF, SAMPLES

ERASED = "ondine.verrier@exemple.fr"
KEPT = "basile.fontanel@exemple.fr"


async def service_metadata(auth_service: AuthFixture) -> tuple[tuple[str, str], ...]:
    issued = await auth_service.stub.IssueServiceToken(
        auth_pb2.IssueServiceTokenRequest(client_id="contrat", client_secret=SERVICE_ACCOUNT_SECRET)
    )
    return bearer(issued.access_token)


async def send(mailer: Mailer, token: str, email: str, name: str, invoice_id: str) -> str:
    variables = Struct()
    variables.update({**SAMPLES["invoice_issued"], "customer_name": name})
    sent = await mailer.stub.SendInvoiceEmail(
        mailer_pb2.SendInvoiceEmailRequest(
            invoice_id=invoice_id,
            recipient=mailer_pb2.Recipient(email=email, name=name),
            variables=variables,
            idempotency_key=f"privacy:{invoice_id}",
        ),
        metadata=bearer(token),
    )
    await mailer.wait_status(sent.id, "sent")
    return str(sent.id)


async def test_erasure_and_retention_of_emails(
    start_mailer: MailerFactory,
    smtp_sink: SmtpSink,
    auth_service: AuthFixture,
    document_peer: tuple[DocumentPeer, str],
) -> None:
    peer, _ = document_peer
    peer.invoices["inv-a"] = (PDF, "F-2026-000001.pdf", "F-2026-000001")
    peer.invoices["inv-b"] = (PDF, "F-2026-000002.pdf", "F-2026-000002")
    clock = FixedClock(paris(2026, 7, 15, 15, 0))
    mailer = await start_mailer(smtp_sink, clock=clock)
    compta = await auth_service.token("compta")
    erased = await send(mailer, compta, ERASED, "Ondine Verrier", "inv-a")
    kept = await send(mailer, compta, KEPT, "Basile Fontanel", "inv-b")
    service = await service_metadata(auth_service)

    # Only services call these.
    refused = await rpc_error(
        mailer.stub.ErasePersonalData(
            common_pb2.ErasePersonalDataRequest(customer_id="c", pseudonym="x"),
            metadata=bearer(compta),
        )
    )
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED

    values = ["Ondine Verrier", ERASED]
    export = await mailer.stub.ExportPersonalData(
        common_pb2.ExportPersonalDataRequest(customer_id="c", personal_values=values),
        metadata=service,
    )
    assert [e["id"] for e in json.loads(export.records_json)["emails"]] == [erased]

    erasure = common_pb2.ErasePersonalDataRequest(
        customer_id="c", pseudonym="Client effacé #C00001", personal_values=values
    )
    first = await mailer.stub.ErasePersonalData(erasure, metadata=service)
    again = await mailer.stub.ErasePersonalData(erasure, metadata=service)
    assert first.rows_changed >= 1 and again.rows_changed == 0
    rows = {
        str(r["id"]): r
        for r in await mailer.fetch(
            "SELECT id, recipients::text AS recipients, subject, html_body, text_body, status,"
            " (SELECT count(*) FROM mailer.attachments a WHERE a.message_id = m.id) AS files"
            " FROM mailer.messages m"
        )
    }
    gone = rows[erased]
    assert ERASED not in gone["recipients"] and "Ondine" not in gone["recipients"]
    assert "Ondine" not in gone["html_body"] + gone["text_body"] + gone["subject"]
    assert gone["status"] == "sent" and gone["files"] == 0
    assert KEPT in rows[kept]["recipients"] and rows[kept]["files"] == 1
    assert "F-2026-000002" in rows[kept]["text_body"]

    # Retention, counted from the day given: the kept e-mail was sent on the clock's day.
    async def retention(days: int) -> dict[str, int]:
        answer = await mailer.stub.ApplyRetention(
            common_pb2.ApplyRetentionRequest(
                as_of=_date(clock.now().date() + timedelta(days=days))
            ),
            metadata=service,
        )
        return {r.data_class: r.rows for r in answer.removed}

    await mailer.fetch("UPDATE mailer.messages SET sent_at = :at RETURNING id", at=clock.now())
    assert await retention(300) == {"emails": 0, "email_bodies": 0}
    assert await retention(400) == {"emails": 0, "email_bodies": 1}
    body = await mailer.fetch("SELECT text_body FROM mailer.messages WHERE id = :id", id=kept)
    assert "F-2026-000002" not in body[0]["text_body"]
    assert await retention(3 * 365 + 5) == {"emails": 2, "email_bodies": 0}
    assert await mailer.fetch("SELECT id FROM mailer.messages") == []


def _date(day: date) -> common_pb2.Date:
    return common_pb2.Date(year=day.year, month=day.month, day=day.day)
