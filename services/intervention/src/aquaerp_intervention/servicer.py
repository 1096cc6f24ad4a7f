"""gRPC edge of the intervention service: proto <-> domain, nothing else."""

from __future__ import annotations

import grpc
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp.intervention.v1 import intervention_pb2_grpc
from aquaerp_runtime.convert import date_message, optional_date, optional_datetime, timestamp
from aquaerp_runtime.paging import page_response

from .assignment_service import AssignmentService
from .checklist_service import ChecklistService
from .day_planning import DayPlanning
from .logbook_service import LogbookService
from .logbook_servicer import LogbookServicer
from .messages import (
    PRIORITIES,
    absence_message,
    intervention_filter,
    intervention_message,
    measurements,
    minutes,
    placement_message,
    point,
    shifted_message,
    signature,
    technician_message,
    working_periods,
)
from .photo_service import PhotoService
from .photo_servicer import PhotoServicer
from .photo_store import photo_store
from .report_content import Completion, PartInput, ReportInput
from .report_service import ReportService
from .service_report import ServiceReports
from .service_report_servicer import ServiceReportServicer
from .stop_not_done import StopService
from .stop_servicer import StopServicer
from .technician_service import TechnicianChanges, TechnicianInput, TechnicianService
from .visit_service import CorrectiveInput, VisitService
from .water_service import WaterService
from .water_servicer import WaterServicer


