"""The office's day planning through the real services: proposed start times include the
drive from the previous stop (the automatic assignment's distance model), and the rain-day
shift moves a day's visits to each technician's next working day in the same order, with the
rescheduled appointment e-mails' event."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_intervention.config import InterventionSettings
from aquaerp_intervention.geo import GeoPoint, haversine_metres, travel_minutes
from aquaerp_intervention.local_time import local_datetime
from aquaerp_runtime.errors import field_violations
from aquaerp_runtime.testing.plugin import rpc_error

from .conftest import LATTES, MONTPELLIER, Field, as_date, d, ts

FRIDAY = date(2031, 6, 6)
MONDAY = FRIDAY + timedelta(days=3)
TUESDAY = FRIDAY + timedelta(days=4)
# Pérols, about 6 km from Lattes.
PEROLS = (43.5653, 3.9526)
SPEED = InterventionSettings.model_fields["travel_speed_kmh"].default


def at(day: date, hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return local_datetime(day, int(hours) * 60 + int(minutes))


def drive(a: tuple[float, float], b: tuple[float, float]) -> int:
    return travel_minutes(haversine_metres(GeoPoint(*a), GeoPoint(*b)), SPEED)


async def visit_at(
    f: Field, day: date, geo: tuple[float, float], **plan: object
) -> pb.Intervention:
    contract, _ = await f.contract(
        plans=[{"rrule": f"FREQ=MONTHLY;BYMONTHDAY={day.day}", **plan}],
        start=(day - timedelta(days=40)).isoformat(),
        geo=geo,
    )
    await f.stub.GeneratePlan(
        pb.GeneratePlanRequest(contract_id=contract.id, from_date=d(day), horizon_months=1),
        metadata=await f.office(),
    )
    (visit,) = [v for v in await f.visits(contract.id) if as_date(v.planned_date) == day]
    return visit


async def assign(f: Field, visit: pb.Intervention, tech_id: str, start: datetime) -> None:
    await f.stub.AssignIntervention(
        pb.AssignInterventionRequest(id=visit.id, technician_id=tech_id, scheduled_start=ts(start)),
        metadata=await f.office(),
    )


async def test_the_proposed_start_includes_the_drive_from_the_previous_stop(
    field_services: Field,
) -> None:
    f = field_services
    office = await f.office()
    tech, _ = await f.technician(home=MONTPELLIER)
    first = await visit_at(f, FRIDAY, LATTES)  # 60 minutes, window 08:00-12:00
    second = await visit_at(f, FRIDAY, PEROLS)

    # The first stop of the day: leaves home at 08:00, arrives after the drive.
    proposed = await f.stub.ProposeStart(
        pb.ProposeStartRequest(intervention_id=first.id, technician_id=tech.id, day=d(FRIDAY)),
        metadata=office,
    )
    from_home = drive(MONTPELLIER, LATTES)
    assert from_home > 0
    assert proposed.travel_minutes == from_home
    assert proposed.previous_intervention_id == ""
    expected = at(FRIDAY, "08:00") + timedelta(minutes=from_home)
    assert proposed.scheduled_start.seconds == int(expected.timestamp())

    # After the first visit (08:00-09:00 in Lattes): 09:00 plus the drive to Pérols.
    await assign(f, first, tech.id, at(FRIDAY, "08:00"))
    proposed = await f.stub.ProposeStart(
        pb.ProposeStartRequest(intervention_id=second.id, technician_id=tech.id, day=d(FRIDAY)),
        metadata=office,
    )
    between = drive(LATTES, PEROLS)
    assert between >= 5
    assert proposed.previous_intervention_id == first.id
    assert proposed.travel_minutes == between
    assert proposed.travel_metres > 4000
    expected = at(FRIDAY, "09:00") + timedelta(minutes=between)
    assert proposed.scheduled_start.seconds == int(expected.timestamp())
    # The proposal is accepted as it is.
    await assign(f, second, tech.id, expected)

    error = await rpc_error(
        f.stub.ProposeStart(
            pb.ProposeStartRequest(intervention_id=second.id, technician_id=tech.id),
            metadata=office,
        )
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(error.trailing_metadata()) == {"day": "required"}


async def test_a_rain_day_moves_visits_to_the_next_working_day_in_order(
    field_services: Field,
) -> None:
    f = field_services
    office = await f.office()
    tech, _ = await f.technician()  # works Monday to Friday
    early = await visit_at(f, FRIDAY, LATTES)
    late = await visit_at(f, FRIDAY, PEROLS)
    waiting = await visit_at(f, FRIDAY, LATTES)  # no technician yet
    await assign(f, late, tech.id, at(FRIDAY, "10:30"))
    await assign(f, early, tech.id, at(FRIDAY, "08:30"))
    # Monday off: the next working day is Tuesday.
    await f.stub.AddAbsence(
        pb.AddAbsenceRequest(
            technician_id=tech.id,
            start_time=ts(at(MONDAY, "00:00")),
            end_time=ts(at(TUESDAY, "00:00")),
            reason="Congé",
        ),
        metadata=office,
    )

    request = pb.ShiftDayRequest(day=d(FRIDAY), dry_run=True)
    preview = await f.stub.ShiftDay(request, metadata=office)
    assert preview.dry_run
    moved = {v.intervention.id: v for v in preview.visits}
    assert [v.intervention.id for v in preview.visits if v.intervention.technician_id] == [
        early.id,
        late.id,
    ]
    assert as_date(moved[early.id].new_date) == TUESDAY
    assert moved[early.id].new_start.seconds == int(at(TUESDAY, "08:30").timestamp())
    assert moved[late.id].new_start.seconds == int(at(TUESDAY, "10:30").timestamp())
    assert as_date(moved[waiting.id].new_date) == MONDAY  # next weekday, nobody assigned
    assert not moved[waiting.id].HasField("new_start")
    assert not any(v.overlaps for v in preview.visits)
    # The preview changed nothing.
    unchanged = await f.stub.GetIntervention(
        pb.GetInterventionRequest(id=early.id), metadata=office
    )
    assert as_date(unchanged.planned_date) == FRIDAY
    assert await f.events("intervention.visit.rescheduled") == []

    # A zone without these sites moves nothing.
    other_zone = await f.stub.ShiftDay(
        pb.ShiftDayRequest(day=d(FRIDAY), postal_code_prefix="13"), metadata=office
    )
    assert list(other_zone.visits) == []

    done = await f.stub.ShiftDay(pb.ShiftDayRequest(day=d(FRIDAY)), metadata=office)
    assert len(done.visits) == 3 and not done.dry_run
    after = {
        v.id: v
        for v in [
            await f.stub.GetIntervention(pb.GetInterventionRequest(id=i), metadata=office)
            for i in (early.id, late.id, waiting.id)
        ]
    }
    assert as_date(after[early.id].planned_date) == TUESDAY
    assert after[early.id].scheduled_start.seconds < after[late.id].scheduled_start.seconds
    assert after[late.id].scheduled_start.seconds == int(at(TUESDAY, "10:30").timestamp())
    assert after[late.id].technician_id == tech.id
    assert as_date(after[waiting.id].planned_date) == MONDAY
    # The customers' appointment e-mails: one rescheduled event per appointment moved.
    rescheduled = await f.events("intervention.visit.rescheduled")
    assert sorted(e["intervention_id"] for e in rescheduled) == sorted([early.id, late.id])
    assert {e["previous_date"] for e in rescheduled} == {FRIDAY.isoformat()}
