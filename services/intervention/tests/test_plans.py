"""Preventive visits generated from contrat's maintenance plans: seasons, idempotence, plan
changes, termination, overdue visits."""

from __future__ import annotations

from datetime import date

import grpc
from aquaerp.contrat.v1 import contrat_pb2 as cpb
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.clock import paris
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Field, as_date, d, ts

SUMMER = cpb.Season(
    name="Été", start_month_day="06-01", end_month_day="09-30", rrule="FREQ=WEEKLY;BYDAY=TU"
)
# The rest of the year (across the new year) on the plan's own rule.
OFF_SEASON = cpb.Season(name="Hors saison", start_month_day="10-01", end_month_day="05-31")


async def test_generation_follows_the_plan_and_its_seasons(field_services: Field) -> None:
    contract, site = await field_services.contract(plans=[{"seasons": [SUMMER, OFF_SEASON]}])
    response = await field_services.stub.GeneratePlan(
        pb.GeneratePlanRequest(contract_id=contract.id, from_date=d("2027-01-01")),
        metadata=await field_services.office(),
    )
    assert (as_date(response.from_date), as_date(response.to_date)) == (
        date(2027, 1, 1),
        date(2027, 12, 31),
    )
    visits = await field_services.visits(contract.id)
    days = [as_date(v.planned_date) for v in visits]
    summer = [day for day in days if 6 <= day.month <= 9]
    rest = [day for day in days if not 6 <= day.month <= 9]
    # Outside the season: the 5th of each month; in the season: every Tuesday.
    assert rest == [date(2027, m, 5) for m in (1, 2, 3, 4, 5, 10, 11, 12)]
    assert summer and all(day.isoweekday() == 2 for day in summer)
    assert len(summer) == 18  # Tuesdays from 1 June to 30 September 2027
    assert response.created == len(visits) == 26
    visit = visits[0]
    assert visit.kind == pb.INTERVENTION_KIND_PREVENTIVE
    assert visit.status == pb.INTERVENTION_STATUS_SCHEDULED
    assert visit.site.site_id == site.id
    assert visit.site.address.city == "Lattes"
    assert visit.site.access_notes == "Chien dans le jardin, sonner deux fois"
    assert visit.site.gate_code == "4821B"
    assert round(visit.site.location.latitude, 4) == 43.5675
    assert visit.customer_id == contract.customer_id
    assert (visit.window_start.hours, visit.window_end.hours) == (8, 12)
    assert visit.estimated_minutes == 60
    assert visit.required_skill == "piscine"
    assert visit.label.startswith("Entretien piscine")
    assert visit.technician_id == ""


async def test_regeneration_never_duplicates(field_services: Field) -> None:
    contract, _ = await field_services.contract()
    office = await field_services.office()
    request = pb.GeneratePlanRequest(
        contract_id=contract.id, from_date=d("2027-01-01"), horizon_months=6
    )
    first = await field_services.stub.GeneratePlan(request, metadata=office)
    again = await field_services.stub.GeneratePlan(request, metadata=office)
    longer = await field_services.stub.GeneratePlan(
        pb.GeneratePlanRequest(
            contract_id=contract.id, from_date=d("2027-01-01"), horizon_months=12
        ),
        metadata=office,
    )
    assert (first.created, first.existing) == (6, 0)
    assert (again.created, again.existing) == (0, 6)
    assert (longer.created, longer.existing) == (6, 6)
    assert len(await field_services.visits(contract.id)) == 12


async def test_a_changed_plan_cancels_the_visits_it_no_longer_calls_for(
    field_services: Field,
) -> None:
    contract, _site = await field_services.contract()
    office = await field_services.office()
    request = pb.GeneratePlanRequest(
        contract_id=contract.id, from_date=d("2027-01-01"), horizon_months=3
    )
    await field_services.stub.GeneratePlan(request, metadata=office)
    # February's visit already has its technician: the new rhythm does not take it away.
    tech, _ = await field_services.technician()
    february = next(
        v for v in await field_services.visits(contract.id) if as_date(v.planned_date).month == 2
    )
    await field_services.stub.AssignIntervention(
        pb.AssignInterventionRequest(
            id=february.id,
            technician_id=tech.id,
            scheduled_start=ts(paris(2027, 2, 5, 9, 0)),
        ),
        metadata=office,
    )
    plans = list(contract.plans)
    plans[0].rrule = "FREQ=MONTHLY;BYMONTHDAY=20"
    await field_services.contrat.SetMaintenancePlans(
        cpb.SetMaintenancePlansRequest(id=contract.id, plans=plans), metadata=office
    )
    response = await field_services.stub.GeneratePlan(request, metadata=office)
    assert (response.created, response.cancelled) == (3, 2)
    assert [(k.id, k.technician_id) for k in response.kept] == [(february.id, tech.id)]
    visits = await field_services.visits(contract.id)
    cancelled = sorted(
        as_date(v.planned_date).isoformat()
        for v in visits
        if v.status == pb.INTERVENTION_STATUS_CANCELLED
    )
    scheduled = sorted(
        as_date(v.planned_date).isoformat()
        for v in visits
        if v.status == pb.INTERVENTION_STATUS_SCHEDULED
    )
    assert cancelled == ["2027-01-05", "2027-03-05"]
    assert scheduled == ["2027-01-20", "2027-02-05", "2027-02-20", "2027-03-20"]
    again = await field_services.stub.GeneratePlan(request, metadata=office)
    assert (again.created, again.cancelled, len(again.kept)) == (0, 0, 1)


