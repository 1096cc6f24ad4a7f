"""Where a stop that could not be done goes next: the technician's next working day (weekly
hours, absences skipped) at the first free time within the visit's window, or, for the office to
plan, the next weekday without a technician."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .day_planning import next_working_day
from .lifecycle import Status
from .local_time import local_datetime
from .repository import AbsenceRow, InterventionRow, TechnicianRow
from .visits import working_intervals


@dataclass(frozen=True)
class Placement:
    day: date
    start: datetime | None
    end: datetime | None


def first_free_start(
    tech: TechnicianRow, day: date, visit: InterventionRow, others: Sequence[InterventionRow]
) -> datetime:
    """The earliest start on `day`, not before the working day nor the visit's window, after
    any visit of the technician it would overlap."""
    working = working_intervals(tech, day)
    earliest = max(visit.window_start_minute, working[0].start if working else 0)
    start = local_datetime(day, earliest)
    length = timedelta(minutes=visit.estimated_minutes)
    for other in sorted(others, key=lambda o: o.scheduled_start or start):
        if other.scheduled_start is None or other.scheduled_end is None:
            continue
        if other.scheduled_start < start + length and start < other.scheduled_end:
            start = other.scheduled_end
    return start


def carried_day(tech: TechnicianRow, stop_day: date, absences: Sequence[AbsenceRow]) -> date:
    return next_working_day(tech, stop_day, absences)


def next_weekday(after: date) -> date:
    day = after + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def follow_up_values(visit: InterventionRow, placement: Placement, tech_id: Any) -> dict[str, Any]:
    """The follow-up visit: the same work at the same site, outside the plan's occurrences (its
    occurrence stays with the visit not done, so regenerating the plan never duplicates it)."""
    assigned = placement.start is not None
    return {
        "kind": visit.kind,
        "status": Status.SCHEDULED,
        "contract_id": visit.contract_id,
        "customer_id": visit.customer_id,
        "site_id": visit.site_id,
        "site_name": visit.site_name,
        "site_address": visit.site_address,
        "site_latitude": visit.site_latitude,
        "site_longitude": visit.site_longitude,
        "access_notes": visit.access_notes,
        "gate_code": visit.gate_code,
        "planned_date": placement.day,
        "window_start_minute": visit.window_start_minute,
        "window_end_minute": visit.window_end_minute,
        "estimated_minutes": visit.estimated_minutes,
        "required_skill": visit.required_skill,
        "label": visit.label,
        "next_from_completion": visit.next_from_completion,
        "priority": visit.priority,
        "problem_description": visit.problem_description,
        "reported_at": visit.reported_at,
        "sla_deadline": visit.sla_deadline,
        "billable": visit.billable,
        "technician_id": tech_id if assigned else None,
        "scheduled_start": placement.start,
        "scheduled_end": placement.end,
    }
