"""The end of the business flow: an issued invoice stays unpaid past its due date and the daily
cron workflow sends the reminder.

Real services (auth, contrat, intervention, facture, mailer, workflow with the shipped
definitions) run in this process over real gRPC channels, with real PostgreSQL and an aiosmtpd
SMTP peer; every service reads the time from one fixed clock that the test moves 45 days
forward, because facture (rightly) refuses to run dunning for a future day. The workflow's own
scheduler is driven with that same clock: the shipped `daily-maintenance` definition fires and calls
facture.RunDunning for that day; facture's `facture.dunning.level_reached` event then goes
through its outbox relay to the workflow service, whose `dunning-level-reached` definition
has mailer send the reminder with the invoice attached.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp.facture.v1 import facture_pb2 as fpb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp.workflow.v1 import workflow_pb2 as wpb
from aquaerp.workflow.v1 import workflow_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.db import Database
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import (
    AuthFixture,
    ServiceHarness,
    bearer,
    service_account_settings,
    truncate_schema,
)
from aquaerp_runtime.testing.polling import consistently, eventually
from aquaerp_workflow.service import WorkflowService
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),
]


class Mailbox:
    """An aiosmtpd peer keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
        )
        return "250 OK"


@pytest_asyncio.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    box = Mailbox()
    box.controller.start()
    yield box
    box.controller.stop()


async def test_unpaid_invoice_gets_the_daily_reminder(
    services: ServiceHarness,
    auth_service: AuthFixture,
    mailbox: Mailbox,
    engine: AsyncEngine,
    database_url: str,
) -> None:
    for spec in (load_service("workflow"), load_service("facture"), load_service("mailer")):
        await services.migrate(spec)
    await truncate_schema(engine, "workflow")
    # A summer afternoon in Paris; 45 days later is the end of August.
    clock = FixedClock(paris(2026, 7, 15, 15, 0))
    auth = {"auth": auth_service.target}
    contrat = await services.start(
        load_service("contrat"), clock=clock, targets=auth, **service_account_settings("contrat")
    )
    intervention = await services.start(
        load_service("intervention"),
        clock=clock,
        targets={**auth, "contrat": contrat.target},
        **service_account_settings("intervention"),
    )
    workflow = await services.start(
        load_service("workflow"),
        clock=clock,
        targets={**auth, "contrat": contrat.target, "intervention": intervention.target},
        scheduler_enabled=False,
        worker_poll_interval=0.1,
        **service_account_settings("workflow"),
    )
    facture = await services.start(
        load_service("facture"),
        clock=clock,
        targets={
            **auth,
            "contrat": contrat.target,
            "intervention": intervention.target,
            "workflow": workflow.target,
        },
        publish_events=True,
        render_processes=1,
        **service_account_settings("facture"),
    )
    mailer = await services.start(
        load_service("mailer"),
        clock=clock,
        targets={**auth, "facture": facture.target, "intervention": intervention.target},
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_starttls=False,
        **service_account_settings("mailer"),
    )
    # The workflow's channels to these two open on first use, after this.
    workflow.ctx.settings.targets.update({"facture": facture.target, "mailer": mailer.target})

    office = bearer(await auth_service.token("bureau"))
    accounting = bearer(await auth_service.token("compta"))
    admin = bearer(await auth_service.admin_token())
    channels = [create_channel(s.target, default_timeout=60) for s in (contrat, facture, workflow)]
    contrats = contrat_pb2_grpc.ContratServiceStub(channels[0])
    invoices = facture_pb2_grpc.FactureServiceStub(channels[1])
    workflows = workflow_pb2_grpc.WorkflowServiceStub(channels[2])
    try:
        customer = await contrats.CreateCustomer(
            cpb.CreateCustomerRequest(
                customer=cpb.CustomerInput(
                    type=cpb.CUSTOMER_TYPE_BUSINESS,
                    name="Camping Le Mas des Oliviers",
                    legal_form="SARL",
                    siren="732829320",
                    vat_number="FR44732829320",
                    billing_address=common_pb2.Address(
                        lines=["Route de la Mer"], postal_code="34970", city="Lattes", country="FR"
                    ),
                    billing_contact_name="Nathalie Roux",
                    billing_email="compta@mas-oliviers.example",
                )
            ),
            metadata=office,
        )
        draft = await invoices.CreateInvoice(
            fpb.CreateInvoiceRequest(
                invoice=fpb.InvoiceInput(
                    customer_id=customer.id,
                    lines=[
                        fpb.InvoiceLineInput(
                            description="Remplacement pompe de filtration",
                            quantity="1",
                            unit_code="C62",
                            unit_price=common_pb2.Money(amount_cents=64000, currency="EUR"),
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

        def mails(prefix: str) -> list[EmailMessage]:
            return [m for m in mailbox.messages if str(m["Subject"]).startswith(prefix)]

        async def invoice_mail() -> list[EmailMessage]:
            return mails(f"Votre facture {issued.number}")

        await eventually(invoice_mail, timeout=60, what="the invoice email")

        # 45 days later: due after 30, reminder from day 7 past due.
        clock.advance(days=45)
        database = Database.from_url(database_url, pool_size=2)
        try:
            scheduler = WorkflowService(database, clock=clock)
            fired = await scheduler.fire_schedules()
        finally:
            await database.dispose()
        # 45 days cross the 1st of August: the monthly billing fires as well, and the nightly
        # retention of personal data.
        assert sorted(name for name, _ in fired) == [
            "daily-maintenance",
            "monthly-billing",
            "privacy-retention",
        ]

        async def reminder() -> list[EmailMessage]:
            return mails("Rappel : facture")

        async def explain() -> str:
            runs = await workflows.ListRuns(wpb.ListRunsRequest(), metadata=admin)
            return "; ".join(f"{r.definition} {r.state} {r.error}" for r in runs.runs)

        try:
            [letter] = await eventually(reminder, timeout=90, what="the payment reminder")
        except AssertionError as error:
            raise AssertionError(f"{error}: runs: {await explain()}") from None
        assert issued.number in str(letter["Subject"])
        assert "compta@mas-oliviers.example" in str(letter["To"])
        attached = [p.get_filename() for p in letter.iter_attachments()]
        assert any(name and name.endswith(".pdf") for name in attached), attached

        runs = await workflows.ListRuns(
            wpb.ListRunsRequest(definition="daily-maintenance"), metadata=admin
        )
        assert [r.state for r in runs.runs] == [wpb.RUN_STATE_SUCCEEDED]

        # Nothing twice: one invoice email, one reminder.
        async def once_each() -> bool:
            return (
                len(mails(f"Votre facture {issued.number}")) == len(mails("Rappel : facture")) == 1
            )

        await consistently(once_each, during=2, what="one invoice email and one reminder")
    finally:
        for channel in channels:
            await channel.close()