async def test_termination_cancels_future_visits_only(field_services: Field) -> None:
    contract, _ = await field_services.contract()
    office = await field_services.office()
    await field_services.stub.GeneratePlan(
        pb.GeneratePlanRequest(
            contract_id=contract.id, from_date=d("2027-01-01"), horizon_months=6
        ),
        metadata=office,
    )
    response = await field_services.stub.CancelFutureVisits(
        pb.CancelFutureVisitsRequest(
            contract_id=contract.id, from_date=d("2027-04-01"), reason="contrat résilié"
        ),
        metadata=office,
    )
    assert response.cancelled == 3
    by_month = {as_date(v.planned_date).month: v for v in await field_services.visits(contract.id)}
    assert all(by_month[m].status == pb.INTERVENTION_STATUS_SCHEDULED for m in (1, 2, 3))
    assert all(by_month[m].status == pb.INTERVENTION_STATUS_CANCELLED for m in (4, 5, 6))
    assert by_month[4].cancel_reason == "contrat résilié"
    again = await field_services.stub.CancelFutureVisits(
        pb.CancelFutureVisitsRequest(contract_id=contract.id, from_date=d("2027-04-01")),
        metadata=office,
    )
    assert again.cancelled == 0


async def test_visits_turn_overdue_when_their_date_passes_undone(field_services: Field) -> None:
    contract, _ = await field_services.contract()
    office = await field_services.office()
    await field_services.stub.GeneratePlan(
        pb.GeneratePlanRequest(
            contract_id=contract.id, from_date=d("2027-01-01"), horizon_months=4
        ),
        metadata=office,
    )
    marked = await field_services.stub.MarkOverdueVisits(
        pb.MarkOverdueVisitsRequest(as_of=d("2027-02-06")), metadata=office
    )
    assert marked.marked >= 2
    from prometheus_client import REGISTRY

    assert (REGISTRY.get_sample_value("aquaerp_intervention_visits_overdue") or 0) >= 2
    by_month = {as_date(v.planned_date).month: v for v in await field_services.visits(contract.id)}
    assert by_month[1].status == by_month[2].status == pb.INTERVENTION_STATUS_OVERDUE
    assert by_month[3].status == by_month[4].status == pb.INTERVENTION_STATUS_SCHEDULED
    # Rescheduling an overdue visit into the future makes it scheduled again.
    moved = await field_services.stub.RescheduleIntervention(
        pb.RescheduleInterventionRequest(id=by_month[1].id, planned_date=d("2099-03-10")),
        metadata=office,
    )
    assert moved.status == pb.INTERVENTION_STATUS_SCHEDULED
    assert as_date(moved.occurrence_date) == date(2027, 1, 5)


async def test_generation_needs_the_office_and_a_valid_contract(field_services: Field) -> None:
    request = pb.GeneratePlanRequest(contract_id="not-a-uuid")
    error = await rpc_error(
        field_services.stub.GeneratePlan(request, metadata=await field_services.office())
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    contract, _ = await field_services.contract()
    technician = await field_services.as_role("technicien")
    error = await rpc_error(
        field_services.stub.GeneratePlan(
            pb.GeneratePlanRequest(contract_id=contract.id), metadata=technician
        )
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = await rpc_error(
        field_services.stub.GeneratePlan(
            pb.GeneratePlanRequest(contract_id=contract.id, horizon_months=40),
            metadata=await field_services.office(),
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert await field_services.visits(contract.id) == []


async def test_overdue_is_decided_by_the_services_clock(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    contract, _ = await f.contract()
    await f.stub.GeneratePlan(
        pb.GeneratePlanRequest(
            contract_id=contract.id, from_date=d("2027-01-01"), horizon_months=3
        ),
        metadata=office,
    )
    f.clock.set(paris(2027, 2, 5, 23, 59))  # the February visit (the 5th) is still due today
    await f.stub.MarkOverdueVisits(pb.MarkOverdueVisitsRequest(), metadata=office)
    by_month = {as_date(v.planned_date).month: v.status for v in await f.visits(contract.id)}
    assert by_month == {
        1: pb.INTERVENTION_STATUS_OVERDUE,
        2: pb.INTERVENTION_STATUS_SCHEDULED,
        3: pb.INTERVENTION_STATUS_SCHEDULED,
    }
    f.clock.advance(minutes=1)  # midnight in Paris: the 6th
    await f.stub.MarkOverdueVisits(pb.MarkOverdueVisitsRequest(), metadata=office)
    by_month = {as_date(v.planned_date).month: v.status for v in await f.visits(contract.id)}
    assert by_month[2] == pb.INTERVENTION_STATUS_OVERDUE
    assert by_month[3] == pb.INTERVENTION_STATUS_SCHEDULED
