"""Manual assignment refuses every conflict with its reason; concurrent dispatchers cannot
double-book a slot; automatic assignment (dry run and real); the office planning."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import grpc
import pytest_asyncio
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_intervention.local_time import local_datetime
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import AuthFixture, ServiceHarness, rpc_error, truncate_schema
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Field, d, start_field, ts, weekdays

# A Monday, far enough ahead to be free of other tests' data.
MONDAY = date(2031, 6, 2)


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return local_datetime(day, int(hours) * 60 + int(minutes))


async def assign(
    field: Field, visit_id: str, technician_id: str, start: datetime
) -> pb.Intervention:
    return await field.stub.AssignIntervention(
        pb.AssignInterventionRequest(
            id=visit_id, technician_id=technician_id, scheduled_start=ts(start)
        ),
        metadata=await field.office(),
    )


async def refused(field: Field, visit_id: str, technician_id: str, start: datetime) -> str:
    error = await rpc_error(assign(field, visit_id, technician_id, start))
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION, error.details()
    reason = field_violations(error.trailing_metadata())["reason"]
    assert error.details().startswith(f"{reason}: ")
    return reason


async def test_manual_assignment_refuses_each_conflict_with_its_reason(
    field_services: Field,
) -> None:
    f = field_services
    office = await f.office()
    tech, _ = await f.technician(hours=weekdays("08:00", "12:00") + weekdays("13:30", "17:30"))
    spa_only, _ = await f.technician(name="Marc Spa", skills=("spa",))
    visit = await f.generated_visit(MONDAY)  # window 08:00-12:00, 60 minutes, skill piscine
    other = await f.generated_visit(MONDAY)

    assert await refused(f, visit.id, spa_only.id, at(MONDAY, "09:00")) == "MISSING_SKILL"
    assert await refused(f, visit.id, tech.id, at(MONDAY, "11:30")) == "OUTSIDE_TIME_WINDOW"
    assert (
        await refused(f, visit.id, tech.id, at(MONDAY + timedelta(days=1), "09:00"))
        == "OUTSIDE_TIME_WINDOW"
    )
    assert await refused(f, visit.id, tech.id, at(MONDAY, "07:30")) == "OUTSIDE_TIME_WINDOW"
    await f.stub.RescheduleIntervention(
        pb.RescheduleInterventionRequest(
            id=visit.id,
            planned_date=d(MONDAY),
            window_start=pb.TimeOfDay(hours=7),
            window_end=pb.TimeOfDay(hours=18),
        ),
        metadata=office,
    )
    assert await refused(f, visit.id, tech.id, at(MONDAY, "07:00")) == "OUTSIDE_WORKING_HOURS"
    assert (
        await refused(f, visit.id, tech.id, at(MONDAY, "11:45")) == "OUTSIDE_WORKING_HOURS"
    )  # lunch
    absence = await f.stub.AddAbsence(
        pb.AddAbsenceRequest(
            technician_id=tech.id,
            start_time=ts(at(MONDAY, "14:00")),
            end_time=ts(at(MONDAY, "16:00")),
            reason="médecin",
        ),
        metadata=office,
    )
    assert await refused(f, visit.id, tech.id, at(MONDAY, "15:30")) == "ABSENCE"
    await assign(f, other.id, tech.id, at(MONDAY, "09:00"))
    assert await refused(f, visit.id, tech.id, at(MONDAY, "09:30")) == "OVERLAP"
    await f.stub.UpdateTechnician(
        pb.UpdateTechnicianRequest(id=spa_only.id, active=False), metadata=office
    )
    assert await refused(f, visit.id, spa_only.id, at(MONDAY, "09:00")) == "TECHNICIAN_INACTIVE"

    # Nothing changed on refusal; back to back with the other visit fits.
    unchanged = await f.stub.GetIntervention(
        pb.GetInterventionRequest(id=visit.id), metadata=office
    )
    assert unchanged.technician_id == ""
    done = await assign(f, visit.id, tech.id, at(MONDAY, "10:00"))
    assert done.technician_id == tech.id and done.technician_name == "Léa Roussel"
    assert done.scheduled_end.ToDatetime() - done.scheduled_start.ToDatetime() == timedelta(
        minutes=60
    )
    # Once the absence is removed the afternoon is free again.
    await f.stub.RemoveAbsence(
        pb.RemoveAbsenceRequest(technician_id=tech.id, absence_id=absence.id), metadata=office
    )
    moved = await assign(f, visit.id, tech.id, at(MONDAY, "15:00"))
    assert moved.scheduled_start.ToDatetime(tzinfo=UTC) == at(MONDAY, "15:00")


async def test_appointment_events_for_the_customer(field_services: Field) -> None:
    f = field_services
    tech, _ = await f.technician()
    visit = await f.generated_visit(MONDAY)
    await assign(f, visit.id, tech.id, at(MONDAY, "09:00"))
    await assign(f, visit.id, tech.id, at(MONDAY, "10:00"))
    await f.stub.CancelIntervention(
        pb.CancelInterventionRequest(id=visit.id, reason="client en vacances"),
        metadata=await f.office(),
    )
    (scheduled,) = await f.events("intervention.visit.scheduled")
    (rescheduled,) = await f.events("intervention.visit.rescheduled")
    (cancelled,) = await f.events("intervention.visit.cancelled")
    assert scheduled["intervention_id"] == visit.id
    assert scheduled["customer_id"] == visit.customer_id
    assert scheduled["site_address"]["city"] == "Lattes"
    assert scheduled["date"] == MONDAY.isoformat()
    assert (scheduled["window_start"], scheduled["window_end"]) == ("08:00", "12:00")
    assert datetime.fromisoformat(scheduled["scheduled_start"]) == at(MONDAY, "09:00")
    assert datetime.fromisoformat(rescheduled["scheduled_start"]) == at(MONDAY, "10:00")
    assert datetime.fromisoformat(rescheduled["previous_scheduled_start"]) == at(MONDAY, "09:00")
    assert cancelled["reason"] == "client en vacances"


async def test_stale_version_is_refused(field_services: Field) -> None:
    f = field_services
    tech, _ = await f.technician()
    visit = await f.generated_visit(MONDAY)
    await assign(f, visit.id, tech.id, at(MONDAY, "09:00"))
    error = await rpc_error(
        f.stub.AssignIntervention(
            pb.AssignInterventionRequest(
                id=visit.id,
                technician_id=tech.id,
                scheduled_start=ts(at(MONDAY, "10:00")),
                expected_version=visit.version,
            ),
            metadata=await f.office(),
        )
    )
    assert error.code() == grpc.StatusCode.ABORTED


@pytest_asyncio.fixture
async def committed_field(
    services: ServiceHarness, auth_service: AuthFixture, engine: AsyncEngine
) -> AsyncIterator[Field]:
    """Services on the real, pooled database: concurrent calls run in concurrent transactions."""
    async for fixture in start_field(services, auth_service, None, None):
        yield fixture
    await truncate_schema(engine, "intervention")
    await truncate_schema(engine, "contrat")


async def test_twenty_dispatchers_booking_the_same_slot_make_one_assignment(
    committed_field: Field,
) -> None:
    f = committed_field
    tech, _ = await f.technician()
    visits = [await f.generated_visit(MONDAY) for _ in range(20)]
    office = await f.office()
    calls = [
        f.stub.AssignIntervention(
            pb.AssignInterventionRequest(
                id=v.id, technician_id=tech.id, scheduled_start=ts(at(MONDAY, "09:00"))
            ),
            metadata=office,
        )
        for v in visits
    ]
    results = await asyncio.gather(*calls, return_exceptions=True)
    succeeded = [r for r in results if isinstance(r, pb.Intervention)]
    failed = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(succeeded) == 1
    assert len(failed) == 19
    assert {e.code() for e in failed} == {grpc.StatusCode.FAILED_PRECONDITION}
    assert {field_violations(e.trailing_metadata())["reason"] for e in failed} == {"OVERLAP"}
    schedule = await f.stub.GetTechnicianSchedule(
        pb.GetTechnicianScheduleRequest(technician_id=tech.id, from_date=d(MONDAY)), metadata=office
    )
    assert len(schedule.days[0].stops) == 1


async def test_automatic_assignment_dry_run_then_for_real(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    west, _ = await f.technician(name="Ouest", home=(43.57, 3.85))
    spa, _ = await f.technician(name="Spa", skills=("piscine", "spa"), home=(43.60, 3.95))
    visits = [await f.generated_visit(MONDAY) for _ in range(3)]
    spa_visit = await f.generated_visit(MONDAY, required_skill="spa")
    request = pb.AutoAssignRequest(
        from_date=d(MONDAY), to_date=d(MONDAY + timedelta(days=6)), dry_run=True
    )
    proposal = await f.stub.AutoAssign(request, metadata=office)
    assert proposal.dry_run
    assert {a.intervention_id for a in proposal.assignments} == {v.id for v in [*visits, spa_visit]}
    assert {a.technician_id for a in proposal.assignments if a.intervention_id == spa_visit.id} == {
        spa.id
    }
    assert proposal.total_travel_metres > 0
    untouched = await f.stub.GetIntervention(
        pb.GetInterventionRequest(id=spa_visit.id), metadata=office
    )
    assert untouched.technician_id == ""

    request.dry_run = False
    applied = await f.stub.AutoAssign(request, metadata=office)
    assert len(applied.assignments) == 4 and not applied.unplaced
    for proposed in applied.assignments:
        saved = await f.stub.GetIntervention(
            pb.GetInterventionRequest(id=proposed.intervention_id), metadata=office
        )
        assert saved.technician_id == proposed.technician_id
        assert saved.scheduled_start == proposed.scheduled_start
    assert len(await f.events("intervention.visit.scheduled")) == 4
    # Nothing left to assign; the planning shows the four visits in the technicians' lanes.
    again = await f.stub.AutoAssign(request, metadata=office)
    assert len(again.assignments) == 0
    planning = await f.stub.GetPlanning(
        pb.GetPlanningRequest(
            from_date=d(MONDAY), to_date=d(MONDAY), technician_ids=[west.id, spa.id]
        ),
        metadata=office,
    )
    assert sum(len(lane.interventions) for lane in planning.lanes) == 4


async def test_corrective_intervention_with_sla_from_the_contract(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    contract, site = await f.contract(sla_hours=48)
    reported = at(MONDAY, "10:00") - timedelta(days=3650)
    created = await f.stub.CreateIntervention(
        pb.CreateInterventionRequest(
            contract_id=contract.id,
            site_id=site.id,
            priority=pb.PRIORITY_URGENT,
            problem_description="Pompe de filtration à l'arrêt, eau trouble",
            billable=True,
            reported_at=ts(reported),
            estimated_minutes=90,
        ),
        metadata=office,
    )
    assert created.kind == pb.INTERVENTION_KIND_CORRECTIVE
    assert created.priority == pb.PRIORITY_URGENT
    assert created.billable
    assert not created.HasField("planned_date")
    assert created.sla_deadline.ToDatetime(tzinfo=UTC) - reported == timedelta(hours=48)
    assert created.sla_breached  # reported ten years ago and never started
    assert created.site.gate_code == "4821B"
    planning = await f.stub.GetPlanning(
        pb.GetPlanningRequest(from_date=d(MONDAY), to_date=d(MONDAY)), metadata=office
    )
    assert created.id in {i.id for i in planning.unassigned}

    error = await rpc_error(
        f.stub.CreateIntervention(
            pb.CreateInterventionRequest(
                contract_id=contract.id, site_id=site.id, problem_description="x"
            ),
            metadata=office,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "priority" in field_violations(error.trailing_metadata())
    _other_contract, other_site = await f.contract()
    error = await rpc_error(
        f.stub.CreateIntervention(
            pb.CreateInterventionRequest(
                contract_id=contract.id,
                site_id=other_site.id,
                priority=pb.PRIORITY_LOW,
                problem_description="Fuite",
            ),
            metadata=office,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "site_id" in field_violations(error.trailing_metadata())


async def test_sla_is_breached_once_the_clock_passes_the_deadline(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    contract, site = await f.contract(sla_hours=24)
    created = await f.stub.CreateIntervention(
        pb.CreateInterventionRequest(
            contract_id=contract.id,
            site_id=site.id,
            priority=pb.PRIORITY_HIGH,
            problem_description="Eau verte depuis hier",
        ),
        metadata=office,
    )
    assert created.sla_deadline.ToDatetime(tzinfo=UTC) == f.clock.now() + timedelta(hours=24)
    assert not created.sla_breached
    get = pb.GetInterventionRequest(id=created.id)
    f.clock.advance(hours=24)
    assert not (await f.stub.GetIntervention(get, metadata=office)).sla_breached
    f.clock.advance(minutes=1)
    assert (await f.stub.GetIntervention(get, metadata=office)).sla_breached
