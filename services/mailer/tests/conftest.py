"""Mailer test fixtures: a real SMTP peer (aiosmtpd) on a free port whose replies the tests
choose, the mailer service on the real database with its delivery worker running, and a gRPC
peer answering the document-PDF methods of facture and intervention."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import grpc
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from aquaerp.common.v1 import common_pb2
from aquaerp.facture.v1 import facture_pb2, facture_pb2_grpc
from aquaerp.intervention.v1 import intervention_pb2, intervention_pb2_grpc
from aquaerp.mailer.v1 import mailer_pb2_grpc
from aquaerp_mailer.app import SPEC
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import SYSTEM_CLOCK, Clock
from aquaerp_runtime.service import RunningService
from aquaerp_runtime.testing.plugin import (
    AuthFixture,
    ServiceHarness,
    service_account_settings,
    truncate_schema,
)
from aquaerp_runtime.testing.ports import free_port
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    at: float

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.content)  # type: ignore[return-value]

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


# A rule sees (stage, address or None) and returns an SMTP reply to send instead of accepting.
Rule = Callable[[str, str | None], str | None]


@dataclass
class SinkHandler:
    received: list[Received] = field(default_factory=list)
    # Every DATA exchange, accepted or not: (time, reply).
    data_attempts: list[tuple[float, str]] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    # Seconds the server takes to accept a message (a slower peer for the fault tests).
    data_delay: float = 0.0
    # Refuse everything with 421 (the server is going away).
    down: bool = False

    def _rule(self, stage: str, address: str | None) -> str | None:
        if self.down:
            return "421 4.3.2 service shutting down"
        for rule in self.rules:
            if (reply := rule(stage, address)) is not None:
                return reply
        return None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if reply := self._rule("rcpt", address):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        reply = self._rule("data", None) or "250 2.0.0 queued as test"
        self.data_attempts.append((time.monotonic(), reply))
        if reply.startswith("250"):
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    envelope.original_content,
                    time.monotonic(),
                )
            )
        return reply


class SmtpSink:
    """An aiosmtpd server on a fixed free port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = SinkHandler()
        # Extra aiosmtpd SMTP options (TLS, authentication).
        self.controller_options: dict[str, Any] = {}
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            data_size_limit=64 * 2**20,
            **self.controller_options,
        )
        self._controller.start()

    def go_down(self) -> None:
        """Refuses what is in flight with 421, then stops listening (connection refused)."""
        self.handler.down = True
        time.sleep(0.1)
        self.stop()

    def come_back(self) -> None:
        self.handler.down = False
        self.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{len(self.received)} of {count} messages arrived in {timeout}s"
                )
            await asyncio.sleep(0.02)
        return self.received


@pytest.fixture
def smtp_sink() -> Any:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


class InvoicePdfPeer(facture_pb2_grpc.FactureServiceServicer):
    def __init__(self, documents: DocumentPeer) -> None:
        self.documents = documents

    async def GetInvoicePdf(self, request, context):  # type: ignore[no-untyped-def]
        return await self.documents.get_invoice_pdf(request, context)

    async def GetInvoice(self, request, context):  # type: ignore[no-untyped-def]
        return await self.documents.get_invoice(request, context)


