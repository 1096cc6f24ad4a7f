"""Invoicing completed interventions: with the items the caller sends (the workflow step), or
read from the real intervention service; once per intervention whatever the retries."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest_asyncio
from aquaerp.common.v1 import common_pb2
from aquaerp.contrat.v1 import contrat_pb2_grpc
from aquaerp.facture.v1 import facture_pb2 as pb
from aquaerp.facture.v1 import facture_pb2_grpc
from aquaerp.intervention.v1 import intervention_pb2 as ipb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp_runtime.client import create_channel
from aquaerp_runtime.clock import BUSINESS_TZ
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
from google.protobuf.timestamp_pb2 import Timestamp
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncConnection

from aquaerp_facture.app import SPEC

from .conftest import RENDER_PROCESSES, Facture, as_date, d, eur, fixed_clock, start_facture

ITEMS = [
    pb.BillableItem(description="Pompe doseuse pH", quantity="1", unit="u", unit_price_cents=18990),
    pb.BillableItem(
        description="Sonde redox", quantity="2", unit="C62", unit_price_cents=4550, vat_rate="20"
    ),
]


async def invoice(facture: Facture, **fields: object) -> pb.InvoiceInterventionResponse:
    return await facture.stub.InvoiceIntervention(
        pb.InvoiceInterventionRequest(**fields), metadata=await facture.as_role("compta")
    )


async def test_items_sent_by_the_workflow_wait_in_the_review_queue_then_are_issued_once(
    facture: Facture,
) -> None:
    customer = await facture.customer()
    intervention_id = str(uuid.uuid4())
    first = await invoice(
        facture,
        intervention_id=intervention_id,
        customer_id=customer.id,
        items=ITEMS,
        service_date=d(facture.clock.today()),
        idempotency_key="run-1-step-0",
    )
    drafted = first.invoice
    # A draft in the review queue: no number, nothing e-mailed (no issued event).
    assert (drafted.status, drafted.number, drafted.source, drafted.intervention_id) == (
        pb.INVOICE_STATUS_DRAFT,
        "",
        pb.INVOICE_SOURCE_INTERVENTION,
        intervention_id,
    )
    assert drafted.operation_category == pb.OPERATION_CATEGORY_GOODS
    # 189.90 + 2 x 45.50 = 280.90 HT, VAT 56.18
    assert (drafted.total_excluding_vat.amount_cents, drafted.total_vat.amount_cents) == (
        28090,
        5618,
    )
    assert await facture.events("facture.invoice.issued") == []
    queue = await facture.stub.ListInvoices(
        pb.ListInvoicesRequest(
            source=pb.INVOICE_SOURCE_INTERVENTION, statuses=[pb.INVOICE_STATUS_DRAFT]
        ),
        metadata=await facture.as_role("bureau"),
    )
    assert [i.id for i in queue.invoices] == [drafted.id]
    # A retried step (same key), and another call for the same intervention: the same draft.
    retried = await invoice(
        facture,
        intervention_id=intervention_id,
        customer_id=customer.id,
        items=ITEMS,
        idempotency_key="run-1-step-0",
    )
    other = await invoice(
        facture,
        intervention_id=intervention_id,
        customer_id=customer.id,
        items=ITEMS[:1],
        idempotency_key="run-2-step-0",
    )
    assert retried.invoice.id == other.invoice.id == drafted.id
    assert other.invoice.total_excluding_vat.amount_cents == 28090

    # Issued from the queue: numbered, and the issued event (the e-mail) only now.
    issued = await facture.issue(drafted.id)
    assert issued.number.startswith("FA-") and issued.status == pb.INVOICE_STATUS_ISSUED
    assert [e["number"] for e in await facture.events("facture.invoice.issued")] == [issued.number]
    again = await invoice(facture, intervention_id=intervention_id, idempotency_key="run-3")
    assert (again.invoice.id, again.invoice.number) == (issued.id, issued.number)
    listed = await facture.stub.ListInvoices(
        pb.ListInvoicesRequest(source=pb.INVOICE_SOURCE_INTERVENTION),
        metadata=await facture.as_role("compta"),
    )
    assert [i.id for i in listed.invoices] == [issued.id]

    bad = await rpc_error(
        invoice(
            facture,
            intervention_id=str(uuid.uuid4()),
            customer_id=customer.id,
            items=[
                pb.BillableItem(
                    description="Pièce", quantity="1", unit_price_cents=100, vat_rate="19.6"
                )
            ],
        )
    )
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "items[0].vat_rate" in field_violations(bad.trailing_metadata())


async def test_the_company_setting_issues_intervention_invoices_without_review(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    db_connection: AsyncConnection,
    render_pool: object,
) -> None:
    trusted, channels = await start_facture(
        services,
        auth_service,
        rollback_database,
        rollback_database,
        db_connection,
        auto_issue_intervention_invoices=True,
    )
    try:
        customer = await trusted.customer()
        response = await invoice(
            trusted,
            intervention_id=str(uuid.uuid4()),
            customer_id=customer.id,
            items=ITEMS,
            service_date=d(trusted.clock.today()),
        )
        issued = response.invoice
        assert issued.status == pb.INVOICE_STATUS_ISSUED and issued.number.startswith("FA-")
        assert [e["number"] for e in await trusted.events("facture.invoice.issued")] == [
            issued.number
        ]
    finally:
        for channel in channels:
            await channel.close()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (40, 12), 255).save(buffer, format="PNG")
    return buffer.getvalue()


def timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


@pytest_asyncio.fixture
async def with_interventions(
    services: ServiceHarness,
    auth_service: AuthFixture,
    rollback_database: Database,
    db_connection: AsyncConnection,
    render_pool: object,
) -> AsyncIterator[tuple[Facture, intervention_pb2_grpc.InterventionServiceStub]]:
    """contrat, intervention and facture on the test's rolled-back transaction, at one instant."""
    clock = fixed_clock()
    contrat = await services.start(
        load_service("contrat"),
        database=rollback_database,
        clock=clock,
        targets={"auth": auth_service.target},
    )
    intervention = await services.start(
        load_service("intervention"),
        database=rollback_database,
        clock=clock,
        targets={"auth": auth_service.target, "contrat": contrat.target},
        **service_account_settings("intervention"),
    )
    running = await services.start(
        SPEC,
        database=rollback_database,
        clock=clock,
        targets={
            "auth": auth_service.target,
            "contrat": contrat.target,
            "intervention": intervention.target,
        },
        render_processes=RENDER_PROCESSES,
        **service_account_settings("facture"),
    )
    channels = [
        create_channel(running.target, default_timeout=60),
        create_channel(contrat.target, default_timeout=30),
        create_channel(intervention.target, default_timeout=30),
    ]
    facture = Facture(
        running,
        facture_pb2_grpc.FactureServiceStub(channels[0]),
        contrat_pb2_grpc.ContratServiceStub(channels[1]),
        auth_service,
        db_connection,
        clock,
    )
    yield facture, intervention_pb2_grpc.InterventionServiceStub(channels[2])
    for channel in channels:
        await channel.close()


