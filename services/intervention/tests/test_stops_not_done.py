"""Stops that could not be done: the visit becomes NOT_DONE with its reason, and a follow-up
visit lands on the technician's next working day (weekend and absence skipped, after the
visits already planned that day), or is left unassigned for the office when the company does
not carry stops over; a second report changes nothing; only the assigned technician reports."""

from __future__ import annotations

from datetime import date

import grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.clock import paris
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import Field, Metadata, as_date, ts, weekdays

# A Friday: the next working days are Monday 20 and Tuesday 21 July 2026.
FRIDAY = date(2026, 7, 17)
MONDAY = date(2026, 7, 20)
TUESDAY = date(2026, 7, 21)


async def assigned_visit(
    f: Field, day: date, tech: pb.Technician, hour: int = 9
) -> pb.Intervention:
    visit = await f.generated_visit(day)
    return await f.stub.AssignIntervention(
        pb.AssignInterventionRequest(
            id=visit.id,
            technician_id=tech.id,
            scheduled_start=ts(paris(day.year, day.month, day.day, hour)),
        ),
        metadata=await f.office(),
    )


async def friday_stop(f: Field) -> tuple[pb.Intervention, pb.Technician, Metadata]:
    """A visit on Friday morning assigned to a Monday-to-Friday technician, the clock on site."""
    f.clock.set(paris(2026, 7, 17, 9, 20))
    tech, me = await f.technician(hours=weekdays("08:00", "17:00"))
    visit = await assigned_visit(f, FRIDAY, tech)
    return visit, tech, me


def closed_gate(visit_id: str) -> pb.ReportStopNotDoneRequest:
    return pb.ReportStopNotDoneRequest(
        intervention_id=visit_id,
        reason=pb.STOP_NOT_DONE_REASON_CLOSED_GATE,
        note="Portail fermé, personne ne répond à l'interphone",
    )


async def set_carry_over(f: Field, carry_over: bool, notify: bool = True) -> None:
    await f.stub.UpdateStopSettings(
        pb.UpdateStopSettingsRequest(carry_over_automatically=carry_over, notify_customer=notify),
        metadata=await f.office(),
    )


async def stop_events(f: Field, visit_id: str) -> list[dict[str, object]]:
    return [
        e for e in await f.events("intervention.stop_not_done") if e["intervention_id"] == visit_id
    ]


async def test_a_stop_not_done_on_friday_is_carried_to_the_next_working_day_after_an_absence(
    field_services: Field,
) -> None:
    f = field_services
    await set_carry_over(f, True)
    visit, tech, me = await friday_stop(f)
    # Absent all Monday; on Tuesday a visit already takes 08:00-09:00.
    await f.stub.AddAbsence(
        pb.AddAbsenceRequest(
            technician_id=tech.id,
            start_time=ts(paris(2026, 7, 20)),
            end_time=ts(paris(2026, 7, 21)),
            reason="congés",
        ),
        metadata=await f.office(),
    )
    tuesday_visit = await assigned_visit(f, TUESDAY, tech, hour=8)

    stop = await f.stub.ReportStopNotDone(closed_gate(visit.id), metadata=me)

    assert stop.follow_up == pb.STOP_FOLLOW_UP_CARRIED_OVER
    assert stop.reason == pb.STOP_NOT_DONE_REASON_CLOSED_GATE
    assert stop.customer_notified
    follow = stop.follow_up_visit
    assert follow.id != visit.id
    assert as_date(follow.planned_date) == TUESDAY
    assert follow.technician_id == tech.id
    assert follow.status == pb.INTERVENTION_STATUS_SCHEDULED
    # After Tuesday's 08:00-09:00 visit.
    assert follow.scheduled_start.ToDatetime() == tuesday_visit.scheduled_end.ToDatetime()
    assert follow.site.site_id == visit.site.site_id
    assert follow.label == visit.label

    again = await f.stub.GetIntervention(pb.GetInterventionRequest(id=visit.id), metadata=me)
    assert again.status == pb.INTERVENTION_STATUS_NOT_DONE

    (event,) = await stop_events(f, visit.id)
    assert event["reason"] == "closed_gate"
    assert event["reason_label"] == "portail fermé"
    assert event["follow_up"] == "carried_over"
    assert event["follow_up_date"] == TUESDAY.isoformat()
    assert event["notify_customer"] is True
    # The customer gets the usual appointment notice of the new visit.
    assert [
        e
        for e in await f.events("intervention.visit.scheduled")
        if e["intervention_id"] == follow.id
    ]


