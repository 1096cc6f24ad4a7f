"""gRPC edge of the intervention service: proto <-> domain, nothing else."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp_runtime.errors import InvalidArgument
from google.protobuf.timestamp_pb2 import Timestamp

from . import scheduling
from .contracts import Address
from .geo import GeoPoint
from .local_time import local_datetime
from .measurements import Measurements
from .report_content import Completion, PartInput, ReportInput
from .repository import AbsenceRow, InterventionFilter, ReportRow, TechnicianRow
from .service import (
    CorrectiveInput,
    InterventionService,
    InterventionView,
    TechnicianChanges,
    TechnicianInput,
    WorkingPeriod,
    parse_id,
)
from .signatures import Signature

KINDS = {
    "preventive": pb.INTERVENTION_KIND_PREVENTIVE,
    "corrective": pb.INTERVENTION_KIND_CORRECTIVE,
}
KIND_NAMES = {v: k for k, v in KINDS.items()}
STATUSES = {
    "scheduled": pb.INTERVENTION_STATUS_SCHEDULED,
    "in_progress": pb.INTERVENTION_STATUS_IN_PROGRESS,
    "completed": pb.INTERVENTION_STATUS_COMPLETED,
    "cancelled": pb.INTERVENTION_STATUS_CANCELLED,
    "overdue": pb.INTERVENTION_STATUS_OVERDUE,
}
STATUS_NAMES = {v: k for k, v in STATUSES.items()}
PRIORITIES = {
    "low": pb.PRIORITY_LOW,
    "normal": pb.PRIORITY_NORMAL,
    "high": pb.PRIORITY_HIGH,
    "urgent": pb.PRIORITY_URGENT,
}
PRIORITY_NAMES = {v: k for k, v in PRIORITIES.items()}


# -- proto -> domain -----------------------------------------------------------------------------


def _date(message: common_pb2.Date, field: str) -> date:
    try:
        return date(message.year, message.month, message.day)
    except ValueError:
        raise InvalidArgument(
            f"{field} is not a valid date", fields={field: "invalid date"}
        ) from None


def _optional_date(parent: object, field: str) -> date | None:
    return _date(getattr(parent, field), field) if parent.HasField(field) else None  # type: ignore[attr-defined]


def _optional_time(parent: object, field: str) -> datetime | None:
    if not parent.HasField(field):  # type: ignore[attr-defined]
        return None
    stamp: Timestamp = getattr(parent, field)
    value: datetime = stamp.ToDatetime(tzinfo=UTC)
    return value


def _minutes(parent: object, field: str) -> int | None:
    if not parent.HasField(field):  # type: ignore[attr-defined]
        return None
    value: pb.TimeOfDay = getattr(parent, field)
    if not (0 <= value.hours <= 24 and 0 <= value.minutes <= 59) or (
        value.hours == 24 and value.minutes
    ):
        raise InvalidArgument(
            f"{field} is not a valid time of day", fields={field: "00:00 to 24:00"}
        )
    return value.hours * 60 + value.minutes


def _periods(messages: Iterable[pb.WorkingPeriod]) -> list[WorkingPeriod]:
    periods = []
    for i, p in enumerate(messages):
        start, end = _minutes(p, "start"), _minutes(p, "end")
        if start is None or end is None:
            raise InvalidArgument(
                "a working period needs a start and an end",
                fields={f"working_hours.{i}": "start and end required"},
            )
        periods.append(WorkingPeriod(p.weekday, start, end))
    return periods


def _point(parent: object, field: str) -> GeoPoint | None:
    if not parent.HasField(field):  # type: ignore[attr-defined]
        return None
    value: common_pb2.GeoPoint = getattr(parent, field)
    return GeoPoint(value.latitude, value.longitude)


def _signature(parent: object, field: str) -> Signature | None:
    if not parent.HasField(field):  # type: ignore[attr-defined]
        return None
    value: pb.Signature = getattr(parent, field)
    signed_at = _optional_time(value, "signed_at")
    if signed_at is None:
        raise InvalidArgument("when was it signed?", fields={f"{field}.signed_at": "required"})
    return Signature(value.signer_name, signed_at, bytes(value.png))


def _measurements(message: pb.Measurements) -> Measurements:
    return Measurements(
        **{
            name: getattr(message, name) if message.HasField(name) else None
            for name in (
                "ph",
                "free_chlorine_mg_l",
                "total_chlorine_mg_l",
                "tac_mg_l",
                "cyanuric_acid_mg_l",
                "salt_g_l",
                "temperature_c",
            )
        }
    )


# -- domain -> proto -----------------------------------------------------------------------------


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def date_message(value: date | None) -> common_pb2.Date | None:
    if value is None:
        return None
    return common_pb2.Date(year=value.year, month=value.month, day=value.day)


def time_of_day(minute: int) -> pb.TimeOfDay:
    return pb.TimeOfDay(hours=minute // 60, minutes=minute % 60)


def technician_message(row: TechnicianRow) -> pb.Technician:
    return pb.Technician(
        id=str(row.id),
        user_id=str(row.user_id),
        display_name=row.display_name,
        skills=row.skills,
        working_hours=[
            pb.WorkingPeriod(
                weekday=p["weekday"], start=time_of_day(p["start"]), end=time_of_day(p["end"])
            )
            for p in row.working_hours
        ],
        home_base=common_pb2.GeoPoint(latitude=row.home_latitude, longitude=row.home_longitude),
        active=row.active,
        calendar_feed_enabled=row.calendar_token_hash is not None,
        create_time=timestamp(row.created_at),
    )


def absence_message(row: AbsenceRow) -> pb.Absence:
    return pb.Absence(
        id=str(row.id),
        technician_id=str(row.technician_id),
        start_time=timestamp(row.starts_at),
        end_time=timestamp(row.ends_at),
        reason=row.reason,
    )


def _signature_message(
    name: str | None, signed_at: datetime | None, png: bytes | None, with_image: bool
) -> pb.Signature | None:
    if not name:
        return None
    return pb.Signature(
        signer_name=name, signed_at=timestamp(signed_at), png=(png or b"") if with_image else b""
    )


def report_message(view: InterventionView, report: ReportRow, with_images: bool) -> pb.Report:
    return pb.Report(
        measurements=pb.Measurements(
            **{
                name: value
                for name in (
                    "ph",
                    "free_chlorine_mg_l",
                    "total_chlorine_mg_l",
                    "tac_mg_l",
                    "cyanuric_acid_mg_l",
                    "salt_g_l",
                    "temperature_c",
                )
                if (value := getattr(report, name)) is not None
            }
        ),
        warnings=[pb.MeasurementWarning(field=w.field, message=w.message) for w in view.warnings],
        actions=report.actions,
        parts=[
            pb.PartUsed(
                description=p["description"],
                product_code=p["product_code"],
                quantity=p["quantity"],
                unit=p["unit"],
                unit_price=common_pb2.Money(
                    amount_cents=p["unit_price_cents"], currency=p["currency"]
                ),
                billable=p["billable"],
            )
            for p in report.parts
        ],
        time_spent_minutes=report.time_spent_minutes or 0,
        notes=report.notes,
        customer_signature=_signature_message(
            report.customer_signer_name,
            report.customer_signed_at,
            report.customer_signature_png,
            with_images,
        ),
        technician_signature=_signature_message(
            report.technician_signer_name,
            report.technician_signed_at,
            report.technician_signature_png,
            with_images,
        ),
        customer_absent=report.customer_absent,
        customer_absence_reason=report.customer_absence_reason,
        pdf_available=view.pdf_available,
    )


def intervention_message(view: InterventionView, *, with_images: bool = False) -> pb.Intervention:
    row = view.row
    address = Address.from_dict(row.site_address)
    site = pb.SiteSnapshot(
        site_id=row.site_id,
        name=row.site_name,
        address=common_pb2.Address(
            lines=address.lines,
            postal_code=address.postal_code,
            city=address.city,
            country=address.country,
        ),
        location=common_pb2.GeoPoint(latitude=row.site_latitude, longitude=row.site_longitude)
        if row.site_latitude is not None and row.site_longitude is not None
        else None,
        access_notes=row.access_notes,
        gate_code=row.gate_code,
    )
    return pb.Intervention(
        id=str(row.id),
        kind=KINDS[row.kind],
        status=STATUSES[row.status],
        contract_id=row.contract_id,
        customer_id=row.customer_id,
        site=site,
        plan_id=row.plan_id or "",
        occurrence_date=date_message(row.occurrence_date),
        planned_date=date_message(row.planned_date),
        window_start=time_of_day(row.window_start_minute),
        window_end=time_of_day(row.window_end_minute),
        estimated_minutes=row.estimated_minutes,
        required_skill=row.required_skill,
        label=row.label,
        priority=PRIORITIES.get(row.priority or "", pb.PRIORITY_UNSPECIFIED),
        problem_description=row.problem_description,
        sla_deadline=timestamp(row.sla_deadline),
        sla_breached=view.sla_breached,
        billable=row.billable,
        next_from_completion=row.next_from_completion,
        technician_id=str(row.technician_id) if row.technician_id else "",
        technician_name=row.technician_name or "",
        scheduled_start=timestamp(row.scheduled_start),
        scheduled_end=timestamp(row.scheduled_end),
        started_at=timestamp(row.started_at),
        completed_at=timestamp(row.completed_at),
        cancelled_at=timestamp(row.cancelled_at),
        cancel_reason=row.cancel_reason,
        report=report_message(view, view.report, with_images) if view.report else None,
        version=row.version,
        create_time=timestamp(row.created_at),
    )


def _placement(p: scheduling.Placement) -> pb.ProposedAssignment:
    return pb.ProposedAssignment(
        intervention_id=p.intervention_id,
        technician_id=p.technician_id,
        scheduled_start=timestamp(local_datetime(p.day, p.slot.start)),
        scheduled_end=timestamp(local_datetime(p.day, p.slot.end)),
        sequence=p.sequence,
        travel_metres=p.travel_metres,
    )


def _filter(request: pb.ListInterventionsRequest) -> InterventionFilter:
    return InterventionFilter(
        technician_id=parse_id(request.technician_id, "technician_id")
        if request.technician_id
        else None,
        contract_id=request.contract_id or None,
        site_id=request.site_id or None,
        customer_id=request.customer_id or None,
        statuses=tuple(STATUS_NAMES[s] for s in request.statuses if s in STATUS_NAMES),
        kind=KIND_NAMES.get(request.kind),
        from_date=_optional_date(request, "from_date"),
        to_date=_optional_date(request, "to_date"),
        unassigned_only=request.unassigned_only,
    )


class InterventionServicer(intervention_pb2_grpc.InterventionServiceServicer):
    def __init__(self, service: InterventionService) -> None:
        self.service = service

    # -- technicians --------------------------------------------------------------------------
    async def CreateTechnician(self, request, context):  # type: ignore[no-untyped-def]
        row = await self.service.create_technician(
            TechnicianInput(
                user_id=request.user_id,
                display_name=request.display_name,
                skills=list(request.skills),
                working_hours=_periods(request.working_hours),
                home=_point(request, "home_base"),
            )
        )
        return technician_message(row)

    async def GetTechnician(self, request, context):  # type: ignore[no-untyped-def]
        return technician_message(await self.service.get_technician(request.id))

    async def ListTechnicians(self, request, context):  # type: ignore[no-untyped-def]
        page = await self.service.list_technicians(
            request.skill, request.include_inactive, request.page.page_size, request.page.page_token
        )
        return pb.ListTechniciansResponse(
            technicians=[technician_message(t) for t in page.items],
            page=common_pb2.PageResponse(next_page_token=page.next_page_token, total_size=-1),
        )

    async def UpdateTechnician(self, request, context):  # type: ignore[no-untyped-def]
        changes = TechnicianChanges(
            display_name=request.display_name if request.HasField("display_name") else None,
            skills=list(request.skills) if request.update_skills else None,
            working_hours=_periods(request.working_hours) if request.update_working_hours else None,
            home=_point(request, "home_base"),
            active=request.active if request.HasField("active") else None,
        )
        return technician_message(await self.service.update_technician(request.id, changes))

    async def AddAbsence(self, request, context):  # type: ignore[no-untyped-def]
        row = await self.service.add_absence(
            request.technician_id,
            _optional_time(request, "start_time"),
            _optional_time(request, "end_time"),
            request.reason,
        )
        return absence_message(row)

    async def RemoveAbsence(self, request, context):  # type: ignore[no-untyped-def]
        await self.service.remove_absence(request.technician_id, request.absence_id)
        return pb.RemoveAbsenceResponse()

    async def ListAbsences(self, request, context):  # type: ignore[no-untyped-def]
        rows = await self.service.list_absences(
            request.technician_id,
            _optional_date(request, "from_date"),
            _optional_date(request, "to_date"),
        )
        return pb.ListAbsencesResponse(absences=[absence_message(r) for r in rows])

    async def RotateCalendarToken(self, request, context):  # type: ignore[no-untyped-def]
        return pb.RotateCalendarTokenResponse(
            token=await self.service.rotate_calendar_token(request.technician_id)
        )

    async def RevokeCalendarToken(self, request, context):  # type: ignore[no-untyped-def]
        await self.service.revoke_calendar_token(request.technician_id)
        return pb.RevokeCalendarTokenResponse()

    async def GetCalendarFeed(self, request, context):  # type: ignore[no-untyped-def]
        return pb.GetCalendarFeedResponse(ics=await self.service.calendar_feed(request.token))

    # -- visits and interventions -------------------------------------------------------------
    async def GeneratePlan(self, request, context):  # type: ignore[no-untyped-def]
        result = await self.service.generate_plan(
            request.contract_id, request.horizon_months, _optional_date(request, "from_date")
        )
        return pb.GeneratePlanResponse(
            created=result.created,
            existing=result.existing,
            from_date=date_message(result.first),
            to_date=date_message(result.last),
        )

    async def CancelFutureVisits(self, request, context):  # type: ignore[no-untyped-def]
        cancelled = await self.service.cancel_future_visits(
            request.contract_id, _optional_date(request, "from_date"), request.reason
        )
        return pb.CancelFutureVisitsResponse(cancelled=cancelled)

    async def MarkOverdueVisits(self, request, context):  # type: ignore[no-untyped-def]
        return pb.MarkOverdueVisitsResponse(
            marked=await self.service.mark_overdue(_optional_date(request, "as_of"))
        )

    async def CreateIntervention(self, request, context):  # type: ignore[no-untyped-def]
        view = await self.service.create_corrective(
            CorrectiveInput(
                contract_id=request.contract_id,
                site_id=request.site_id,
                priority=PRIORITY_NAMES.get(request.priority, ""),
                problem_description=request.problem_description,
                billable=request.billable,
                reported_at=_optional_time(request, "reported_at"),
                planned_date=_optional_date(request, "planned_date"),
                window_start=_minutes(request, "window_start"),
                window_end=_minutes(request, "window_end"),
                estimated_minutes=request.estimated_minutes,
                required_skill=request.required_skill,
            )
        )
        return intervention_message(view)

    async def GetIntervention(self, request, context):  # type: ignore[no-untyped-def]
        return intervention_message(
            await self.service.get_intervention(request.id), with_images=True
        )

    async def ListInterventions(self, request, context):  # type: ignore[no-untyped-def]
        page = await self.service.list_interventions(
            _filter(request), request.page.page_size, request.page.page_token
        )
        return pb.ListInterventionsResponse(
            interventions=[intervention_message(v) for v in page.items],
            page=common_pb2.PageResponse(next_page_token=page.next_page_token, total_size=-1),
        )

    async def RescheduleIntervention(self, request, context):  # type: ignore[no-untyped-def]
        view = await self.service.reschedule(
            request.id,
            _optional_date(request, "planned_date"),
            _minutes(request, "window_start"),
            _minutes(request, "window_end"),
            _optional_time(request, "scheduled_start"),
            request.expected_version,
        )
        return intervention_message(view)

    async def CancelIntervention(self, request, context):  # type: ignore[no-untyped-def]
        return intervention_message(await self.service.cancel(request.id, request.reason))

    async def AssignIntervention(self, request, context):  # type: ignore[no-untyped-def]
        view = await self.service.assign(
            request.id,
            request.technician_id,
            _optional_time(request, "scheduled_start"),
            request.expected_version,
        )
        return intervention_message(view)

    async def UnassignIntervention(self, request, context):  # type: ignore[no-untyped-def]
        return intervention_message(await self.service.unassign(request.id))

    async def AutoAssign(self, request, context):  # type: ignore[no-untyped-def]
        result = await self.service.auto_assign(
            _optional_date(request, "from_date"),
            _optional_date(request, "to_date"),
            request.dry_run,
            list(request.technician_ids),
        )
        plan = result.plan
        return pb.AutoAssignResponse(
            assignments=[
                _placement(p)
                for p in sorted(plan.placements, key=lambda p: (p.technician_id, p.day, p.sequence))
            ],
            unplaced=[
                pb.UnplacedIntervention(intervention_id=u.intervention_id, reason=u.reason)
                for u in plan.unplaced
            ],
            loads=[
                pb.TechnicianDayLoad(
                    technician_id=load.technician_id,
                    date=date_message(load.day),
                    visits=load.visits,
                    work_minutes=load.work_minutes,
                    travel_metres=load.travel_metres,
                )
                for load in plan.loads
            ],
            total_travel_metres=plan.total_travel_metres,
            dry_run=result.dry_run,
        )

    async def GetPlanning(self, request, context):  # type: ignore[no-untyped-def]
        planning = await self.service.planning(
            _optional_date(request, "from_date"),
            _optional_date(request, "to_date"),
            list(request.technician_ids),
        )
        return pb.GetPlanningResponse(
            lanes=[
                pb.PlanningLane(
                    technician=technician_message(lane.technician),
                    interventions=[intervention_message(v) for v in lane.interventions],
                )
                for lane in planning.lanes
            ],
            unassigned=[intervention_message(v) for v in planning.unassigned],
        )

    async def GetTechnicianSchedule(self, request, context):  # type: ignore[no-untyped-def]
        tech, days = await self.service.technician_schedule(
            request.technician_id,
            _optional_date(request, "from_date"),
            _optional_date(request, "to_date"),
        )
        return pb.GetTechnicianScheduleResponse(
            technician=technician_message(tech),
            days=[
                pb.ScheduleDay(
                    date=date_message(day.day),
                    stops=[
                        pb.ScheduleStop(
                            intervention=intervention_message(stop.view),
                            sequence=stop.sequence,
                            travel_metres=stop.travel_metres,
                            travel_minutes=stop.travel_minutes,
                        )
                        for stop in day.stops
                    ],
                )
                for day in days
            ],
        )

    # -- field work ---------------------------------------------------------------------------
    async def StartIntervention(self, request, context):  # type: ignore[no-untyped-def]
        return intervention_message(
            await self.service.start(request.id, _optional_time(request, "started_at"))
        )

    async def SaveReport(self, request, context):  # type: ignore[no-untyped-def]
        report = ReportInput(
            measurements=_measurements(request.measurements),
            actions=list(request.actions),
            parts=[
                PartInput(
                    description=p.description,
                    product_code=p.product_code,
                    quantity=p.quantity,
                    unit=p.unit,
                    unit_price_cents=p.unit_price.amount_cents,
                    currency=p.unit_price.currency,
                    billable=p.billable,
                )
                for p in request.parts
            ],
            time_spent_minutes=request.time_spent_minutes or None,
            notes=request.notes,
        )
        return intervention_message(await self.service.save_report(request.id, report))

    async def CompleteIntervention(self, request, context):  # type: ignore[no-untyped-def]
        completion = Completion(
            customer_signature=_signature(request, "customer_signature"),
            technician_signature=_signature(request, "technician_signature"),
            customer_absent=request.customer_absent,
            customer_absence_reason=request.customer_absence_reason,
            completed_at=_optional_time(request, "completed_at"),
        )
        return intervention_message(
            await self.service.complete(request.id, completion), with_images=True
        )

    async def GetReportPdf(self, request, context):  # type: ignore[no-untyped-def]
        document = await self.service.report_pdf(request.id)
        return pb.GetReportPdfResponse(
            pdf=document.pdf, filename=document.filename, sha256=document.sha256
        )