class DocumentPeer(intervention_pb2_grpc.InterventionServiceServicer):
    """Answers facture's GetInvoicePdf and intervention's GetReportPdf with documents the test
    registers (the methods and messages of their protos); unknown ids are NOT_FOUND."""

    def __init__(self) -> None:
        self.invoices: dict[str, tuple[bytes, str, str]] = {}
        self.unknown: set[str] = set()  # ids facture does not know at all
        self.reports: dict[str, tuple[bytes, str]] = {}
        self.unavailable = False
        self.calls = 0

    async def get_invoice(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        """The issued invoice as facture answers it: the sample's customer, dates and amount;
        its number is the registered PDF's, else derived from the id (its PDF may be missing,
        or facture unavailable, only when the e-mail is sent)."""
        if request.id in self.unknown:
            await context.abort(grpc.StatusCode.NOT_FOUND, "invoice not found")
        number = self.invoices[request.id][2] if request.id in self.invoices else f"F-{request.id}"
        return facture_pb2.Invoice(
            id=request.id,
            type=facture_pb2.DOCUMENT_TYPE_INVOICE,
            status=facture_pb2.INVOICE_STATUS_ISSUED,
            number=number,
            buyer=facture_pb2.BuyerSnapshot(
                name="Mme Claire Dupont", email="claire.dupont@example.fr"
            ),
            issue_date=common_pb2.Date(year=2027, month=1, day=5),
            due_date=common_pb2.Date(year=2027, month=2, day=4),
            amount_due=common_pb2.Money(amount_cents=23880, currency="EUR"),
        )

    async def get_invoice_pdf(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        self.calls += 1
        if self.unavailable:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "facture is restarting")
        if request.invoice_id not in self.invoices:
            await context.abort(grpc.StatusCode.NOT_FOUND, "invoice not found")
        content, file_name, number = self.invoices[request.invoice_id]
        return facture_pb2.InvoicePdf(content=content, file_name=file_name, invoice_number=number)

    async def GetReportPdf(self, request, context):  # type: ignore[no-untyped-def]
        self.calls += 1
        if request.id not in self.reports:
            await context.abort(grpc.StatusCode.NOT_FOUND, "intervention not found")
        content, file_name = self.reports[request.id]
        return intervention_pb2.GetReportPdfResponse(pdf=content, filename=file_name)


@pytest_asyncio.fixture
async def document_peer() -> AsyncIterator[tuple[DocumentPeer, str]]:
    peer = DocumentPeer()
    server = grpc.aio.server()
    facture_pb2_grpc.add_FactureServiceServicer_to_server(InvoicePdfPeer(peer), server)
    intervention_pb2_grpc.add_InterventionServiceServicer_to_server(peer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield peer, f"ipv4:127.0.0.1:{port}"
    await server.stop(0)


# Short delays so retries are visible within a test.
FAST_RETRIES = {
    "retry_base_delay": 0.2,
    "retry_max_delay": 1.0,
    "poll_interval": 0.05,
    "smtp_timeout": 3.0,
    "lease_seconds": 10.0,
    "max_attempts": 5,
}


@dataclass
class Mailer:
    running: RunningService
    stub: mailer_pb2_grpc.MailerServiceStub
    engine: AsyncEngine

    async def fetch(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as connection:
            return list((await connection.execute(text(sql), params)).mappings())

    async def wait_status(
        self, email_id: str, status: str, timeout: float = 10.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            rows = await self.fetch("SELECT * FROM mailer.messages WHERE id = :id", id=email_id)
            if rows and rows[0]["status"] == status:
                return dict(rows[0])
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"email {email_id} is {rows[0]['status'] if rows else 'missing'}, not {status}"
                )
            await asyncio.sleep(0.05)


MailerFactory = Callable[..., Any]


@pytest_asyncio.fixture
async def start_mailer(
    services: ServiceHarness,
    auth_service: AuthFixture,
    engine: AsyncEngine,
    document_peer: tuple[DocumentPeer, str],
) -> AsyncIterator[MailerFactory]:
    """`await start_mailer(smtp_sink, **settings)`: the mailer on an emptied schema, sending
    to the sink."""
    channels: list[grpc.aio.Channel] = []
    await services.migrate(SPEC)
    await truncate_schema(engine, "mailer")

    async def start(
        sink: SmtpSink,
        *,
        targets_facture: str = "",
        targets_contrat: str = "",
        clock: Clock = SYSTEM_CLOCK,
        **overrides: Any,
    ) -> Mailer:
        """`targets_facture`: a real facture service instead of the document peer;
        `targets_contrat`: a contrat service (marketing consents). `clock`: a fixed clock for
        what depends on the date; delivery and retry tests keep the machine's clock, as their
        backoff delays have to pass for real."""
        running = await services.start(
            SPEC,
            clock=clock,
            targets={
                "auth": auth_service.target,
                "facture": targets_facture or document_peer[1],
                "intervention": document_peer[1],
                **({"contrat": targets_contrat} if targets_contrat else {}),
            },
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            **{
                "smtp_starttls": False,
                **FAST_RETRIES,
                **service_account_settings("mailer"),
                **overrides,
            },
        )
        channel = create_channel(running.target)
        channels.append(channel)
        return Mailer(running, mailer_pb2_grpc.MailerServiceStub(channel), engine)

    yield start
    await services.stop_all()
    for channel in channels:
        await channel.close()
