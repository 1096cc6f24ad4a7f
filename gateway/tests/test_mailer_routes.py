"""/api/v1/emails, /api/v1/email-templates and the development mailbox through the real
gateway, the real mailer service and its delivery worker, and the development SMTP sink writing
.eml files."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from aiosmtpd.controller import Controller
from aquaerp_mailer.app import SPEC
from aquaerp_runtime.service import RunningService
from aquaerp_runtime.testing.plugin import (
    AuthFixture,
    ServiceHarness,
    service_account_settings,
    truncate_schema,
)
from aquaerp_stack.mail_sink import MaildirHandler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import GatewayFactory, RunningGateway, auth_header, free_port

PDF = b"%PDF-1.7\n" + os.urandom(20_000) + b"\n%%EOF\n"
REMINDER = {
    "customer_name": "Mme Claire Dupont",
    "invoice_number": "F-2027-000042",
    "issue_date": "2027-01-05",
    "due_date": "2027-02-04",
    "amount_due_cents": 23880,
    "payment_reference": "F-2027-000042",
}


class Sink:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.controller = Controller(
            MaildirHandler(directory), hostname="127.0.0.1", port=self.port
        )

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Path]:
        deadline = time.monotonic() + timeout
        while len(files := sorted(self.directory.glob("*.eml"))) < count:
            assert time.monotonic() < deadline, f"{len(files)} of {count} messages arrived"
            await asyncio.sleep(0.05)
        return files


@pytest_asyncio.fixture
async def mail_stack(
    services: ServiceHarness,
    auth_service: AuthFixture,
    engine: AsyncEngine,
    start_gateway: GatewayFactory,
    tmp_path: Path,
) -> AsyncIterator[tuple[RunningGateway, Sink, RunningService]]:
    """The mailer sending to the development sink, and a gateway with the development routes."""
    await services.migrate(SPEC)
    await truncate_schema(engine, "mailer")
    sink = Sink(tmp_path / "mail")
    sink.controller.start()
    mailer = await services.start(
        SPEC,
        targets={"auth": auth_service.target},
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_starttls=False,
        poll_interval=0.05,
        retry_base_delay=0.2,
        **service_account_settings("mailer"),
    )
    gateway = await start_gateway(
        targets={"mailer": mailer.target}, dev_routes=True, mail_sink_dir=sink.directory
    )
    yield gateway, sink, mailer
    await services.stop_all()
    sink.controller.stop()


def reminder(**changes: Any) -> dict[str, Any]:
    return {
        "template": "payment_reminder",
        "to": [{"email": "claire.dupont@example.fr", "name": "Mme Claire Dupont"}],
        "variables": REMINDER,
        "attachments": [
            {
                "file_name": "F-2027-000042.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
        "document": {"type": "invoice", "id": "inv-42"},
        "idempotency_key": "reminder:inv-42:1",
        **changes,
    }


async def wait_sent(gateway: RunningGateway, token: str, email_id: str) -> dict[str, Any]:
    for _ in range(200):
        email = (
            await gateway.client.get(f"/api/v1/emails/{email_id}", headers=auth_header(token))
        ).json()
        if email["status"] == "sent":
            return email  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError(f"email still {email['status']}")


async def test_send_follow_and_read_in_the_development_mailbox(
    mail_stack: tuple[RunningGateway, Sink, RunningService], auth_service: AuthFixture
) -> None:
    gateway, sink, _ = mail_stack
    token = await auth_service.token("bureau")
    response = await gateway.client.post(
        "/api/v1/emails", json=reminder(), headers=auth_header(token)
    )
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["document"] == {"type": "invoice", "id": "inv-42"}
    assert queued["attachments"][0]["size"] == len(PDF)

    again = await gateway.client.post("/api/v1/emails", json=reminder(), headers=auth_header(token))
    assert again.json()["id"] == queued["id"]

    sent = await wait_sent(gateway, token, queued["id"])
    assert sent["attempts"] == 1 and sent["last_smtp_code"] == 250 and sent["sent_at"]
    listed = await gateway.client.get(
        "/api/v1/emails",
        params={"document_type": "invoice", "document_id": "inv-42"},
        headers=auth_header(token),
    )
    assert [e["id"] for e in listed.json()["items"]] == [queued["id"]]
    assert (
        await gateway.client.get(
            "/api/v1/emails", params={"status": "failed_permanent"}, headers=auth_header(token)
        )
    ).json()["items"] == []

    [eml] = await sink.wait_for(1)
    assert (await gateway.client.get("/api/v1/dev/mail")).status_code == 401
    assert (
        await gateway.client.get("/api/v1/dev/mail", headers=auth_header(token))
    ).status_code == 403
    gateway.client.headers.update(auth_header(await auth_service.token("admin")))
    mailbox = (await gateway.client.get("/api/v1/dev/mail")).json()
    assert len(mailbox) == 1
    entry = mailbox[0]
    assert entry["id"] == eml.stem
    assert entry["subject"] == "Rappel : facture F-2027-000042 en attente de règlement"
    assert "claire.dupont@example.fr" in entry["to"] and "factures@aquaerp.local" in entry["from"]
    assert entry["message_id"] == queued["message_id"]
    assert entry["attachments"] == [
        {
            "index": 0,
            "file_name": "F-2027-000042.pdf",
            "content_type": "application/pdf",
            "size": len(PDF),
        }
    ]
    detail = (await gateway.client.get(f"/api/v1/dev/mail/{eml.stem}")).json()
    assert "238,80" in detail["text"] and detail["html"].startswith("<!DOCTYPE html>")
    html = await gateway.client.get(f"/api/v1/dev/mail/{eml.stem}/html")
    assert html.headers["content-type"].startswith("text/html")
    assert "sandbox" in html.headers["content-security-policy"]
    pdf = await gateway.client.get(f"/api/v1/dev/mail/{eml.stem}/attachments/0")
    assert pdf.status_code == 200 and pdf.content == PDF
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="F-2027-000042.pdf"' in pdf.headers["content-disposition"]
    raw = await gateway.client.get(f"/api/v1/dev/mail/{eml.stem}/raw")
    assert raw.content == eml.read_bytes()
    for path in (
        "/api/v1/dev/mail/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/dev/mail/nope",
        f"/api/v1/dev/mail/{eml.stem}/attachments/3",
    ):
        assert (await gateway.client.get(path)).status_code == 404, path


async def test_retry_preview_and_templates(
    mail_stack: tuple[RunningGateway, Sink, RunningService], auth_service: AuthFixture
) -> None:
    gateway, _, _ = mail_stack
    token = await auth_service.token("compta")
    templates = (
        await gateway.client.get("/api/v1/email-templates", headers=auth_header(token))
    ).json()
    assert "contract_renewal_notice" in {t["name"] for t in templates}
    preview = await gateway.client.get(
        "/api/v1/email-templates/formal_notice/preview", headers=auth_header(token)
    )
    assert preview.status_code == 200 and "40,00" in preview.json()["text"]
    missing = await gateway.client.get(
        "/api/v1/email-templates/nope/preview", headers=auth_header(token)
    )
    assert missing.status_code == 404

    queued = (
        await gateway.client.post(
            "/api/v1/emails", json=reminder(idempotency_key="r-2"), headers=auth_header(token)
        )
    ).json()
    await wait_sent(gateway, token, queued["id"])
    retry = await gateway.client.post(
        f"/api/v1/emails/{queued['id']}/retry", headers=auth_header(token)
    )
    assert retry.status_code == 409 and "only a failed email" in retry.json()["detail"]
    unknown = await gateway.client.get(
        "/api/v1/emails/8a7f3c55-0000-4000-8000-000000000000", headers=auth_header(token)
    )
    assert unknown.status_code == 404


async def test_bad_input_and_roles(
    mail_stack: tuple[RunningGateway, Sink, RunningService],
    auth_service: AuthFixture,
    engine: AsyncEngine,
) -> None:
    gateway, _, _ = mail_stack
    token = await auth_service.token("bureau")
    bad_address = await gateway.client.post(
        "/api/v1/emails",
        json=reminder(to=[{"email": "claire.dupont@"}]),
        headers=auth_header(token),
    )
    assert bad_address.status_code == 422
    assert bad_address.headers["content-type"] == "application/problem+json"
    assert "to[0]" in bad_address.json()["errors"]
    missing_variable = await gateway.client.post(
        "/api/v1/emails",
        json=reminder(variables={"customer_name": "X"}),
        headers=auth_header(token),
    )
    assert missing_variable.status_code == 422 and "variables" in missing_variable.json()["errors"]
    unknown_field = await gateway.client.post(
        "/api/v1/emails", json=reminder(priority="high"), headers=auth_header(token)
    )
    assert unknown_field.status_code == 422 and "priority" in unknown_field.json()["errors"]
    both = reminder(
        attachments=[
            {
                "file_name": "a.pdf",
                "content_base64": "eA==",
                "reference": {"kind": "invoice_pdf", "id": "1"},
            }
        ]
    )
    assert (
        await gateway.client.post("/api/v1/emails", json=both, headers=auth_header(token))
    ).status_code == 422
    async with engine.connect() as connection:
        assert (
            await connection.execute(text("SELECT count(*) FROM mailer.messages"))
        ).scalar_one() == 0

    technicien = await auth_service.token("technicien")
    assert (
        await gateway.client.get("/api/v1/emails", headers=auth_header(technicien))
    ).status_code == 403
    assert (await gateway.client.post("/api/v1/emails", json=reminder())).status_code == 401


async def test_development_mailbox_is_absent_by_default(
    start_gateway: GatewayFactory, tmp_path: Path
) -> None:
    gateway = await start_gateway(mail_sink_dir=tmp_path)
    assert (await gateway.client.get("/api/v1/dev/mail")).status_code == 404
