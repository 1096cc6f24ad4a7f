"""Proto <-> domain for the intervention API: requests to domain inputs, rows and views to
messages. Common types (dates, timestamps, money, addresses, enums) go through the runtime kit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING

from aquaerp.common.v1 import common_pb2
from aquaerp.intervention.v1 import intervention_pb2 as pb
from aquaerp_runtime.convert import (
    address_message,
    date_message,
    enum_map,
    money,
    optional_date,
    optional_datetime,
    timestamp,
)
from aquaerp_runtime.errors import InvalidArgument
from google.protobuf.message import Message

from . import scheduling
from .access import parse_id
from .contracts import address_from_json
from .geo import GeoPoint
from .lifecycle import Kind, Priority, Status
from .local_time import local_datetime
from .measurements import Measurements
from .report_content import measurements_of
from .repository import AbsenceRow, InterventionFilter, ReportRow, TechnicianRow
from .signatures import Signature
from .technician_service import WorkingPeriod
from .views import InterventionView

if TYPE_CHECKING:
    from .day_planning import ShiftedVisit

KINDS = enum_map(pb.InterventionKind, Kind)
STATUSES = enum_map(pb.InterventionStatus, Status)
PRIORITIES = enum_map(pb.Priority, Priority)


# -- proto -> domain -----------------------------------------------------------------------------


def minutes(owner: Message, field: str) -> int | None:
    """A `TimeOfDay` field as minutes after midnight (24:00 allowed), None when not set."""
    if not owner.HasField(field):
        return None
    value: pb.TimeOfDay = getattr(owner, field)
    if not (0 <= value.hours <= 24 and 0 <= value.minutes <= 59) or (
        value.hours == 24 and value.minutes
    ):
        raise InvalidArgument(
            f"{field} is not a valid time of day", fields={field: "00:00 to 24:00"}
        )
    return value.hours * 60 + value.minutes


def working_periods(messages: Iterable[pb.WorkingPeriod]) -> list[WorkingPeriod]:
    periods = []
    for i, p in enumerate(messages):
        start, end = minutes(p, "start"), minutes(p, "end")
        if start is None or end is None:
            raise InvalidArgument(
                "a working period needs a start and an end",
                fields={f"working_hours.{i}": "start and end required"},
            )
        periods.append(WorkingPeriod(p.weekday, start, end))
    return periods


def point(owner: Message, field: str) -> GeoPoint | None:
    if not owner.HasField(field):
        return None
    value: common_pb2.GeoPoint = getattr(owner, field)
    return GeoPoint(value.latitude, value.longitude)


def signature(owner: Message, field: str) -> Signature | None:
    if not owner.HasField(field):
        return None
    value: pb.Signature = getattr(owner, field)
    signed_at = optional_datetime(value, "signed_at")
    if signed_at is None:
        raise InvalidArgument("when was it signed?", fields={f"{field}.signed_at": "required"})
    return Signature(value.signer_name, signed_at, bytes(value.png))


def measurements(message: Message) -> Measurements:
    """The `Measurements` message's values, None for each one not measured."""
    return Measurements(
        **{
            f.name: getattr(message, f.name) if message.HasField(f.name) else None
            for f in fields(Measurements)
        }
    )


# -- domain -> proto -----------------------------------------------------------------------------


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
        measurements=pb.Measurements(**dict(measurements_of(report).items())),
        warnings=[pb.MeasurementWarning(field=w.field, message=w.message) for w in view.warnings],
        actions=report.actions,
        parts=[
            pb.PartUsed(
                description=p["description"],
                product_code=p["product_code"],
                quantity=p["quantity"],
                unit=p["unit"],
                unit_price=money(p["unit_price_cents"], p["currency"]),
                billable=p["billable"],
                product_id=p.get("product_id", ""),
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
    site = pb.SiteSnapshot(
        site_id=row.site_id,
        name=row.site_name,
        address=address_message(address_from_json(row.site_address)),
        location=common_pb2.GeoPoint(latitude=row.site_latitude, longitude=row.site_longitude)
        if row.site_latitude is not None and row.site_longitude is not None
        else None,
        access_notes=row.access_notes,
        gate_code=row.gate_code,
    )
    return pb.Intervention(
        id=str(row.id),
        kind=KINDS.to_proto(Kind(row.kind)),
        status=STATUSES.to_proto(Status(row.status)),
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
        priority=PRIORITIES.to_proto(Priority(row.priority))
        if row.priority
        else pb.PRIORITY_UNSPECIFIED,
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


def shifted_message(visit: ShiftedVisit) -> pb.ShiftedVisit:
    assert visit.before is not None
    return pb.ShiftedVisit(
        intervention=intervention_message(visit.before),
        new_date=date_message(visit.new_date),
        new_start=timestamp(visit.new_start),
        overlaps=visit.overlaps,
    )


def placement_message(p: scheduling.Placement) -> pb.ProposedAssignment:
    return pb.ProposedAssignment(
        intervention_id=p.intervention_id,
        technician_id=p.technician_id,
        scheduled_start=timestamp(local_datetime(p.day, p.slot.start)),
        scheduled_end=timestamp(local_datetime(p.day, p.slot.end)),
        sequence=p.sequence,
        travel_metres=p.travel_metres,
    )


def intervention_filter(request: pb.ListInterventionsRequest) -> InterventionFilter:
    return InterventionFilter(
        technician_id=parse_id(request.technician_id, "technician_id")
        if request.technician_id
        else None,
        contract_id=request.contract_id or None,
        site_id=request.site_id or None,
        customer_id=request.customer_id or None,
        statuses=tuple(s for n in request.statuses if (s := STATUSES.optional(n)) is not None),
        kind=KINDS.optional(request.kind),
        from_date=optional_date(request, "from_date"),
        to_date=optional_date(request, "to_date"),
        unassigned_only=request.unassigned_only,
    )
