"""Visits as plain data: rows generated from plan occurrences with their site snapshot,
technicians' availability per day for the planner, and the appointment events."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from . import scheduling
from .contracts import PlanOccurrence, SiteInfo, address_from_json, address_json
from .geo import GeoPoint
from .lifecycle import Kind, Status
from .local_time import clip_to_day, format_minute, local_datetime, local_day
from .repository import InterventionRow, TechnicianRow


@dataclass
class Events:
    """Events to record in the unit of work that makes the change."""

    items: list[tuple[str, str, uuid.UUID, dict[str, Any]]] = field(default_factory=list)

    def add(
        self, event_type: str, aggregate_type: str, aggregate_id: uuid.UUID, payload: dict[str, Any]
    ) -> None:
        self.items.append((event_type, aggregate_type, aggregate_id, payload))


def working_intervals(tech: TechnicianRow, day: date) -> list[scheduling.Interval]:
    weekday = day.isoweekday()
    return [
        scheduling.Interval(p["start"], p["end"])
        for p in tech.working_hours
        if p["weekday"] == weekday
    ]


def home_point(tech: TechnicianRow) -> GeoPoint:
    return GeoPoint(tech.home_latitude, tech.home_longitude)


def site_point(row: InterventionRow) -> GeoPoint | None:
    if row.site_latitude is None or row.site_longitude is None:
        return None
    return GeoPoint(row.site_latitude, row.site_longitude)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return local_datetime(first, 0), local_datetime(last + timedelta(days=1), 0)


def visit_payload(row: InterventionRow, **extra: Any) -> dict[str, Any]:
    """What appointment emails need: who, where, when."""
    address = address_from_json(row.site_address)
    return {
        "intervention_id": str(row.id),
        "kind": row.kind,
        "customer_id": row.customer_id,
        "contract_id": row.contract_id,
        "site_id": row.site_id,
        "site_name": row.site_name,
        "site_address": address_json(address),
        "date": row.planned_date.isoformat() if row.planned_date else None,
        "window_start": format_minute(row.window_start_minute),
        "window_end": format_minute(row.window_end_minute),
        "scheduled_start": row.scheduled_start.isoformat() if row.scheduled_start else None,
        "scheduled_end": row.scheduled_end.isoformat() if row.scheduled_end else None,
        "technician_name": row.technician_name or "",
        "label": row.label,
        **extra,
    }


def site_values(site: SiteInfo) -> dict[str, Any]:
    return {
        "site_id": site.site_id,
        "site_name": site.name,
        "site_address": address_json(site.address),
        "site_latitude": site.location.latitude if site.location else None,
        "site_longitude": site.location.longitude if site.location else None,
        "access_notes": site.access_notes,
        "gate_code": site.gate_code,
    }


def visit_rows(
    occurrences: Sequence[PlanOccurrence], sites: dict[str, SiteInfo]
) -> list[dict[str, Any]]:
    """Rows of the preventive visits for these occurrences (one per site, plan and day), with the
    site snapshot schedules need."""
    rows: dict[tuple[str, str, date], dict[str, Any]] = {}
    for o in occurrences:
        key = (o.site_id, o.plan_id, o.day)
        if key in rows:
            continue
        site = sites[o.site_id]
        rows[key] = {
            **site_values(site),
            "kind": Kind.PREVENTIVE,
            "status": Status.SCHEDULED,
            "contract_id": o.contract_id,
            "customer_id": o.customer_id or site.customer_id,
            "plan_id": o.plan_id,
            "occurrence_date": o.day,
            "planned_date": o.day,
            "window_start_minute": o.window_start,
            "window_end_minute": o.window_end,
            "estimated_minutes": o.duration_minutes,
            "required_skill": o.required_skill,
            "label": o.label if not o.description else f"{o.label} — {o.description}",
            "next_from_completion": o.next_from_completion,
        }
    return list(rows.values())


def technician_days(
    techs: Sequence[TechnicianRow],
    first: date,
    last: date,
    assigned: Sequence[InterventionRow],
    absences: Sequence[Any],
) -> list[scheduling.TechnicianDay]:
    """Each technician's availability on each working day of the period."""
    fixed: dict[tuple[uuid.UUID, date], list[scheduling.FixedStop]] = defaultdict(list)
    for row in assigned:
        assert row.technician_id is not None and row.scheduled_start and row.scheduled_end
        day = local_day(row.scheduled_start)
        part = clip_to_day(row.scheduled_start, row.scheduled_end, day)
        if part is not None:
            fixed[(row.technician_id, day)].append(
                scheduling.FixedStop(str(row.id), scheduling.Interval(*part), site_point(row))
            )
    days: list[scheduling.TechnicianDay] = []
    for tech in techs:
        tech_absences = [a for a in absences if a.technician_id == tech.id]
        for day in days_between(first, last):
            working = working_intervals(tech, day)
            if not working and not fixed.get((tech.id, day)):
                continue
            absent = tuple(
                scheduling.Interval(*part)
                for a in tech_absences
                if (part := clip_to_day(a.starts_at, a.ends_at, day)) is not None
            )
            days.append(
                scheduling.TechnicianDay(
                    str(tech.id),
                    day,
                    frozenset(tech.skills),
                    home_point(tech),
                    tuple(working),
                    absent,
                    tuple(fixed.get((tech.id, day), [])),
                )
            )
    return days


def with_assignment(
    row: InterventionRow,
    technician_id: uuid.UUID,
    technician_name: str,
    start: datetime,
    end: datetime,
) -> InterventionRow:
    return replace(
        row,
        technician_id=technician_id,
        technician_name=technician_name,
        scheduled_start=start,
        scheduled_end=end,
    )


def appointment_events(before: InterventionRow, after: InterventionRow, events: Events) -> None:
    """`scheduled` when a visit gets an appointment, `rescheduled` when it moves."""
    if after.scheduled_start is not None and before.scheduled_start is None:
        events.add("intervention.visit.scheduled", "intervention", after.id, visit_payload(after))
    elif before.scheduled_start is not None and (
        after.scheduled_start != before.scheduled_start or after.planned_date != before.planned_date
    ):
        events.add(
            "intervention.visit.rescheduled",
            "intervention",
            after.id,
            visit_payload(
                after,
                previous_date=before.planned_date.isoformat() if before.planned_date else None,
                previous_scheduled_start=before.scheduled_start.isoformat(),
            ),
        )
