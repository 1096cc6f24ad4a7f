"""Field work: start, report, complete with signatures; the report PDF; the completion event;
the next visit from the completion date; who may see and report what."""

from __future__ import annotations

import io
from datetime import date, timedelta

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_intervention.local_time import local_datetime
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error
from pypdf import PdfReader

from .conftest import FIELD_NOW, Field, Metadata, as_date, d, png, ts, weekdays

EVERY_DAY = weekdays("07:00", "19:00", range(1, 8))


def signature(name: str, data: bytes | None = None) -> pb.Signature:
    return pb.Signature(signer_name=name, signed_at=ts(FIELD_NOW), png=data or png())


async def started_visit(
    f: Field, day: date | None = None, **plan_changes: object
) -> tuple[pb.Intervention, Metadata]:
    """A visit assigned to a new technician who started it; returns it and their credentials."""
    day = day or f.clock.today() - timedelta(days=3)
    tech, credentials = await f.technician(hours=EVERY_DAY)
    visit = await f.generated_visit(day, **plan_changes)
    await f.stub.AssignIntervention(
        pb.AssignInterventionRequest(
            id=visit.id, technician_id=tech.id, scheduled_start=ts(local_datetime(day, 9 * 60))
        ),
        metadata=await f.office(),
    )
    started = await f.stub.StartIntervention(
        pb.StartInterventionRequest(id=visit.id), metadata=credentials
    )
    return started, credentials


REPORT = pb.SaveReportRequest(
    measurements=pb.Measurements(
        ph=7.9,
        free_chlorine_mg_l=1.4,
        total_chlorine_mg_l=1.7,
        tac_mg_l=110,
        cyanuric_acid_mg_l=35,
        salt_g_l=4.2,
        temperature_c=24.5,
    ),
    actions=["Nettoyage du skimmer", "Contre-lavage du filtre", "Ajout de pH moins"],
    parts=[
        pb.PartUsed(
            description="pH moins 5 kg",
            product_code="PH-M-5",
            quantity="1",
            unit="seau",
            unit_price=common_pb2.Money(amount_cents=2490, currency="EUR"),
            billable=True,
        ),
        pb.PartUsed(
            description="Pastilles chlore",
            quantity="0.5",
            unit="kg",
            unit_price=common_pb2.Money(amount_cents=1800, currency="EUR"),
            billable=False,
        ),
    ],
    time_spent_minutes=55,
    notes="Eau claire, filtre encrassé.",
)


