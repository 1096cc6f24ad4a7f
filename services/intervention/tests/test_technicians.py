"""Technicians, absences, the technician's day, and the iCalendar feed at a revocable URL."""

from __future__ import annotations

from datetime import date, timedelta

import grpc
from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_intervention.local_time import local_datetime
from aquaerp_runtime.clock import paris
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error
from icalendar import Calendar

from .conftest import Field, d, tod, ts, weekdays

MONDAY = date(2031, 6, 2)


async def test_create_validate_and_update_technicians(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    tech, _ = await f.technician(skills=("Piscine", "spa", "piscine"))
    assert list(tech.skills) == ["piscine", "spa"]
    assert len(tech.working_hours) == 5 and tech.active
    user, _ = await f.auth.user_token("technicien")
    bad_requests = [
        (
            pb.CreateTechnicianRequest(
                user_id="nope",
                display_name="A",
                working_hours=weekdays(),
                home_base=common_pb2.GeoPoint(latitude=43, longitude=3),
            ),
            "user_id",
        ),
        (
            pb.CreateTechnicianRequest(
                user_id=user.id,
                display_name="A",
                home_base=common_pb2.GeoPoint(latitude=43, longitude=3),
            ),
            "working_hours",
        ),
        (
            pb.CreateTechnicianRequest(
                user_id=user.id,
                display_name="A",
                working_hours=weekdays(),
                home_base=common_pb2.GeoPoint(latitude=95, longitude=3),
            ),
            "home_base",
        ),
        (
            pb.CreateTechnicianRequest(
                user_id=user.id,
                display_name="A",
                working_hours=[pb.WorkingPeriod(weekday=8, start=tod("08:00"), end=tod("12:00"))],
                home_base=common_pb2.GeoPoint(latitude=43, longitude=3),
            ),
            "working_hours.0.weekday",
        ),
        (
            pb.CreateTechnicianRequest(
                user_id=user.id,
                display_name="A",
                working_hours=[pb.WorkingPeriod(weekday=1, start=tod("12:00"), end=tod("08:00"))],
                home_base=common_pb2.GeoPoint(latitude=43, longitude=3),
            ),
            "working_hours.0.end",
        ),
        (
            pb.CreateTechnicianRequest(
                user_id=user.id,
                display_name="A",
                working_hours=weekdays("08:00", "12:00") + weekdays("11:00", "17:00"),
                home_base=common_pb2.GeoPoint(latitude=43, longitude=3),
            ),
            "working_hours",
        ),
    ]
    for request, bad_field in bad_requests:
        error = await rpc_error(f.stub.CreateTechnician(request, metadata=office))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, bad_field
        assert bad_field in field_violations(error.trailing_metadata()), bad_field
    duplicate = await rpc_error(
        f.stub.CreateTechnician(
            pb.CreateTechnicianRequest(
                user_id=tech.user_id,
                display_name="B",
                working_hours=weekdays(),
                home_base=common_pb2.GeoPoint(latitude=43, longitude=3),
            ),
            metadata=office,
        )
    )
    assert duplicate.code() == grpc.StatusCode.ALREADY_EXISTS
    updated = await f.stub.UpdateTechnician(
        pb.UpdateTechnicianRequest(
            id=tech.id, display_name="Léa R.", skills=["spa"], update_skills=True
        ),
        metadata=office,
    )
    assert updated.display_name == "Léa R." and list(updated.skills) == ["spa"]
    listed = await f.stub.ListTechnicians(pb.ListTechniciansRequest(skill="spa"), metadata=office)
    assert tech.id in [t.id for t in listed.technicians]
    denied = await rpc_error(
        f.stub.ListTechnicians(pb.ListTechniciansRequest(), metadata=await f.as_role("technicien"))
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_technician_day_is_ordered_with_what_to_do(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    tech, me = await f.technician(home=(43.61, 3.87))
    first = await f.generated_visit(MONDAY)
    second = await f.generated_visit(MONDAY)
    for visit, hhmm in ((second, 10 * 60 + 30), (first, 8 * 60 + 30)):
        await f.stub.AssignIntervention(
            pb.AssignInterventionRequest(
                id=visit.id, technician_id=tech.id, scheduled_start=ts(local_datetime(MONDAY, hhmm))
            ),
            metadata=office,
        )
    schedule = await f.stub.GetTechnicianSchedule(
        pb.GetTechnicianScheduleRequest(from_date=d(MONDAY), to_date=d(MONDAY + timedelta(days=1))),
        metadata=me,
    )
    assert schedule.technician.id == tech.id
    assert [len(day.stops) for day in schedule.days] == [2, 0]
    stops = schedule.days[0].stops
    assert [s.intervention.id for s in stops] == [first.id, second.id]
    assert [s.sequence for s in stops] == [1, 2]
    assert stops[0].travel_metres > 4000  # home in Montpellier to Lattes
    assert stops[1].travel_metres == 0  # same site
    assert stops[0].intervention.site.access_notes == "Chien dans le jardin, sonner deux fois"
    assert stops[0].intervention.site.address.city == "Lattes"
    assert stops[0].intervention.label.startswith("Entretien piscine")
    _, other = await f.technician(name="Autre")
    error = await rpc_error(
        f.stub.GetTechnicianSchedule(
            pb.GetTechnicianScheduleRequest(technician_id=tech.id), metadata=other
        )
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_absences(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    tech, me = await f.technician()
    start = paris(2031, 7, 1)
    absence = await f.stub.AddAbsence(
        pb.AddAbsenceRequest(
            technician_id=tech.id,
            start_time=ts(start),
            end_time=ts(start + timedelta(days=14)),
            reason="congés",
        ),
        metadata=office,
    )
    listed = await f.stub.ListAbsences(
        pb.ListAbsencesRequest(from_date=d("2031-06-01"), to_date=d("2031-12-31")), metadata=me
    )
    assert [a.id for a in listed.absences] == [absence.id]
    error = await rpc_error(
        f.stub.AddAbsence(
            pb.AddAbsenceRequest(
                technician_id=tech.id, start_time=ts(start), end_time=ts(start - timedelta(hours=1))
            ),
            metadata=office,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    await f.stub.RemoveAbsence(
        pb.RemoveAbsenceRequest(technician_id=tech.id, absence_id=absence.id), metadata=office
    )
    error = await rpc_error(
        f.stub.RemoveAbsence(
            pb.RemoveAbsenceRequest(technician_id=tech.id, absence_id=absence.id), metadata=office
        )
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_calendar_feed_parses_and_revoked_tokens_are_gone(field_services: Field) -> None:
    f = field_services
    office = await f.office()
    tech, me = await f.technician()
    soon = f.clock.today() + timedelta(days=7)
    soon += timedelta(days=(7 - soon.weekday()) % 7)  # a Monday
    visit = await f.generated_visit(soon)
    await f.stub.AssignIntervention(
        pb.AssignInterventionRequest(
            id=visit.id, technician_id=tech.id, scheduled_start=ts(local_datetime(soon, 9 * 60))
        ),
        metadata=office,
    )
    token = (await f.stub.RotateCalendarToken(pb.RotateCalendarTokenRequest(), metadata=me)).token
    assert len(token) >= 43
    # The feed is public: no credentials at all.
    feed = await f.stub.GetCalendarFeed(pb.GetCalendarFeedRequest(token=token))
    calendar = Calendar.from_ical(feed.ics)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["uid"]) == f"{visit.id}@aquaerp"
    assert event.decoded("dtstart") == local_datetime(soon, 9 * 60)
    assert event.decoded("dtend") == local_datetime(soon, 10 * 60)
    assert "Lattes" in str(event["location"])
    assert "Chien dans le jardin" in str(event["description"])
    assert "4821B" not in feed.ics  # never the gate code in a calendar
    assert str(event["status"]) == "CONFIRMED"

    rotated = (
        await f.stub.RotateCalendarToken(
            pb.RotateCalendarTokenRequest(technician_id=tech.id), metadata=office
        )
    ).token
    error = await rpc_error(f.stub.GetCalendarFeed(pb.GetCalendarFeedRequest(token=token)))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert (await f.stub.GetCalendarFeed(pb.GetCalendarFeedRequest(token=rotated))).ics
    await f.stub.RevokeCalendarToken(pb.RevokeCalendarTokenRequest(), metadata=me)
    error = await rpc_error(f.stub.GetCalendarFeed(pb.GetCalendarFeedRequest(token=rotated)))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    technician = await f.stub.GetTechnician(pb.GetTechnicianRequest(), metadata=me)
    assert not technician.calendar_feed_enabled
