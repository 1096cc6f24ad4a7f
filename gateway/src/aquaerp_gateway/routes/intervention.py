"""/api/v1 field work: technicians, visits and interventions, planning, technician schedules,
reports, and the technicians' calendar feeds (public, token in the URL)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA, TECHNICIEN
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from ..schemas import Page
from ..schemas.common import to_date as date_message
from ..schemas.intervention import (
    KIND_TO_PROTO,
    PRIORITY_TO_PROTO,
    STATUS_TO_PROTO,
    Absence,
    AbsenceBody,
    AssignBody,
    AutoAssignBody,
    AutoAssignResult,
    CalendarFeed,
    CancelBody,
    CancelFutureBody,
    CancelledCount,
    CompleteBody,
    CorrectiveCreateBody,
    GeneratePlanBody,
    GenerationResult,
    Intervention,
    InterventionList,
    KindName,
    MarkOverdueBody,
    OverdueCount,
    Planning,
    PlanningLane,
    ReportBody,
    RescheduleBody,
    Schedule,
    StartBody,
    StatusName,
    Technician,
    TechnicianCreateBody,
    TechnicianList,
    TechnicianUpdateBody,
    to_time_of_day,
    to_timestamp,
)
from ..schemas.intervention import (
    from_date as date_value,
)
from ..security import require

router = APIRouter(tags=["intervention"])

OFFICE = require(ADMIN, BUREAU)
FIELD = require(ADMIN, BUREAU, TECHNICIEN)
READERS = require(ADMIN, BUREAU, COMPTA, TECHNICIEN, CLIENT)
# A path id; each use gets its own Path() (a shared one would keep the first alias).
PathId = Annotated[str, Path(max_length=64)]


def _stub(request: Request) -> intervention_pb2_grpc.InterventionServiceStub:
    stub: intervention_pb2_grpc.InterventionServiceStub = request.app.state.clients.stub(
        "intervention", intervention_pb2_grpc.InterventionServiceStub
    )
    return stub


def _feed_url(request: Request, token: str) -> str:
    return str(request.url_for("calendar_feed", token=token))


# -- technicians ---------------------------------------------------------------------------------


@router.get(
    "/technicians",
    response_model=TechnicianList,
    summary="List technicians",
    dependencies=[Depends(OFFICE)],
)
async def list_technicians(
    request: Request,
    skill: str = Query(default="", max_length=50),
    include_inactive: bool = False,
    page_size: int = Query(default=50, ge=1, le=500),
    page_token: str = Query(default="", max_length=400),
) -> TechnicianList:
    response = await _stub(request).ListTechnicians(
        pb.ListTechniciansRequest(
            skill=skill,
            include_inactive=include_inactive,
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
        )
    )
    return TechnicianList(
        items=[Technician.from_proto(t) for t in response.technicians],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.post(
    "/technicians",
    response_model=Technician,
    status_code=201,
    summary="Create a technician",
    dependencies=[Depends(OFFICE)],
)
async def create_technician(body: TechnicianCreateBody, request: Request) -> Technician:
    message = await _stub(request).CreateTechnician(
        pb.CreateTechnicianRequest(
            user_id=body.user_id,
            display_name=body.display_name,
            skills=body.skills,
            working_hours=[p.to_proto() for p in body.working_hours],
            home_base=body.home_base.to_proto(),
        )
    )
    return Technician.from_proto(message)


@router.get(
    "/technicians/me",
    response_model=Technician,
    summary="My technician profile",
    dependencies=[Depends(FIELD)],
)
async def my_technician(request: Request) -> Technician:
    return Technician.from_proto(await _stub(request).GetTechnician(pb.GetTechnicianRequest()))


@router.get(
    "/technicians/{technician_id}",
    response_model=Technician,
    summary="Get a technician",
    dependencies=[Depends(FIELD)],
)
async def get_technician(request: Request, technician_id: PathId) -> Technician:
    return Technician.from_proto(
        await _stub(request).GetTechnician(pb.GetTechnicianRequest(id=technician_id))
    )


@router.patch(
    "/technicians/{technician_id}",
    response_model=Technician,
    summary="Change a technician",
    dependencies=[Depends(OFFICE)],
)
async def update_technician(
    body: TechnicianUpdateBody, request: Request, technician_id: PathId
) -> Technician:
    message = pb.UpdateTechnicianRequest(id=technician_id)
    if body.display_name is not None:
        message.display_name = body.display_name
    if body.skills is not None:
        message.skills.extend(body.skills)
        message.update_skills = True
    if body.working_hours is not None:
        message.working_hours.extend(p.to_proto() for p in body.working_hours)
        message.update_working_hours = True
    if body.home_base is not None:
        message.home_base.CopyFrom(body.home_base.to_proto())
    if body.active is not None:
        message.active = body.active
    return Technician.from_proto(await _stub(request).UpdateTechnician(message))


@router.get(
    "/technicians/{technician_id}/absences",
    response_model=list[Absence],
    summary="A technician's absences",
    dependencies=[Depends(FIELD)],
)
async def list_absences(
    request: Request,
    technician_id: PathId,
    from_date: date | None = None,
    to_date: date | None = None,
) -> list[Absence]:
    message = pb.ListAbsencesRequest(technician_id=technician_id)
    if from_date:
        message.from_date.CopyFrom(date_message(from_date))
    if to_date:
        message.to_date.CopyFrom(date_message(to_date))
    return [Absence.from_proto(a) for a in (await _stub(request).ListAbsences(message)).absences]


@router.post(
    "/technicians/{technician_id}/absences",
    response_model=Absence,
    status_code=201,
    summary="Record an absence",
    dependencies=[Depends(OFFICE)],
)
async def add_absence(body: AbsenceBody, request: Request, technician_id: PathId) -> Absence:
    message = await _stub(request).AddAbsence(
        pb.AddAbsenceRequest(
            technician_id=technician_id,
            start_time=to_timestamp(body.start_time),
            end_time=to_timestamp(body.end_time),
            reason=body.reason,
        )
    )
    return Absence.from_proto(message)


@router.delete(
    "/technicians/{technician_id}/absences/{absence_id}",
    status_code=204,
    summary="Delete an absence",
    dependencies=[Depends(OFFICE)],
)
async def remove_absence(request: Request, technician_id: PathId, absence_id: PathId) -> None:
    await _stub(request).RemoveAbsence(
        pb.RemoveAbsenceRequest(technician_id=technician_id, absence_id=absence_id)
    )


@router.get(
    "/technicians/{technician_id}/schedule",
    response_model=Schedule,
    summary="A technician's ordered schedule",
    dependencies=[Depends(FIELD)],
)
async def technician_schedule(
    request: Request,
    technician_id: PathId,
    from_date: date | None = None,
    to_date: date | None = None,
) -> Schedule:
    return await _schedule(request, technician_id, from_date, to_date)


@router.get(
    "/me/schedule",
    response_model=Schedule,
    summary="My schedule (today by default)",
    dependencies=[Depends(FIELD)],
)
async def my_schedule(
    request: Request, from_date: date | None = None, to_date: date | None = None
) -> Schedule:
    return await _schedule(request, "", from_date, to_date)


async def _schedule(
    request: Request, technician_id: str, first: date | None, last: date | None
) -> Schedule:
    message = pb.GetTechnicianScheduleRequest(technician_id=technician_id)
    if first:
        message.from_date.CopyFrom(date_message(first))
    if last:
        message.to_date.CopyFrom(date_message(last))
    return Schedule.from_proto(await _stub(request).GetTechnicianSchedule(message))


@router.post(
    "/technicians/{technician_id}/calendar-feed",
    response_model=CalendarFeed,
    summary="New calendar feed URL (the previous one stops working)",
    dependencies=[Depends(FIELD)],
)
async def rotate_calendar_token(request: Request, technician_id: PathId) -> CalendarFeed:
    token = (
        await _stub(request).RotateCalendarToken(
            pb.RotateCalendarTokenRequest(technician_id=technician_id)
        )
    ).token
    return CalendarFeed(token=token, url=_feed_url(request, token))


@router.delete(
    "/technicians/{technician_id}/calendar-feed",
    status_code=204,
    summary="Disable the calendar feed",
    dependencies=[Depends(FIELD)],
)
async def revoke_calendar_token(request: Request, technician_id: PathId) -> None:
    await _stub(request).RevokeCalendarToken(
        pb.RevokeCalendarTokenRequest(technician_id=technician_id)
    )


@router.post(
    "/me/calendar-feed",
    response_model=CalendarFeed,
    summary="New URL for my calendar feed",
    dependencies=[Depends(FIELD)],
)
async def rotate_my_calendar_token(request: Request) -> CalendarFeed:
    token = (await _stub(request).RotateCalendarToken(pb.RotateCalendarTokenRequest())).token
    return CalendarFeed(token=token, url=_feed_url(request, token))


@router.delete(
    "/me/calendar-feed",
    status_code=204,
    summary="Disable my calendar feed",
    dependencies=[Depends(FIELD)],
)
async def revoke_my_calendar_token(request: Request) -> None:
    await _stub(request).RevokeCalendarToken(pb.RevokeCalendarTokenRequest())


@router.get(
    "/calendar/{token}.ics",
    name="calendar_feed",
    summary="A technician's iCalendar feed; no login: the unguessable token is the credential",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def calendar_feed(
    request: Request, token: str = Path(min_length=20, max_length=200)
) -> Response:
    feed = await _stub(request).GetCalendarFeed(pb.GetCalendarFeedRequest(token=token))
    return Response(
        feed.ics,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


# -- plans ---------------------------------------------------------------------------------------


@router.post(
    "/contracts/{contract_id}/visits/generate",
    response_model=GenerationResult,
    summary="Create the preventive visits of a contract's plans (idempotent)",
    dependencies=[Depends(OFFICE)],
)
async def generate_plan(
    body: GeneratePlanBody, request: Request, contract_id: PathId
) -> GenerationResult:
    message = pb.GeneratePlanRequest(contract_id=contract_id, horizon_months=body.horizon_months)
    if body.from_date:
        message.from_date.CopyFrom(date_message(body.from_date))
    response = await _stub(request).GeneratePlan(message)
    return GenerationResult(
        created=response.created,
        existing=response.existing,
        from_date=date_value(response.from_date),
        to_date=date_value(response.to_date),
    )


@router.post(
    "/contracts/{contract_id}/visits/cancel-future",
    response_model=CancelledCount,
    summary="Cancel a contract's visits from a date",
    dependencies=[Depends(OFFICE)],
)
async def cancel_future_visits(
    body: CancelFutureBody, request: Request, contract_id: PathId
) -> CancelledCount:
    message = pb.CancelFutureVisitsRequest(contract_id=contract_id, reason=body.reason)
    if body.from_date:
        message.from_date.CopyFrom(date_message(body.from_date))
    return CancelledCount(cancelled=(await _stub(request).CancelFutureVisits(message)).cancelled)


@router.post(
    "/visits/mark-overdue",
    response_model=OverdueCount,
    summary="Mark visits whose date passed undone as overdue",
    dependencies=[Depends(OFFICE)],
)
async def mark_overdue(body: MarkOverdueBody, request: Request) -> OverdueCount:
    message = pb.MarkOverdueVisitsRequest()
    if body.as_of:
        message.as_of.CopyFrom(date_message(body.as_of))
    return OverdueCount(marked=(await _stub(request).MarkOverdueVisits(message)).marked)


# -- interventions -------------------------------------------------------------------------------


@router.get(
    "/interventions",
    response_model=InterventionList,
    summary="List visits and interventions",
    dependencies=[Depends(READERS)],
)
async def list_interventions(
    request: Request,
    technician_id: str = Query(default="", max_length=64),
    contract_id: str = Query(default="", max_length=64),
    site_id: str = Query(default="", max_length=64),
    customer_id: str = Query(default="", max_length=64),
    status: list[StatusName] = Query(default_factory=list),
    kind: KindName | None = None,
    from_date: date | None = None,
    to_date: date | None = None,
    unassigned: bool = False,
    page_size: int = Query(default=50, ge=1, le=500),
    page_token: str = Query(default="", max_length=400),
) -> InterventionList:
    message = pb.ListInterventionsRequest(
        technician_id=technician_id,
        contract_id=contract_id,
        site_id=site_id,
        customer_id=customer_id,
        statuses=[STATUS_TO_PROTO[s] for s in status],
        kind=KIND_TO_PROTO[kind] if kind else pb.INTERVENTION_KIND_UNSPECIFIED,
        unassigned_only=unassigned,
        page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
    )
    if from_date:
        message.from_date.CopyFrom(date_message(from_date))
    if to_date:
        message.to_date.CopyFrom(date_message(to_date))
    response = await _stub(request).ListInterventions(message)
    return InterventionList(
        items=[Intervention.from_proto(i) for i in response.interventions],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.post(
    "/interventions",
    response_model=Intervention,
    status_code=201,
    summary="Record a breakdown call (corrective intervention)",
    dependencies=[Depends(OFFICE)],
)
async def create_intervention(body: CorrectiveCreateBody, request: Request) -> Intervention:
    message = pb.CreateInterventionRequest(
        contract_id=body.contract_id,
        site_id=body.site_id,
        priority=PRIORITY_TO_PROTO[body.priority],
        problem_description=body.problem_description,
        billable=body.billable,
        estimated_minutes=body.estimated_minutes,
        required_skill=body.required_skill,
    )
    if body.reported_at:
        message.reported_at.CopyFrom(to_timestamp(body.reported_at))
    if body.planned_date:
        message.planned_date.CopyFrom(date_message(body.planned_date))
    if body.window_start:
        message.window_start.CopyFrom(to_time_of_day(body.window_start))
    if body.window_end:
        message.window_end.CopyFrom(to_time_of_day(body.window_end))
    return Intervention.from_proto(await _stub(request).CreateIntervention(message))


@router.get(
    "/interventions/{intervention_id}",
    response_model=Intervention,
    summary="A visit or intervention with its report",
    dependencies=[Depends(READERS)],
)
async def get_intervention(request: Request, intervention_id: PathId) -> Intervention:
    return Intervention.from_proto(
        await _stub(request).GetIntervention(pb.GetInterventionRequest(id=intervention_id))
    )


@router.post(
    "/interventions/{intervention_id}/reschedule",
    response_model=Intervention,
    summary="Move to another date or window",
    dependencies=[Depends(OFFICE)],
)
async def reschedule(
    body: RescheduleBody, request: Request, intervention_id: PathId
) -> Intervention:
    message = pb.RescheduleInterventionRequest(
        id=intervention_id,
        planned_date=date_message(body.planned_date),
        expected_version=body.expected_version,
    )
    if body.window_start:
        message.window_start.CopyFrom(to_time_of_day(body.window_start))
    if body.window_end:
        message.window_end.CopyFrom(to_time_of_day(body.window_end))
    if body.scheduled_start:
        message.scheduled_start.CopyFrom(to_timestamp(body.scheduled_start))
    return Intervention.from_proto(await _stub(request).RescheduleIntervention(message))


@router.post(
    "/interventions/{intervention_id}/cancel",
    response_model=Intervention,
    summary="Cancel",
    dependencies=[Depends(OFFICE)],
)
async def cancel(body: CancelBody, request: Request, intervention_id: PathId) -> Intervention:
    return Intervention.from_proto(
        await _stub(request).CancelIntervention(
            pb.CancelInterventionRequest(id=intervention_id, reason=body.reason)
        )
    )


@router.post(
    "/interventions/{intervention_id}/assign",
    response_model=Intervention,
    summary="Assign a technician at a start time (409 with `errors.reason` on a conflict)",
    dependencies=[Depends(OFFICE)],
)
async def assign(body: AssignBody, request: Request, intervention_id: PathId) -> Intervention:
    message = pb.AssignInterventionRequest(
        id=intervention_id,
        technician_id=body.technician_id,
        scheduled_start=to_timestamp(body.scheduled_start),
        expected_version=body.expected_version,
    )
    return Intervention.from_proto(await _stub(request).AssignIntervention(message))


@router.post(
    "/interventions/{intervention_id}/unassign",
    response_model=Intervention,
    summary="Remove the technician",
    dependencies=[Depends(OFFICE)],
)
async def unassign(request: Request, intervention_id: PathId) -> Intervention:
    return Intervention.from_proto(
        await _stub(request).UnassignIntervention(
            pb.UnassignInterventionRequest(id=intervention_id)
        )
    )


@router.post(
    "/interventions/{intervention_id}/start",
    response_model=Intervention,
    summary="Start on site",
    dependencies=[Depends(FIELD)],
)
async def start(
    request: Request, intervention_id: PathId, body: StartBody | None = None
) -> Intervention:
    message = pb.StartInterventionRequest(id=intervention_id)
    if body is not None and body.started_at:
        message.started_at.CopyFrom(to_timestamp(body.started_at))
    return Intervention.from_proto(await _stub(request).StartIntervention(message))


@router.put(
    "/interventions/{intervention_id}/report",
    response_model=Intervention,
    summary="Save the report (measurements, actions, parts, time)",
    dependencies=[Depends(FIELD)],
)
async def save_report(body: ReportBody, request: Request, intervention_id: PathId) -> Intervention:
    message = pb.SaveReportRequest(
        id=intervention_id,
        measurements=body.measurements.to_proto(),
        actions=body.actions,
        parts=[p.to_proto() for p in body.parts],
        time_spent_minutes=body.time_spent_minutes or 0,
        notes=body.notes,
    )
    return Intervention.from_proto(await _stub(request).SaveReport(message))


@router.post(
    "/interventions/{intervention_id}/complete",
    response_model=Intervention,
    summary="Complete with signatures; stores the report PDF",
    dependencies=[Depends(FIELD)],
)
async def complete(body: CompleteBody, request: Request, intervention_id: PathId) -> Intervention:
    message = pb.CompleteInterventionRequest(
        id=intervention_id,
        technician_signature=body.technician_signature.to_proto(),
        customer_absent=body.customer_absent,
        customer_absence_reason=body.customer_absence_reason,
    )
    if body.customer_signature is not None:
        message.customer_signature.CopyFrom(body.customer_signature.to_proto())
    if body.completed_at:
        message.completed_at.CopyFrom(to_timestamp(body.completed_at))
    return Intervention.from_proto(await _stub(request).CompleteIntervention(message))


@router.get(
    "/interventions/{intervention_id}/report.pdf",
    summary="The report PDF",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    dependencies=[Depends(READERS)],
)
async def report_pdf(request: Request, intervention_id: PathId) -> Response:
    document = await _stub(request).GetReportPdf(pb.GetReportPdfRequest(id=intervention_id))
    return Response(
        document.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{document.filename}"',
            "ETag": f'"{document.sha256}"',
        },
    )


# -- planning ------------------------------------------------------------------------------------


@router.get(
    "/planning",
    response_model=Planning,
    summary="Technicians' lanes and unassigned work for a period",
    dependencies=[Depends(OFFICE)],
)
async def planning(
    request: Request,
    from_date: date,
    to_date: date,
    technician_id: list[str] = Query(default_factory=list),
) -> Planning:
    response = await _stub(request).GetPlanning(
        pb.GetPlanningRequest(
            from_date=date_message(from_date),
            to_date=date_message(to_date),
            technician_ids=technician_id,
        )
    )
    return Planning(
        lanes=[
            PlanningLane(
                technician=Technician.from_proto(lane.technician),
                interventions=[Intervention.from_proto(i) for i in lane.interventions],
            )
            for lane in response.lanes
        ],
        unassigned=[Intervention.from_proto(i) for i in response.unassigned],
    )


@router.post(
    "/planning/auto-assign",
    response_model=AutoAssignResult,
    summary="Assign the unassigned visits of a period (dry run by default)",
    dependencies=[Depends(OFFICE)],
)
async def auto_assign(body: AutoAssignBody, request: Request) -> AutoAssignResult:
    response = await _stub(request).AutoAssign(
        pb.AutoAssignRequest(
            from_date=date_message(body.from_date),
            to_date=date_message(body.to_date),
            dry_run=body.dry_run,
            technician_ids=body.technician_ids,
        )
    )
    return AutoAssignResult.from_proto(response)