async def test_items_are_read_from_the_completed_intervention(
    with_interventions: tuple[Facture, intervention_pb2_grpc.InterventionServiceStub],
) -> None:
    facture, field = with_interventions
    office = await facture.as_role("bureau")
    customer = await facture.customer()
    contract = await facture.contract(customer.id, start=facture.clock.today() - timedelta(days=60))
    user, token = await facture.auth.user_token("technicien")
    every_day = [
        ipb.WorkingPeriod(weekday=day, start=ipb.TimeOfDay(hours=0), end=ipb.TimeOfDay(hours=24))
        for day in range(1, 8)
    ]
    technician = await field.CreateTechnician(
        ipb.CreateTechnicianRequest(
            user_id=user.id,
            display_name="Léa Roussel",
            skills=["piscine"],
            working_hours=every_day,
            home_base=common_pb2.GeoPoint(latitude=43.61, longitude=3.88),
        ),
        metadata=office,
    )
    breakdown = await field.CreateIntervention(
        ipb.CreateInterventionRequest(
            contract_id=contract.id,
            site_id=contract.site_ids[0],
            priority=ipb.PRIORITY_HIGH,
            problem_description="Pompe de filtration à l'arrêt",
            billable=True,
            estimated_minutes=60,
        ),
        metadata=office,
    )
    # Booked for two hours ago (inside the breakdown window), started on time, done an hour later.
    start = facture.clock.now() - timedelta(hours=2)
    finished = start + timedelta(hours=1)
    await field.AssignIntervention(
        ipb.AssignInterventionRequest(
            id=breakdown.id, technician_id=technician.id, scheduled_start=timestamp(start)
        ),
        metadata=office,
    )
    me = bearer(token)
    await field.StartIntervention(
        ipb.StartInterventionRequest(id=breakdown.id, started_at=timestamp(start)), metadata=me
    )
    await field.SaveReport(
        ipb.SaveReportRequest(
            id=breakdown.id,
            actions=["Remplacement du condensateur de la pompe"],
            parts=[
                ipb.PartUsed(
                    description="Condensateur 16 µF",
                    quantity="1",
                    unit="pièce",
                    unit_price=eur(2490),
                    billable=True,
                ),
                ipb.PartUsed(
                    description="pH moins",
                    quantity="1",
                    unit="seau",
                    unit_price=eur(3200),
                    billable=True,
                ),
                ipb.PartUsed(
                    description="Chlore choc",
                    quantity="1",
                    unit="kg",
                    unit_price=eur(1500),
                    billable=False,
                ),
            ],
            time_spent_minutes=55,
        ),
        metadata=me,
    )
    signature = ipb.Signature(signer_name="Julien Martin", signed_at=timestamp(finished), png=png())
    done = await field.CompleteIntervention(
        ipb.CompleteInterventionRequest(
            id=breakdown.id,
            customer_signature=signature,
            technician_signature=signature,
            completed_at=timestamp(finished),
        ),
        metadata=me,
    )
    assert done.status == ipb.INTERVENTION_STATUS_COMPLETED

    # What the shipped workflow sends: the intervention id and the step's idempotency key.
    response = await invoice(facture, intervention_id=breakdown.id, idempotency_key="wf-step")
    assert response.invoice.status == pb.INVOICE_STATUS_DRAFT
    issued = await facture.issue(response.invoice.id)
    assert issued.customer_id == customer.id and issued.contract_reference == contract.number
    completed_on = done.completed_at.ToDatetime(tzinfo=UTC).astimezone(BUSINESS_TZ).date()
    assert as_date(issued.delivery_date) == completed_on == facture.clock.today()
    lines = [
        (item.description, item.quantity, item.unit_code, item.net_amount.amount_cents)
        for item in issued.lines
    ]
    # Labour: 55 min = 0.92 h x 65.00 = 59.80; the parts charged to the customer only.
    assert lines == [
        ("Main d'œuvre – Dépannage : Pompe de filtration à l'arrêt", "0.92", "HUR", 5980),
        ("Condensateur 16 µF", "1", "C62", 2490),
        ("pH moins (seau)", "1", "C62", 3200),
    ]
    assert issued.operation_category == pb.OPERATION_CATEGORY_MIXED
    assert issued.delivery_address.city == "Lattes"
    assert (issued.total_excluding_vat.amount_cents, issued.total_vat.amount_cents) == (11670, 2334)
    again = await invoice(facture, intervention_id=breakdown.id, idempotency_key="another-step")
    assert again.invoice.id == issued.id