async def test_without_an_absence_friday_carries_to_monday(field_services: Field) -> None:
    f = field_services
    visit, tech, me = await friday_stop(f)  # no setting saved: carried over by default
    stop = await f.stub.ReportStopNotDone(
        pb.ReportStopNotDoneRequest(
            intervention_id=visit.id, reason=pb.STOP_NOT_DONE_REASON_DOG, note=""
        ),
        metadata=me,
    )
    assert stop.follow_up == pb.STOP_FOLLOW_UP_CARRIED_OVER
    assert as_date(stop.follow_up_visit.planned_date) == MONDAY
    assert stop.follow_up_visit.technician_id == tech.id
    assert not stop.customer_notified


async def test_with_the_setting_off_the_stop_is_left_for_the_office(field_services: Field) -> None:
    f = field_services
    await set_carry_over(f, False, notify=False)
    settings = await f.stub.GetStopSettings(pb.GetStopSettingsRequest(), metadata=await f.office())
    assert not settings.carry_over_automatically and not settings.notify_customer
    visit, _, me = await friday_stop(f)

    stop = await f.stub.ReportStopNotDone(closed_gate(visit.id), metadata=me)

    assert stop.follow_up == pb.STOP_FOLLOW_UP_TO_REPLAN
    follow = stop.follow_up_visit
    assert follow.technician_id == ""
    assert not follow.HasField("scheduled_start")
    assert as_date(follow.planned_date) == MONDAY
    assert follow.status == pb.INTERVENTION_STATUS_SCHEDULED
    (event,) = await stop_events(f, visit.id)
    assert event["follow_up"] == "to_replan" and event["notify_customer"] is False
    assert not [
        e
        for e in await f.events("intervention.visit.scheduled")
        if e["intervention_id"] == follow.id
    ]


async def test_a_second_report_of_the_same_stop_changes_nothing(field_services: Field) -> None:
    f = field_services
    visit, _, me = await friday_stop(f)
    before = len(await f.visits(visit.contract_id))
    first = await f.stub.ReportStopNotDone(closed_gate(visit.id), metadata=me)
    second = await f.stub.ReportStopNotDone(
        pb.ReportStopNotDoneRequest(
            intervention_id=visit.id, reason=pb.STOP_NOT_DONE_REASON_WEATHER, note="Orage"
        ),
        metadata=me,
    )
    assert second == first
    assert len(await stop_events(f, visit.id)) == 1
    # One follow-up visit only, beside the contract's own visits.
    assert len(await f.visits(visit.contract_id)) == before + 1
    read = await f.stub.GetStopNotDone(
        pb.GetStopNotDoneRequest(intervention_id=visit.id), metadata=await f.office()
    )
    assert read == first


async def test_only_the_assigned_technician_reports_and_bad_input_is_named(
    field_services: Field,
) -> None:
    f = field_services
    visit, _, me = await friday_stop(f)
    _, someone_else = await f.technician(name="Hugo Bernard")

    error = await rpc_error(f.stub.ReportStopNotDone(closed_gate(visit.id), metadata=someone_else))
    assert error.code() == grpc.StatusCode.NOT_FOUND

    error = await rpc_error(
        f.stub.ReportStopNotDone(
            pb.ReportStopNotDoneRequest(
                intervention_id=visit.id, reason=pb.STOP_NOT_DONE_REASON_OTHER
            ),
            metadata=me,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "note" in field_violations(error.trailing_metadata())
    error = await rpc_error(
        f.stub.ReportStopNotDone(pb.ReportStopNotDoneRequest(intervention_id=visit.id), metadata=me)
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "reason" in field_violations(error.trailing_metadata())

    unchanged = await f.stub.GetIntervention(pb.GetInterventionRequest(id=visit.id), metadata=me)
    assert unchanged.status == pb.INTERVENTION_STATUS_SCHEDULED
    assert await stop_events(f, visit.id) == []
    # The technicians' settings are the office's.
    error = await rpc_error(f.stub.GetStopSettings(pb.GetStopSettingsRequest(), metadata=me))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