async def test_technician_reports_and_completes_with_a_pdf(field_services: Field) -> None:
    f = field_services
    visit, me = await started_visit(f)
    assert visit.status == pb.INTERVENTION_STATUS_IN_PROGRESS
    assert visit.HasField("started_at")
    request = pb.SaveReportRequest()
    request.CopyFrom(REPORT)
    request.id = visit.id
    saved = await f.stub.SaveReport(request, metadata=me)
    assert [w.field for w in saved.report.warnings] == ["ph"]
    assert "au-dessus de la plage recommandée" in saved.report.warnings[0].message
    assert saved.report.parts[1].quantity == "0.5"

    done = await f.stub.CompleteIntervention(
        pb.CompleteInterventionRequest(
            id=visit.id,
            customer_signature=signature("Julien Martin"),
            technician_signature=signature("Léa Roussel"),
        ),
        metadata=me,
    )
    assert done.status == pb.INTERVENTION_STATUS_COMPLETED
    assert done.report.pdf_available
    assert done.report.time_spent_minutes == 55
    assert done.report.customer_signature.signer_name == "Julien Martin"
    assert done.report.customer_signature.png == png()

    document = await f.stub.GetReportPdf(pb.GetReportPdfRequest(id=visit.id), metadata=me)
    assert document.pdf.startswith(b"%PDF")
    assert document.filename.endswith(".pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(document.pdf)).pages)
    for expected in (
        "Rapport de visite d'entretien",
        "7,9",
        "1,4",
        "1,7",
        "110",
        "35",
        "4,2",
        "24,5",
        "Chlore libre",
        "Contre-lavage du filtre",
        "pH moins 5 kg",
        "24,90",
        "Julien Martin",
    ):
        assert expected in text, expected

    (event,) = await f.events("intervention.intervention.completed")
    assert event["intervention_id"] == visit.id
    assert event["customer_id"] == visit.customer_id
    assert event["billable"] is False and event["labour_minutes"] == 0
    assert event["billable_items"] == [
        {
            "description": "pH moins 5 kg",
            "product_code": "PH-M-5",
            "quantity": "1",
            "unit": "seau",
            "unit_price_cents": 2490,
            "currency": "EUR",
        }
    ]
    # A completed intervention is closed.
    error = await rpc_error(f.stub.SaveReport(request, metadata=me))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_completion_needs_the_customer_signature_or_a_reason(field_services: Field) -> None:
    f = field_services
    visit, me = await started_visit(f)
    technician = signature("Léa Roussel")
    error = await rpc_error(
        f.stub.CompleteIntervention(
            pb.CompleteInterventionRequest(id=visit.id, technician_signature=technician),
            metadata=me,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "customer_signature" in field_violations(error.trailing_metadata())
    error = await rpc_error(
        f.stub.CompleteIntervention(
            pb.CompleteInterventionRequest(
                id=visit.id, technician_signature=technician, customer_absent=True
            ),
            metadata=me,
        )
    )
    assert "customer_absence_reason" in field_violations(error.trailing_metadata())
    error = await rpc_error(
        f.stub.CompleteIntervention(
            pb.CompleteInterventionRequest(
                id=visit.id,
                technician_signature=technician,
                customer_signature=signature("X", b"GIF89a not a png"),
            ),
            metadata=me,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "customer_signature.png" in field_violations(error.trailing_metadata())
    truncated = png()[:-6]
    error = await rpc_error(
        f.stub.CompleteIntervention(
            pb.CompleteInterventionRequest(
                id=visit.id,
                technician_signature=technician,
                customer_signature=signature("X", truncated),
            ),
            metadata=me,
        )
    )
    assert "customer_signature.png" in field_violations(error.trailing_metadata())
    unchanged = await f.stub.GetIntervention(pb.GetInterventionRequest(id=visit.id), metadata=me)
    assert unchanged.status == pb.INTERVENTION_STATUS_IN_PROGRESS
    assert not unchanged.report.pdf_available
    assert await f.events("intervention.intervention.completed") == []

    done = await f.stub.CompleteIntervention(
        pb.CompleteInterventionRequest(
            id=visit.id,
            technician_signature=technician,
            customer_absent=True,
            customer_absence_reason="Client absent, portail ouvert",
        ),
        metadata=me,
    )
    assert done.status == pb.INTERVENTION_STATUS_COMPLETED
    assert done.report.customer_absent and not done.report.HasField("customer_signature")


async def test_out_of_range_measurements_are_refused(field_services: Field) -> None:
    f = field_services
    visit, me = await started_visit(f)
    for measurements, bad_field in [
        (pb.Measurements(ph=15), "measurements.ph"),
        (pb.Measurements(free_chlorine_mg_l=-1), "measurements.free_chlorine_mg_l"),
        (pb.Measurements(salt_g_l=80), "measurements.salt_g_l"),
        (pb.Measurements(temperature_c=float("nan")), "measurements.temperature_c"),
        (
            pb.Measurements(free_chlorine_mg_l=3, total_chlorine_mg_l=2),
            "measurements.total_chlorine_mg_l",
        ),
    ]:
        error = await rpc_error(
            f.stub.SaveReport(
                pb.SaveReportRequest(id=visit.id, measurements=measurements), metadata=me
            )
        )
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert bad_field in field_violations(error.trailing_metadata())
    error = await rpc_error(
        f.stub.SaveReport(
            pb.SaveReportRequest(
                id=visit.id, parts=[pb.PartUsed(description="Joint", quantity="-2")]
            ),
            metadata=me,
        )
    )
    assert "parts.0.quantity" in field_violations(error.trailing_metadata())
    current = await f.stub.GetIntervention(pb.GetInterventionRequest(id=visit.id), metadata=me)
    assert not current.report.measurements.HasField("ph")
    assert list(current.report.parts) == []


async def test_only_the_assigned_technician_and_the_customer_see_it(field_services: Field) -> None:
    f = field_services
    visit, me = await started_visit(f)
    _, someone_else = await f.technician(name="Autre technicien")
    get = pb.GetInterventionRequest(id=visit.id)
    for credentials in (someone_else, await f.as_role("client", customer_id="another-customer")):
        error = await rpc_error(f.stub.GetIntervention(get, metadata=credentials))
        assert error.code() == grpc.StatusCode.NOT_FOUND
    error = await rpc_error(
        f.stub.SaveReport(pb.SaveReportRequest(id=visit.id, notes="x"), metadata=someone_else)
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    customer = await f.as_role("client", customer_id=visit.customer_id)
    assert (await f.stub.GetIntervention(get, metadata=customer)).id == visit.id
    error = await rpc_error(
        f.stub.SaveReport(pb.SaveReportRequest(id=visit.id, notes="x"), metadata=customer)
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    mine = await f.stub.ListInterventions(pb.ListInterventionsRequest(), metadata=me)
    assert [i.id for i in mine.interventions] == [visit.id]
    theirs = await f.stub.ListInterventions(pb.ListInterventionsRequest(), metadata=customer)
    assert visit.id in [i.id for i in theirs.interventions]
    assert {i.customer_id for i in theirs.interventions} == {visit.customer_id}
    assert (
        await f.stub.ListInterventions(pb.ListInterventionsRequest(), metadata=someone_else)
    ).interventions == []


async def test_next_visit_is_computed_from_the_completion_date(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    tech, me = await f.technician(hours=EVERY_DAY)
    contract, _ = await f.contract(
        plans=[{"rrule": "FREQ=WEEKLY;INTERVAL=2", "next_from_completion": True}],
        start=(f.clock.today() - timedelta(days=120)).isoformat(),
    )
    await f.stub.GeneratePlan(
        pb.GeneratePlanRequest(
            contract_id=contract.id,
            from_date=d(f.clock.today() - timedelta(days=60)),
            horizon_months=2,
        ),
        metadata=office,
    )
    first, second, third = (await f.visits(contract.id))[:3]
    assert as_date(second.planned_date) - as_date(first.planned_date) == timedelta(days=14)
    assert first.next_from_completion
    day = as_date(first.planned_date)
    await f.stub.AssignIntervention(
        pb.AssignInterventionRequest(
            id=first.id, technician_id=tech.id, scheduled_start=ts(local_datetime(day, 9 * 60))
        ),
        metadata=office,
    )
    late = day + timedelta(days=5)
    await f.stub.StartIntervention(
        pb.StartInterventionRequest(id=first.id, started_at=ts(local_datetime(late, 10 * 60))),
        metadata=me,
    )
    await f.stub.CompleteIntervention(
        pb.CompleteInterventionRequest(
            id=first.id,
            customer_signature=signature("Julien Martin"),
            technician_signature=signature("Léa Roussel"),
            completed_at=ts(local_datetime(late, 11 * 60)),
        ),
        metadata=me,
    )
    moved = await f.stub.GetIntervention(pb.GetInterventionRequest(id=second.id), metadata=office)
    assert as_date(moved.planned_date) == late + timedelta(days=14)
    assert as_date(moved.occurrence_date) == as_date(second.planned_date)
    untouched = await f.stub.GetIntervention(
        pb.GetInterventionRequest(id=third.id), metadata=office
    )
    assert untouched.planned_date == third.planned_date


async def test_report_needs_a_started_intervention(field_services: Field) -> None:
    f = field_services
    tech, me = await f.technician(hours=EVERY_DAY)
    visit = await f.generated_visit(f.clock.today() - timedelta(days=2))
    error = await rpc_error(
        f.stub.StartIntervention(
            pb.StartInterventionRequest(id=visit.id), metadata=await f.office()
        )
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION  # not assigned
    await f.stub.AssignIntervention(
        pb.AssignInterventionRequest(
            id=visit.id,
            technician_id=tech.id,
            scheduled_start=ts(local_datetime(as_date(visit.planned_date), 9 * 60)),
        ),
        metadata=await f.office(),
    )
    error = await rpc_error(
        f.stub.SaveReport(pb.SaveReportRequest(id=visit.id, notes="x"), metadata=me)
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    error = await rpc_error(
        f.stub.StartIntervention(
            pb.StartInterventionRequest(
                id=visit.id, started_at=ts(f.clock.now() + timedelta(hours=2))
            ),
            metadata=me,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    error = await rpc_error(f.stub.GetReportPdf(pb.GetReportPdfRequest(id=visit.id), metadata=me))
    assert error.code() == grpc.StatusCode.NOT_FOUND