class InterventionServicer(
    WaterServicer,
    StopServicer,
    ServiceReportServicer,
    PhotoServicer,
    LogbookServicer,
    intervention_pb2_grpc.InterventionServiceServicer,
):
    def __init__(
        self,
        technicians: TechnicianService,
        visits: VisitService,
        assignment: AssignmentService,
        reports: ReportService,
        water: WaterService,
        checklists: ChecklistService,
    ) -> None:
        self.water = water
        self.checklists = checklists
        self.technicians = technicians
        self.visits = visits
        self.assignment = assignment
        self.reports = reports
        self.day_planning = DayPlanning(assignment.database, assignment.settings, assignment.clock)
        self.stops = StopService(assignment.database, assignment.clock)
        self.service_reports = ServiceReports(assignment.database, assignment.clock)
        self.photos = PhotoService(
            assignment.database,
            photo_store(assignment.settings.photo_store, assignment.settings.photo_dir),
            assignment.clock,
            assignment.settings.photo_max_bytes,
        )
        self.logbook = LogbookService(
            assignment.database, water.installations, reports.contracts, assignment.clock
        )
        self.pdf_renderer = reports.renderer

    # -- technicians --------------------------------------------------------------------------
    async def CreateTechnician(
        self, request: pb.CreateTechnicianRequest, context: grpc.aio.ServicerContext
    ) -> pb.Technician:
        row = await self.technicians.create_technician(
            TechnicianInput(
                user_id=request.user_id,
                display_name=request.display_name,
                skills=list(request.skills),
                working_hours=working_periods(request.working_hours),
                home=point(request, "home_base"),
            )
        )
        return technician_message(row)

    async def GetTechnician(
        self, request: pb.GetTechnicianRequest, context: grpc.aio.ServicerContext
    ) -> pb.Technician:
        return technician_message(await self.technicians.get_technician(request.id))

    async def ListTechnicians(
        self, request: pb.ListTechniciansRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTechniciansResponse:
        page = await self.technicians.list_technicians(
            request.skill, request.include_inactive, request.page.page_size, request.page.page_token
        )
        return pb.ListTechniciansResponse(
            technicians=[technician_message(t) for t in page.items],
            page=page_response(page.next_page_token),
        )

    async def UpdateTechnician(
        self, request: pb.UpdateTechnicianRequest, context: grpc.aio.ServicerContext
    ) -> pb.Technician:
        changes = TechnicianChanges(
            display_name=request.display_name if request.HasField("display_name") else None,
            skills=list(request.skills) if request.update_skills else None,
            working_hours=working_periods(request.working_hours)
            if request.update_working_hours
            else None,
            home=point(request, "home_base"),
            active=request.active if request.HasField("active") else None,
        )
        return technician_message(await self.technicians.update_technician(request.id, changes))

    async def AddAbsence(
        self, request: pb.AddAbsenceRequest, context: grpc.aio.ServicerContext
    ) -> pb.Absence:
        row = await self.technicians.add_absence(
            request.technician_id,
            optional_datetime(request, "start_time"),
            optional_datetime(request, "end_time"),
            request.reason,
        )
        return absence_message(row)

    async def RemoveAbsence(
        self, request: pb.RemoveAbsenceRequest, context: grpc.aio.ServicerContext
    ) -> pb.RemoveAbsenceResponse:
        await self.technicians.remove_absence(request.technician_id, request.absence_id)
        return pb.RemoveAbsenceResponse()

    async def ListAbsences(
        self, request: pb.ListAbsencesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAbsencesResponse:
        rows = await self.technicians.list_absences(
            request.technician_id,
            optional_date(request, "from_date"),
            optional_date(request, "to_date"),
        )
        return pb.ListAbsencesResponse(absences=[absence_message(r) for r in rows])

    async def RotateCalendarToken(
        self, request: pb.RotateCalendarTokenRequest, context: grpc.aio.ServicerContext
    ) -> pb.RotateCalendarTokenResponse:
        return pb.RotateCalendarTokenResponse(
            token=await self.technicians.rotate_calendar_token(request.technician_id)
        )

    async def RevokeCalendarToken(
        self, request: pb.RevokeCalendarTokenRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeCalendarTokenResponse:
        await self.technicians.revoke_calendar_token(request.technician_id)
        return pb.RevokeCalendarTokenResponse()

    async def GetCalendarFeed(
        self, request: pb.GetCalendarFeedRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCalendarFeedResponse:
        return pb.GetCalendarFeedResponse(ics=await self.technicians.calendar_feed(request.token))

    # -- visits and interventions -------------------------------------------------------------
    async def GeneratePlan(
        self, request: pb.GeneratePlanRequest, context: grpc.aio.ServicerContext
    ) -> pb.GeneratePlanResponse:
        result = await self.visits.generate_plan(
            request.contract_id, request.horizon_months, optional_date(request, "from_date")
        )
        return pb.GeneratePlanResponse(
            created=result.created,
            existing=result.existing,
            from_date=date_message(result.first),
            to_date=date_message(result.last),
            cancelled=result.cancelled,
            kept=[intervention_message(v) for v in result.kept],
        )

    async def ProposeStart(
        self, request: pb.ProposeStartRequest, context: grpc.aio.ServicerContext
    ) -> pb.ProposeStartResponse:
        proposed = await self.day_planning.propose_start(
            request.intervention_id, request.technician_id, optional_date(request, "day")
        )
        return pb.ProposeStartResponse(
            scheduled_start=timestamp(proposed.start),
            travel_minutes=proposed.travel_minutes,
            travel_metres=proposed.travel_metres,
            previous_intervention_id=str(proposed.previous.id) if proposed.previous else "",
        )

    async def ShiftDay(
        self, request: pb.ShiftDayRequest, context: grpc.aio.ServicerContext
    ) -> pb.ShiftDayResponse:
        shifted = await self.day_planning.shift_day(
            optional_date(request, "day"),
            list(request.technician_ids),
            request.postal_code_prefix,
            request.dry_run,
        )
        return pb.ShiftDayResponse(
            visits=[shifted_message(v) for v in shifted], dry_run=request.dry_run
        )

    async def CancelFutureVisits(
        self, request: pb.CancelFutureVisitsRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelFutureVisitsResponse:
        cancelled = await self.visits.cancel_future_visits(
            request.contract_id, optional_date(request, "from_date"), request.reason
        )
        return pb.CancelFutureVisitsResponse(cancelled=cancelled)

    async def MarkOverdueVisits(
        self, request: pb.MarkOverdueVisitsRequest, context: grpc.aio.ServicerContext
    ) -> pb.MarkOverdueVisitsResponse:
        return pb.MarkOverdueVisitsResponse(
            marked=await self.visits.mark_overdue(optional_date(request, "as_of"))
        )

    async def CreateIntervention(
        self, request: pb.CreateInterventionRequest, context: grpc.aio.ServicerContext
    ) -> pb.Intervention:
        view = await self.visits.create_corrective(
            CorrectiveInput(
                contract_id=request.contract_id,
                site_id=request.site_id,
                priority=PRIORITIES.optional(request.priority),
                problem_description=request.problem_description,
                billable=request.billable,
                reported_at=optional_datetime(request, "reported_at"),
                planned_date=optional_date(request, "planned_date"),
                window_start=minutes(request, "window_start"),
                window_end=minutes(request, "window_end"),
                estimated_minutes=request.estimated_minutes,
                required_skill=request.required_skill,
            )
        )
        return intervention_message(view)

    async def GetIntervention(
        self, request: pb.GetInterventionRequest, context: grpc.aio.ServicerContext
    ) -> pb.Intervention:
        return intervention_message(
            await self.visits.get_intervention(request.id), with_images=True
        )

    async def ListInterventions(
        self, request: pb.ListInterventionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListInterventionsResponse:
        page = await self.visits.list_interventions(
            intervention_filter(request),
            request.page.page_size,
            request.page.page_token,
            request.order_by,
        )
        return pb.ListInterventionsResponse(
            interventions=[intervention_message(v) for v in page.items],
            page=page_response(page.next_page_token, page.total_size),
        )

    async def RescheduleIntervention(
        self, request: pb.RescheduleInterventionRequest, context: grpc.aio.ServicerContext
    ) -> pb.Intervention:
        view = await self.assignment.reschedule(
            request.id,
            optional_date(request, "planned_date"),
            minutes(request, "window_start"),
            minutes(request, "window_end"),
            optional_datetime(request, "scheduled_start"),
            request.expected_version,
        )
        return intervention_message(view)

    async def CancelIntervention(
        self, request: pb.CancelInterventionRequest, context: grpc.aio.ServicerContext
    ) -> pb.Intervention:
        return intervention_message(await self.visits.cancel(request.id, request.reason))

    async def AssignIntervention(
        self, request: pb.AssignInterventionRequest, context: grpc.aio.ServicerContext
    ) -> pb.Intervention:
        view = await self.assignment.assign(
            request.id,
            request.technician_id,
            optional_datetime(request, "scheduled_start"),
            request.expected_version,
        )
        return intervention_message(view)

    async def UnassignIntervention(
        self, request: pb.UnassignInterventionRequest, context: grpc.aio.ServicerContext
    ) -> pb.Intervention:
        return intervention_message(await self.assignment.unassign(request.id))

    async def AutoAssign(
        self, request: pb.AutoAssignRequest, context: grpc.aio.ServicerContext
    ) -> pb.AutoAssignResponse:
        result = await self.assignment.auto_assign(
            optional_date(request, "from_date"),
            optional_date(request, "to_date"),
            request.dry_run,
            list(request.technician_ids),
        )
        plan = result.plan
        return pb.AutoAssignResponse(
            assignments=[
                placement_message(p)
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

    async def GetPlanning(
        self, request: pb.GetPlanningRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPlanningResponse:
        planning = await self.assignment.planning(
            optional_date(request, "from_date"),
            optional_date(request, "to_date"),
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

    async def GetTechnicianSchedule(
        self, request: pb.GetTechnicianScheduleRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTechnicianScheduleResponse:
        tech, days = await self.assignment.technician_schedule(
            request.technician_id,
            optional_date(request, "from_date"),
            optional_date(request, "to_date"),
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
    async def StartIntervention(
        self, request: pb.StartInterventionRequest, context: grpc.aio.ServicerContext
    ) -> pb.Intervention:
        return intervention_message(
            await self.reports.start(request.id, optional_datetime(request, "started_at"))
        )

    async def SaveReport(
        self, request: pb.SaveReportRequest, context: grpc.aio.ServicerContext
    ) -> pb.Intervention:
        report = ReportInput(
            measurements=measurements(request.measurements),
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
                    product_id=p.product_id,
                )
                for p in request.parts
            ],
            time_spent_minutes=request.time_spent_minutes or None,
            notes=request.notes,
        )
        return intervention_message(await self.reports.save_report(request.id, report))

    async def CompleteIntervention(
        self, request: pb.CompleteInterventionRequest, context: grpc.aio.ServicerContext
    ) -> pb.Intervention:
        completion = Completion(
            customer_signature=signature(request, "customer_signature"),
            technician_signature=signature(request, "technician_signature"),
            customer_absent=request.customer_absent,
            customer_absence_reason=request.customer_absence_reason,
            completed_at=optional_datetime(request, "completed_at"),
        )
        return intervention_message(
            await self.reports.complete(request.id, completion), with_images=True
        )

    async def GetReportPdf(
        self, request: pb.GetReportPdfRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetReportPdfResponse:
        document = await self.reports.report_pdf(request.id)
        return pb.GetReportPdfResponse(
            pdf=document.pdf, filename=document.filename, sha256=document.sha256
        )
