"""The customer's service report after each completed visit: the shipped `service-report`
workflow, on `intervention.intervention.completed`, reads the customer (contrat) and the visit's
summary (intervention.GetServiceReport) and has the mailer send the e-mail with the report PDF
attached. Exactly one e-mail per visit, even when the step runs again (the worker lost its lease
after the mailer answered); none for a customer who opted out of service report e-mails.

Real services in this process over real gRPC channels, real PostgreSQL, an aiosmtpd SMTP peer;
every service reads one fixed clock.
"""

from __future__ import annotations

import email
import email.policy
import socket
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp.intervention.v1 import intervention_pb2 as ipb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp.workflow.v1 import workflow_pb2 as wpb
from aquaerp.workflow.v1 import workflow_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import FixedClock, paris
from aquaerp_runtime.service import load_service
from aquaerp_runtime.testing.plugin import (
    AuthFixture,
    ServiceHarness,
    bearer,
    service_account_settings,
    truncate_schema,
)
from aquaerp_runtime.testing.polling import consistently, eventually
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

NOW = paris(2026, 7, 15, 15, 0)
SUBJECT = "Rapport d'intervention du"


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

    def reports_to(self, address: str) -> list[EmailMessage]:
        return [
            m
            for m in self.messages
            if str(m["Subject"]).startswith(SUBJECT) and address in str(m["To"])
        ]


@pytest_asyncio.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    box = Mailbox()
    box.controller.start()
    yield box
    box.controller.stop()


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 40, 12, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff" * 40 for _ in range(12)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def stamp(value: Any) -> Timestamp:
    result = Timestamp()
    result.FromDatetime(value)
    return result


def d(value: date) -> common_pb2.Date:
    return common_pb2.Date(year=value.year, month=value.month, day=value.day)


