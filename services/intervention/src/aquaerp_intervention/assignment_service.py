"""Assignment: giving a technician and a start to a visit (by hand, checked for every conflict,
or by the planner), moving it, and the office planning and technicians' schedules."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import (
    Conflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)

from . import scheduling
from .access import OFFICE, check_pending, parse_id, resolve_technician, technician
from .config import InterventionSettings
from .geo import GeoPoint, haversine_metres, travel_minutes
from .lifecycle import Status
from .local_time import clip_to_day, local_datetime, local_day, minute_of_day
from .repository import InterventionRepository, InterventionRow, TechnicianRow
from .views import InterventionView, view, views
from .visit_service import DEFAULT_WINDOW, check_window
from .visits import (
    Events,
    appointment_events,
    day_bounds,
    days_between,
    home_point,
    site_point,
    technician_days,
    with_assignment,
    working_intervals,
)

MAX_PLANNING_DAYS = 62
MAX_SCHEDULE_DAYS = 31


@dataclass(frozen=True)
class AutoAssignResult:
    plan: scheduling.Plan
    dry_run: bool


@dataclass(frozen=True)
class ScheduleStop:
    view: InterventionView
    sequence: int
    travel_metres: int
    travel_minutes: int


@dataclass(frozen=True)
class ScheduleDay:
    day: date
    stops: list[ScheduleStop]


@dataclass(frozen=True)
class PlanningLane:
    technician: TechnicianRow
    interventions: list[InterventionView]


@dataclass(frozen=True)
class Planning:
    lanes: list[PlanningLane]
    unassigned: list[InterventionView]


def _check_period(first: date | None, last: date | None, max_days: int) -> tuple[date, date]:
    if first is None or last is None:
        raise InvalidArgument(
            "from_date and to_date are required", fields={"from_date": "required"}
        )
    if last < first or (last - first).days > max_days:
        raise InvalidArgument(
            f"the period is 1 to {max_days + 1} days",
            fields={"to_date": f"at most {max_days} days after from_date"},
        )
    return first, last


def _check_version(row: InterventionRow, expected_version: int) -> None:
    if expected_version and expected_version != row.version:
        raise Conflict(
            "the intervention was changed by someone else; reload it",
            fields={"expected_version": f"current version is {row.version}"},
        )


def _refuse(conflict: scheduling.Conflict) -> DomainError:
    return FailedPrecondition(
        f"{conflict.reason}: {conflict.message}",
        fields={"reason": conflict.reason, conflict.field: conflict.message},
        reason=f"assignment.{conflict.reason.lower()}",
        params=conflict.params or {},
    )


def _visit_request(row: InterventionRow) -> scheduling.VisitRequest:
    assert row.planned_date is not None  # unassigned_between selects dated visits only
    return scheduling.VisitRequest(
        str(row.id),
        row.planned_date,
        scheduling.Interval(row.window_start_minute, row.window_end_minute),
        row.estimated_minutes,
        row.required_skill,
        site_point(row),
    )


async def _locked_for_planning(
    repo: InterventionRepository, intervention_id: uuid.UUID, technician_id: uuid.UUID | None
) -> tuple[InterventionRow, TechnicianRow | None]:
    """Locks the technician, then the intervention: the same order everywhere."""
    tech = await technician(repo, technician_id, for_update=True) if technician_id else None
    row = await repo.intervention(intervention_id, for_update=True)
    if row is None:
        raise NotFound("intervention not found")
    return row, tech


async def _conflict(
    repo: InterventionRepository,
    tech: TechnicianRow,
    row: InterventionRow,
    start: datetime,
    planned_date: date | None,
    window: scheduling.Interval,
) -> scheduling.Conflict | None:
    day = local_day(start)
    first_minute = minute_of_day(start)
    # Past 24:00 when it would end the next day: then no window or working period holds it.
    slot = scheduling.Interval(first_minute, first_minute + row.estimated_minutes)
    day_start, day_end = day_bounds(day, day)
    absences = [
        scheduling.Interval(*part)
        for a in await repo.absences([tech.id], day_start, day_end)
        if (part := clip_to_day(a.starts_at, a.ends_at, day)) is not None
    ]
    busy = [
        scheduling.BusySlot(str(other.id), scheduling.Interval(*part))
        for other in await repo.assigned_between([tech.id], day_start, day_end)
        if other.id != row.id
        and other.scheduled_start is not None
        and other.scheduled_end is not None
        and (part := clip_to_day(other.scheduled_start, other.scheduled_end, day)) is not None
    ]
    return scheduling.assignment_conflict(
        active=tech.active,
        skills=frozenset(tech.skills),
        required_skill=row.required_skill,
        window=window,
        on_planned_date=planned_date is None or planned_date == day,
        working=working_intervals(tech, day),
        absences=absences,
        busy=busy,
        slot=slot,
    )


class AssignmentService:
    def __init__(self, database: Database, settings: InterventionSettings, clock: Clock) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock

    async def assign(
        self,
        intervention_id: str,
        technician_id: str,
        start: datetime | None,
        expected_version: int,
    ) -> InterventionView:
        require_roles(*OFFICE)
        visit_id = parse_id(intervention_id)
        tech_id = parse_id(technician_id, "technician_id")
        if start is None:
            raise InvalidArgument(
                "a start time is required", fields={"scheduled_start": "required"}
            )
        events = Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row, tech = await _locked_for_planning(repo, visit_id, tech_id)
            assert tech is not None
            _check_version(row, expected_version)
            check_pending(row)
            window = scheduling.Interval(row.window_start_minute, row.window_end_minute)
            conflict = await _conflict(repo, tech, row, start, row.planned_date, window)
            if conflict is not None:
                raise _refuse(conflict)
            end = start + timedelta(minutes=row.estimated_minutes)
            await repo.update_intervention(
                row.id,
                {
                    "technician_id": tech.id,
                    "scheduled_start": start,
                    "scheduled_end": end,
                    "planned_date": local_day(start),
                },
            )
            updated = await repo.intervention(row.id)
            assert updated is not None
            appointment_events(row, updated, events)
            await repo.add_events(events.items)
            return await view(repo, updated, self.clock.now())

    async def unassign(self, intervention_id: str) -> InterventionView:
        require_roles(*OFFICE)
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await repo.intervention(parse_id(intervention_id), for_update=True)
            if row is None:
                raise NotFound("intervention not found")
            check_pending(row)
            await repo.update_intervention(
                row.id, {"technician_id": None, "scheduled_start": None, "scheduled_end": None}
            )
            updated = await repo.intervention(row.id)
            assert updated is not None
            return await view(repo, updated, self.clock.now())

    async def reschedule(
        self,
        intervention_id: str,
        planned_date: date | None,
        window_start: int | None,
        window_end: int | None,
        start: datetime | None,
        expected_version: int,
    ) -> InterventionView:
        require_roles(*OFFICE)
        visit_id = parse_id(intervention_id)
        if planned_date is None:
            raise InvalidArgument("a date is required", fields={"planned_date": "required"})
        events = Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            current = await repo.intervention(visit_id)
            if current is None:
                raise NotFound("intervention not found")
            keep_technician = start is not None and current.technician_id is not None
            if start is not None and current.technician_id is None:
                raise FailedPrecondition(
                    "assign a technician to give a start time",
                    fields={"scheduled_start": "no technician"},
                )
            row, tech = await _locked_for_planning(
                repo, visit_id, current.technician_id if keep_technician else None
            )
            if row.technician_id != current.technician_id:
                raise Conflict("the intervention was reassigned meanwhile; try again")
            _check_version(row, expected_version)
            check_pending(row)
            window = check_window(
                row.window_start_minute if window_start is None else window_start,
                row.window_end_minute if window_end is None else window_end,
                DEFAULT_WINDOW,
            )
            values: dict[str, Any] = {
                "planned_date": planned_date,
                "window_start_minute": window.start,
                "window_end_minute": window.end,
                "status": Status.OVERDUE if planned_date < self.clock.today() else Status.SCHEDULED,
            }
            if keep_technician:
                assert tech is not None and start is not None
                conflict = await _conflict(repo, tech, row, start, planned_date, window)
                if conflict is not None:
                    raise _refuse(conflict)
                values |= {
                    "scheduled_start": start,
                    "scheduled_end": start + timedelta(minutes=row.estimated_minutes),
                }
            else:
                values |= {"technician_id": None, "scheduled_start": None, "scheduled_end": None}
            await repo.update_intervention(row.id, values)
            updated = await repo.intervention(row.id)
            assert updated is not None
            appointment_events(row, updated, events)
            await repo.add_events(events.items)
            return await view(repo, updated, self.clock.now())

    # -- automatic assignment ------------------------------------------------------------------
    async def auto_assign(
        self, first: date | None, last: date | None, dry_run: bool, technician_ids: Sequence[str]
    ) -> AutoAssignResult:
        require_roles(*OFFICE)
        first, last = _check_period(first, last, MAX_PLANNING_DAYS)
        ids = [parse_id(t, "technician_ids") for t in technician_ids] or None
        events = Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            # Locks: technicians (by id), then the visits, as manual assignment does.
            techs = await repo.technicians(ids=ids, for_update=not dry_run)
            visits = [
                v
                for v in await repo.unassigned_between(first, last, for_update=not dry_run)
                if v.estimated_minutes > 0
            ]
            start, end = day_bounds(first, last)
            tech_ids = [t.id for t in techs]
            assigned = await repo.assigned_between(tech_ids, start, end) if techs else []
            absences = await repo.absences(tech_ids, start, end) if techs else []
            days = technician_days(techs, first, last, assigned, absences)
            requests = [_visit_request(v) for v in visits]
            # CPU work off the event loop's thread so other calls keep being served.
            plan = await asyncio.to_thread(
                scheduling.plan, days, requests, speed_kmh=self.settings.travel_speed_kmh
            )
            if not dry_run and plan.placements:
                by_id = {str(v.id): v for v in visits}
                names = {str(t.id): t.display_name for t in techs}
                changes = []
                for p in plan.placements:
                    start_at = local_datetime(p.day, p.slot.start)
                    end_at = local_datetime(p.day, p.slot.end)
                    changes.append(
                        (uuid.UUID(p.intervention_id), uuid.UUID(p.technician_id), start_at, end_at)
                    )
                    before = by_id[p.intervention_id]
                    after = with_assignment(
                        before, uuid.UUID(p.technician_id), names[p.technician_id], start_at, end_at
                    )
                    appointment_events(before, after, events)
                await repo.assign_many(changes)
                await repo.add_events(events.items)
        return AutoAssignResult(plan, dry_run)

    # -- planning and schedules ----------------------------------------------------------------
    async def planning(
        self, first: date | None, last: date | None, technician_ids: Sequence[str]
    ) -> Planning:
        require_roles(*OFFICE)
        first, last = _check_period(first, last, MAX_PLANNING_DAYS)
        ids = [parse_id(t, "technician_ids") for t in technician_ids] or None
        now = self.clock.now()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            techs = await repo.technicians(ids=ids, include_inactive=ids is not None)
            start, end = day_bounds(first, last)
            assigned = (
                await repo.assigned_between([t.id for t in techs], start, end) if techs else []
            )
            assigned_views = await views(repo, assigned, now)
            unassigned_rows = [
                *await repo.unscheduled_corrective(),
                *await repo.unassigned_between(first, last),
            ]
            unassigned = await views(repo, unassigned_rows, now)
        by_tech: dict[uuid.UUID, list[InterventionView]] = defaultdict(list)
        for assigned_view in assigned_views:
            assert assigned_view.row.technician_id is not None
            by_tech[assigned_view.row.technician_id].append(assigned_view)
        return Planning([PlanningLane(t, by_tech.get(t.id, [])) for t in techs], unassigned)

    async def technician_schedule(
        self, technician_id: str, first: date | None, last: date | None
    ) -> tuple[TechnicianRow, list[ScheduleDay]]:
        first = first or self.clock.today()
        last = last or first
        first, last = _check_period(first, last, MAX_SCHEDULE_DAYS)
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            tech = await resolve_technician(repo, technician_id)
            start, end = day_bounds(first, last)
            rows = await repo.assigned_between([tech.id], start, end)
            found = await views(repo, rows, self.clock.now())
        by_day: dict[date, list[InterventionView]] = defaultdict(list)
        for found_view in found:
            assert found_view.row.scheduled_start is not None
            by_day[local_day(found_view.row.scheduled_start)].append(found_view)
        days: list[ScheduleDay] = []
        for day in days_between(first, last):
            stops: list[ScheduleStop] = []
            here: GeoPoint | None = home_point(tech)
            for sequence, stop_view in enumerate(by_day.get(day, []), start=1):
                there = site_point(stop_view.row)
                metres = haversine_metres(here, there) if here and there else 0.0
                stops.append(
                    ScheduleStop(
                        stop_view,
                        sequence,
                        round(metres),
                        travel_minutes(metres, self.settings.travel_speed_kmh),
                    )
                )
                here = there or here
            days.append(ScheduleDay(day, stops))
        return tech, days
