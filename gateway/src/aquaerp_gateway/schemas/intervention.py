"""Bodies of the field-work routes: technicians, visits and interventions, planning, reports."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2 as pb
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from . import Page, RequestBody

TimeText = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", examples=["08:30"])]
Skill = Annotated[str, Field(min_length=1, max_length=50)]

KindName = Literal["preventive", "corrective"]
StatusName = Literal["scheduled", "in_progress", "completed", "cancelled", "overdue"]
PriorityName = Literal["low", "normal", "high", "urgent"]

KIND_TO_PROTO = {
    "preventive": pb.INTERVENTION_KIND_PREVENTIVE,
    "corrective": pb.INTERVENTION_KIND_CORRECTIVE,
}
STATUS_TO_PROTO = {
    "scheduled": pb.INTERVENTION_STATUS_SCHEDULED,
    "in_progress": pb.INTERVENTION_STATUS_IN_PROGRESS,
    "completed": pb.INTERVENTION_STATUS_COMPLETED,
    "cancelled": pb.INTERVENTION_STATUS_CANCELLED,
    "overdue": pb.INTERVENTION_STATUS_OVERDUE,
}
PRIORITY_TO_PROTO = {
    "low": pb.PRIORITY_LOW,
    "normal": pb.PRIORITY_NORMAL,
    "high": pb.PRIORITY_HIGH,
    "urgent": pb.PRIORITY_URGENT,
}
PROTO_TO_KIND = {v: k for k, v in KIND_TO_PROTO.items()}
PROTO_TO_STATUS = {v: k for k, v in STATUS_TO_PROTO.items()}
PROTO_TO_PRIORITY = {v: k for k, v in PRIORITY_TO_PROTO.items()}

MEASUREMENT_FIELDS = (
    "ph",
    "free_chlorine_mg_l",
    "total_chlorine_mg_l",
    "tac_mg_l",
    "cyanuric_acid_mg_l",
    "salt_g_l",
    "temperature_c",
)


# -- conversions -------------------------------------------------------------------------------


def to_time_of_day(text: str) -> pb.TimeOfDay:
    hours, minutes = text.split(":")
    return pb.TimeOfDay(hours=int(hours), minutes=int(minutes))


def from_time_of_day(value: pb.TimeOfDay) -> str:
    return f"{value.hours:02d}:{value.minutes:02d}"


def from_date(value: common_pb2.Date) -> date:
    return date(value.year, value.month, value.day)


def to_timestamp(value: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def from_timestamp(parent: object, field: str) -> datetime | None:
    if not parent.HasField(field):  # type: ignore[attr-defined]
        return None
    stamp: Timestamp = getattr(parent, field)
    value: datetime = stamp.ToDatetime(tzinfo=UTC)
    return value


# -- technicians -----------------------------------------------------------------------------


class WorkingPeriod(BaseModel):
    weekday: int = Field(ge=1, le=7, description="1 = Monday ... 7 = Sunday")
    start: TimeText
    end: TimeText

    def to_proto(self) -> pb.WorkingPeriod:
        return pb.WorkingPeriod(
            weekday=self.weekday, start=to_time_of_day(self.start), end=to_time_of_day(self.end)
        )


class GeoPoint(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)

    def to_proto(self) -> common_pb2.GeoPoint:
        return common_pb2.GeoPoint(latitude=self.latitude, longitude=self.longitude)


class Technician(BaseModel):
    id: str
    user_id: str
    display_name: str
    skills: list[str]
    working_hours: list[WorkingPeriod]
    home_base: GeoPoint
    active: bool
    calendar_feed_enabled: bool

    @classmethod
    def from_proto(cls, message: pb.Technician) -> Technician:
        return cls(
            id=message.id,
            user_id=message.user_id,
            display_name=message.display_name,
            skills=list(message.skills),
            working_hours=[
                WorkingPeriod(
                    weekday=p.weekday, start=from_time_of_day(p.start), end=from_time_of_day(p.end)
                )
                for p in message.working_hours
            ],
            home_base=GeoPoint(
                latitude=message.home_base.latitude, longitude=message.home_base.longitude
            ),
            active=message.active,
            calendar_feed_enabled=message.calendar_feed_enabled,
        )


class TechnicianList(BaseModel):
    items: list[Technician]
    page: Page


class TechnicianCreateBody(RequestBody):
    user_id: str = Field(max_length=64, description="Auth user id of the technician's login")
    display_name: str = Field(min_length=1, max_length=200)
    skills: list[Skill] = Field(default_factory=list, max_length=30)
    working_hours: list[WorkingPeriod] = Field(min_length=1, max_length=30)
    home_base: GeoPoint


class TechnicianUpdateBody(RequestBody):
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    skills: list[Skill] | None = Field(default=None, max_length=30)
    working_hours: list[WorkingPeriod] | None = Field(default=None, min_length=1, max_length=30)
    home_base: GeoPoint | None = None
    active: bool | None = None


class Absence(BaseModel):
    id: str
    technician_id: str
    start_time: datetime
    end_time: datetime
    reason: str

    @classmethod
    def from_proto(cls, message: pb.Absence) -> Absence:
        start, end = from_timestamp(message, "start_time"), from_timestamp(message, "end_time")
        assert start is not None and end is not None
        return cls(
            id=message.id,
            technician_id=message.technician_id,
            start_time=start,
            end_time=end,
            reason=message.reason,
        )


class AbsenceBody(RequestBody):
    start_time: AwareDatetime
    end_time: AwareDatetime
    reason: str = Field(default="", max_length=500)


class CalendarFeed(BaseModel):
    token: str
    url: str = Field(description="Subscribe to this URL from a phone's calendar; keep it private")


# -- interventions -----------------------------------------------------------------------------


class Address(BaseModel):
    lines: list[str]
    postal_code: str
    city: str
    country: str


class Site(BaseModel):
    site_id: str
    name: str
    address: Address
    location: GeoPoint | None
    access_notes: str
    gate_code: str


class Measurements(BaseModel):
    ph: float | None = Field(default=None, description="0-14")
    free_chlorine_mg_l: float | None = Field(default=None, description="mg/L")
    total_chlorine_mg_l: float | None = Field(
        default=None, description="mg/L, not below free chlorine"
    )
    tac_mg_l: float | None = Field(default=None, description="mg/L CaCO3")
    cyanuric_acid_mg_l: float | None = Field(default=None, description="stabiliser, mg/L")
    salt_g_l: float | None = Field(default=None, description="g/L")
    temperature_c: float | None = Field(default=None, description="°C")

    model_config = {"extra": "forbid"}

    def to_proto(self) -> pb.Measurements:
        return pb.Measurements(
            **{
                name: value
                for name in MEASUREMENT_FIELDS
                if (value := getattr(self, name)) is not None
            }
        )

    @classmethod
    def from_proto(cls, message: pb.Measurements) -> Measurements:
        return cls(
            **{
                name: getattr(message, name)
                for name in MEASUREMENT_FIELDS
                if message.HasField(name)
            }
        )


class MeasurementWarning(BaseModel):
    field: str
    message: str


class Part(BaseModel):
    description: str = Field(min_length=1, max_length=200)
    product_code: str = Field(default="", max_length=64)
    quantity: str = Field(pattern=r"^\d{1,6}(\.\d{1,3})?$", examples=["2.5"])
    unit: str = Field(default="", max_length=20)
    unit_price_cents: int = Field(ge=0, le=10_000_000)
    billable: bool = False

    model_config = {"extra": "forbid"}

    def to_proto(self) -> pb.PartUsed:
        return pb.PartUsed(
            description=self.description,
            product_code=self.product_code,
            quantity=self.quantity,
            unit=self.unit,
            unit_price=common_pb2.Money(amount_cents=self.unit_price_cents, currency="EUR"),
            billable=self.billable,
        )


class Signature(BaseModel):
    signer_name: str = Field(min_length=1, max_length=200)
    signed_at: AwareDatetime
    png_base64: str = Field(description="The drawing as base64 PNG data", max_length=400_000)

    model_config = {"extra": "forbid"}

    @field_validator("png_base64")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not base64 data") from None
        return value

    def to_proto(self) -> pb.Signature:
        return pb.Signature(
            signer_name=self.signer_name,
            signed_at=to_timestamp(self.signed_at),
            png=base64.b64decode(self.png_base64),
        )


class SignatureOut(BaseModel):
    signer_name: str
    signed_at: datetime | None
    png_base64: str | None = None


class Report(BaseModel):
    measurements: Measurements
    warnings: list[MeasurementWarning]
    actions: list[str]
    parts: list[Part]
    time_spent_minutes: int | None
    notes: str
    customer_signature: SignatureOut | None
    technician_signature: SignatureOut | None
    customer_absent: bool
    customer_absence_reason: str
    pdf_available: bool


def _signature_out(parent: pb.Report, field: str) -> SignatureOut | None:
    if not parent.HasField(field):
        return None
    value: pb.Signature = getattr(parent, field)
    return SignatureOut(
        signer_name=value.signer_name,
        signed_at=from_timestamp(value, "signed_at"),
        png_base64=base64.b64encode(value.png).decode() if value.png else None,
    )


class Intervention(BaseModel):
    id: str
    kind: KindName
    status: StatusName
    contract_id: str
    customer_id: str
    site: Site
    plan_id: str | None
    occurrence_date: date | None
    planned_date: date | None
    window_start: str
    window_end: str
    estimated_minutes: int
    required_skill: str
    label: str
    priority: PriorityName | None
    problem_description: str
    sla_deadline: datetime | None
    sla_breached: bool
    billable: bool
    next_from_completion: bool
    technician_id: str | None
    technician_name: str | None
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    report: Report | None
    version: int

    @classmethod
    def from_proto(cls, m: pb.Intervention) -> Intervention:
        site = m.site
        report = None
        if m.HasField("report"):
            r = m.report
            report = Report(
                measurements=Measurements.from_proto(r.measurements),
                warnings=[MeasurementWarning(field=w.field, message=w.message) for w in r.warnings],
                actions=list(r.actions),
                parts=[
                    Part(
                        description=p.description,
                        product_code=p.product_code,
                        quantity=p.quantity,
                        unit=p.unit,
                        unit_price_cents=p.unit_price.amount_cents,
                        billable=p.billable,
                    )
                    for p in r.parts
                ],
                time_spent_minutes=r.time_spent_minutes or None,
                notes=r.notes,
                customer_signature=_signature_out(r, "customer_signature"),
                technician_signature=_signature_out(r, "technician_signature"),
                customer_absent=r.customer_absent,
                customer_absence_reason=r.customer_absence_reason,
                pdf_available=r.pdf_available,
            )
        return cls(
            id=m.id,
            kind=PROTO_TO_KIND[m.kind],  # type: ignore[arg-type]
            status=PROTO_TO_STATUS[m.status],  # type: ignore[arg-type]
            contract_id=m.contract_id,
            customer_id=m.customer_id,
            site=Site(
                site_id=site.site_id,
                name=site.name,
                address=Address(
                    lines=list(site.address.lines),
                    postal_code=site.address.postal_code,
                    city=site.address.city,
                    country=site.address.country,
                ),
                location=GeoPoint(
                    latitude=site.location.latitude, longitude=site.location.longitude
                )
                if site.HasField("location")
                else None,
                access_notes=site.access_notes,
                gate_code=site.gate_code,
            ),
            plan_id=m.plan_id or None,
            occurrence_date=from_date(m.occurrence_date) if m.HasField("occurrence_date") else None,
            planned_date=from_date(m.planned_date) if m.HasField("planned_date") else None,
            window_start=from_time_of_day(m.window_start),
            window_end=from_time_of_day(m.window_end),
            estimated_minutes=m.estimated_minutes,
            required_skill=m.required_skill,
            label=m.label,
            priority=PROTO_TO_PRIORITY.get(m.priority),  # type: ignore[arg-type]
            problem_description=m.problem_description,
            sla_deadline=from_timestamp(m, "sla_deadline"),
            sla_breached=m.sla_breached,
            billable=m.billable,
            next_from_completion=m.next_from_completion,
            technician_id=m.technician_id or None,
            technician_name=m.technician_name or None,
            scheduled_start=from_timestamp(m, "scheduled_start"),
            scheduled_end=from_timestamp(m, "scheduled_end"),
            started_at=from_timestamp(m, "started_at"),
            completed_at=from_timestamp(m, "completed_at"),
            cancelled_at=from_timestamp(m, "cancelled_at"),
            cancel_reason=m.cancel_reason,
            report=report,
            version=m.version,
        )


class InterventionList(BaseModel):
    items: list[Intervention]
    page: Page


class CorrectiveCreateBody(RequestBody):
    contract_id: str = Field(max_length=64)
    site_id: str = Field(max_length=64)
    priority: PriorityName
    problem_description: str = Field(min_length=1, max_length=4000)
    billable: bool = False
    reported_at: AwareDatetime | None = None
    planned_date: date | None = None
    window_start: TimeText | None = None
    window_end: TimeText | None = None
    estimated_minutes: int = Field(default=60, ge=5, le=720)
    required_skill: str = Field(default="", max_length=50)


class RescheduleBody(RequestBody):
    planned_date: date
    window_start: TimeText | None = None
    window_end: TimeText | None = None
    scheduled_start: AwareDatetime | None = Field(
        default=None,
        description="Keep the technician at this start; without it the visit becomes unassigned",
    )
    expected_version: int = Field(default=0, ge=0)


class CancelBody(RequestBody):
    reason: str = Field(min_length=1, max_length=500)


class AssignBody(RequestBody):
    technician_id: str = Field(max_length=64)
    scheduled_start: AwareDatetime
    expected_version: int = Field(default=0, ge=0)


class StartBody(RequestBody):
    started_at: AwareDatetime | None = None


class ReportBody(RequestBody):
    measurements: Measurements = Field(default_factory=Measurements)
    actions: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=50
    )
    parts: list[Part] = Field(default_factory=list, max_length=100)
    time_spent_minutes: int | None = Field(default=None, ge=1, le=1440)
    notes: str = Field(default="", max_length=4000)


class CompleteBody(RequestBody):
    customer_signature: Signature | None = None
    technician_signature: Signature
    customer_absent: bool = False
    customer_absence_reason: str = Field(default="", max_length=500)
    completed_at: AwareDatetime | None = None


# -- plans and planning --------------------------------------------------------------------------


class GeneratePlanBody(RequestBody):
    horizon_months: int = Field(
        default=0, ge=0, le=36, description="0: the configured default (12)"
    )
    from_date: date | None = None


class GenerationResult(BaseModel):
    created: int
    existing: int
    from_date: date
    to_date: date


class CancelFutureBody(RequestBody):
    from_date: date | None = None
    reason: str = Field(default="", max_length=500)


class CancelledCount(BaseModel):
    cancelled: int


class MarkOverdueBody(RequestBody):
    as_of: date | None = None


class OverdueCount(BaseModel):
    marked: int


class AutoAssignBody(RequestBody):
    from_date: date
    to_date: date
    dry_run: bool = True
    technician_ids: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=500
    )


class ProposedAssignment(BaseModel):
    intervention_id: str
    technician_id: str
    scheduled_start: datetime
    scheduled_end: datetime
    sequence: int
    travel_metres: int


class Unplaced(BaseModel):
    intervention_id: str
    reason: str


class DayLoad(BaseModel):
    technician_id: str
    date: date
    visits: int
    work_minutes: int
    travel_metres: int


class AutoAssignResult(BaseModel):
    dry_run: bool
    assignments: list[ProposedAssignment]
    unplaced: list[Unplaced]
    loads: list[DayLoad]
    total_travel_metres: int

    @classmethod
    def from_proto(cls, m: pb.AutoAssignResponse) -> AutoAssignResult:
        return cls(
            dry_run=m.dry_run,
            assignments=[
                ProposedAssignment(
                    intervention_id=a.intervention_id,
                    technician_id=a.technician_id,
                    scheduled_start=a.scheduled_start.ToDatetime(tzinfo=UTC),
                    scheduled_end=a.scheduled_end.ToDatetime(tzinfo=UTC),
                    sequence=a.sequence,
                    travel_metres=a.travel_metres,
                )
                for a in m.assignments
            ],
            unplaced=[
                Unplaced(intervention_id=u.intervention_id, reason=u.reason) for u in m.unplaced
            ],
            loads=[
                DayLoad(
                    technician_id=load.technician_id,
                    date=from_date(load.date),
                    visits=load.visits,
                    work_minutes=load.work_minutes,
                    travel_metres=load.travel_metres,
                )
                for load in m.loads
            ],
            total_travel_metres=m.total_travel_metres,
        )


class PlanningLane(BaseModel):
    technician: Technician
    interventions: list[Intervention]


class Planning(BaseModel):
    lanes: list[PlanningLane]
    unassigned: list[Intervention]


class ScheduleStop(BaseModel):
    sequence: int
    travel_metres: int
    travel_minutes: int
    intervention: Intervention


class ScheduleDay(BaseModel):
    date: date
    stops: list[ScheduleStop]


class Schedule(BaseModel):
    technician: Technician
    days: list[ScheduleDay]

    @classmethod
    def from_proto(cls, m: pb.GetTechnicianScheduleResponse) -> Schedule:
        return cls(
            technician=Technician.from_proto(m.technician),
            days=[
                ScheduleDay(
                    date=from_date(day.date),
                    stops=[
                        ScheduleStop(
                            sequence=s.sequence,
                            travel_metres=s.travel_metres,
                            travel_minutes=s.travel_minutes,
                            intervention=Intervention.from_proto(s.intervention),
                        )
                        for s in day.stops
                    ],
                )
                for day in m.days
            ],
        )