async def test_one_service_report_per_completed_visit_and_none_after_an_opt_out(
    services: ServiceHarness, auth_service: AuthFixture, mailbox: Mailbox, engine: AsyncEngine
) -> None:
    for spec in (load_service("workflow"), load_service("mailer")):
        await services.migrate(spec)
    await truncate_schema(engine, "workflow")
    clock = FixedClock(NOW)
    auth = {"auth": auth_service.target}
    contrat = await services.start(
        load_service("contrat"), clock=clock, targets=auth, **service_account_settings("contrat")
    )
    workflow = await services.start(
        load_service("workflow"),
        clock=clock,
        targets={**auth, "contrat": contrat.target},
        scheduler_enabled=False,
        worker_poll_interval=0.1,
        **service_account_settings("workflow"),
    )
    intervention = await services.start(
        load_service("intervention"),
        clock=clock,
        targets={**auth, "contrat": contrat.target, "workflow": workflow.target},
        publish_events=True,
        **service_account_settings("intervention"),
    )
    mailer = await services.start(
        load_service("mailer"),
        clock=clock,
        targets={**auth, "intervention": intervention.target, "contrat": contrat.target},
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_starttls=False,
        **service_account_settings("mailer"),
    )
    # The workflow's channels to these open on first use, after this.
    workflow.ctx.settings.targets.update(
        {"intervention": intervention.target, "mailer": mailer.target}
    )
    office = bearer(await auth_service.token("bureau"))
    admin = bearer(await auth_service.admin_token())
    channels = [create_channel(s.target, default_timeout=60) for s in (contrat, intervention)]
    channels.append(create_channel(workflow.target, default_timeout=60))
    contrats = contrat_pb2_grpc.ContratServiceStub(channels[0])
    interventions = intervention_pb2_grpc.InterventionServiceStub(channels[1])
    workflows = workflow_pb2_grpc.WorkflowServiceStub(channels[2])
    user, token = await auth_service.user_token("technicien")
    me = bearer(token)
    technician = await interventions.CreateTechnician(
        ipb.CreateTechnicianRequest(
            user_id=user.id,
            display_name="Léa Roussel",
            skills=["piscine"],
            working_hours=[
                ipb.WorkingPeriod(
                    weekday=w, start=ipb.TimeOfDay(hours=7), end=ipb.TimeOfDay(hours=19)
                )
                for w in range(1, 8)
            ],
            home_base=common_pb2.GeoPoint(latitude=43.6108, longitude=3.8767),
        ),
        metadata=office,
    )
    day = date(2026, 7, 13)

    async def completed_visit(
        name: str, address: str, opt_out: bool, hour: int
    ) -> ipb.Intervention:
        """A private customer's contract with a weekly plan; its visit of `day` done and signed."""
        customer = await contrats.CreateCustomer(
            cpb.CreateCustomerRequest(
                customer=cpb.CustomerInput(
                    type=cpb.CUSTOMER_TYPE_PRIVATE,
                    name=name,
                    billing_address=common_pb2.Address(
                        lines=["3 impasse des Mûriers"],
                        postal_code="34970",
                        city="Lattes",
                        country="FR",
                    ),
                    billing_contact_name=name,
                    billing_email=address,
                    service_report_opt_out=opt_out,
                )
            ),
            metadata=office,
        )
        assert customer.service_report_opt_out is opt_out
        site = await contrats.CreateSite(
            cpb.CreateSiteRequest(
                customer_id=customer.id,
                site=cpb.SiteInput(
                    name="Villa Les Pins",
                    address=common_pb2.Address(
                        lines=["3 impasse des Mûriers"],
                        postal_code="34970",
                        city="Lattes",
                        country="FR",
                    ),
                    geo=common_pb2.GeoPoint(latitude=43.5675, longitude=3.9009),
                ),
            ),
            metadata=office,
        )
        contract = await contrats.CreateContract(
            cpb.CreateContractRequest(
                contract=cpb.ContractInput(
                    customer_id=customer.id,
                    site_ids=[site.id],
                    lines=[
                        cpb.ContractLineInput(
                            product_code="ENT-PISC",
                            label="Entretien piscine",
                            quantity="1",
                            unit_price=common_pb2.Money(amount_cents=9000, currency="EUR"),
                            vat_rate="20",
                        )
                    ],
                    billing_frequency=cpb.BILLING_FREQUENCY_MONTHLY,
                    billing_timing=cpb.BILLING_TIMING_IN_ADVANCE,
                    payment_terms=cpb.PaymentTerms(days=30),
                    start_date=d(day - timedelta(days=40)),
                    plans=[
                        cpb.MaintenancePlan(
                            site_id=site.id,
                            label="Entretien piscine",
                            rrule="FREQ=WEEKLY;BYDAY=MO",
                            time_window=cpb.TimeWindow(start="08:00", end="12:00"),
                            duration_minutes=60,
                            required_skill="piscine",
                        )
                    ],
                )
            ),
            metadata=office,
        )
        await contrats.ActivateContract(
            cpb.ActivateContractRequest(id=contract.id), metadata=office
        )
        await interventions.GeneratePlan(
            ipb.GeneratePlanRequest(contract_id=contract.id, from_date=d(day), horizon_months=1),
            metadata=office,
        )
        listed = await interventions.ListInterventions(
            ipb.ListInterventionsRequest(
                contract_id=contract.id, page=common_pb2.PageRequest(page_size=50)
            ),
            metadata=office,
        )
        (visit,) = [v for v in listed.interventions if v.planned_date == d(day)]
        await interventions.AssignIntervention(
            ipb.AssignInterventionRequest(
                id=visit.id,
                technician_id=technician.id,
                scheduled_start=stamp(paris(day.year, day.month, day.day, hour)),
            ),
            metadata=office,
        )
        await interventions.StartIntervention(
            ipb.StartInterventionRequest(id=visit.id), metadata=me
        )
        await interventions.SaveReport(
            ipb.SaveReportRequest(
                id=visit.id,
                measurements=ipb.Measurements(ph=7.3, free_chlorine_mg_l=1.2, temperature_c=24.5),
                actions=["Nettoyage du skimmer", "Brossage des parois"],
                notes="Pensez à nettoyer les paniers entre deux visites.",
            ),
            metadata=me,
        )
        signed = stamp(NOW)
        return await interventions.CompleteIntervention(
            ipb.CompleteInterventionRequest(
                id=visit.id,
                customer_signature=ipb.Signature(signer_name=name, signed_at=signed, png=png()),
                technician_signature=ipb.Signature(
                    signer_name="Léa Roussel", signed_at=signed, png=png()
                ),
            ),
            metadata=me,
        )

    async def runs(visit_id: str) -> list[wpb.Run]:
        answer = await workflows.ListRuns(
            wpb.ListRunsRequest(definition="service-report"), metadata=admin
        )
        return [r for r in answer.runs if r.aggregate_id == visit_id]

    async def succeeded(visit_id: str) -> list[wpb.Run]:
        return [r for r in await runs(visit_id) if r.state == wpb.RUN_STATE_SUCCEEDED]

    try:
        wanted = await completed_visit(
            "Claire Fabre", "claire.fabre@example.fr", opt_out=False, hour=9
        )
        declined = await completed_visit(
            "Paul Girard", "paul.girard@example.fr", opt_out=True, hour=11
        )

        async def report_mail() -> list[EmailMessage]:
            return mailbox.reports_to("claire.fabre@example.fr")

        (mail,) = await eventually(report_mail, timeout=90, what="the service report e-mail")
        attachments = [
            (p.get_filename(), p.get_content_type(), p.get_content())
            for p in mail.iter_attachments()
        ]
        pdfs = [a for a in attachments if a[1] == "application/pdf"]
        assert len(pdfs) == 1, attachments
        assert pdfs[0][2].startswith(b"%PDF")
        body = mail.get_body(preferencelist=("plain",))
        assert body is not None
        content = body.get_content()
        assert "Léa Roussel" in content
        assert "Nettoyage du skimmer" in content
        assert "Pensez à nettoyer les paniers entre deux visites." in content
        # The plan's next visit, a week later.
        assert "lundi 20 juillet 2026" in content
        assert "Claire Fabre" in content

        # The opted-out customer's run succeeds without any e-mail.
        await eventually(lambda: succeeded(declined.id), timeout=90, what="the opted-out run")
        assert mailbox.reports_to("paul.girard@example.fr") == []

        # The worker lost its lease after the mailer answered: the send step runs again.
        (run,) = await eventually(lambda: succeeded(wanted.id), timeout=60, what="the run")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "UPDATE workflow.runs SET state = 'pending', current_step = 2,"
                    " step_attempts = 0, due_at = :due, lease_owner = '', finished_at = NULL"
                    " WHERE id = :id"
                ),
                {"id": run.id, "due": clock.now() - timedelta(minutes=1)},
            )

        async def sent_twice() -> list[Any]:
            detail = await workflows.GetRun(wpb.GetRunRequest(id=run.id), metadata=admin)
            sends = [
                a
                for a in detail.attempts
                if a.step_name == "send-service-report" and a.state == wpb.ATTEMPT_STATE_SUCCEEDED
            ]
            return sends if len(sends) >= 2 and detail.state == wpb.RUN_STATE_SUCCEEDED else []

        sends = await eventually(sent_twice, timeout=60, what="the send step run again")
        assert len({a.idempotency_key for a in sends}) == 1

        async def exactly_one() -> bool:
            return len(mailbox.reports_to("claire.fabre@example.fr")) == 1 and not (
                mailbox.reports_to("paul.girard@example.fr")
            )

        await consistently(exactly_one, during=3, what="one service report e-mail")
    finally:
        for channel in channels:
            await channel.close()
