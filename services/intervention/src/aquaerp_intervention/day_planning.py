"""A technician's day as the office plans it: the start proposed for one more visit (after the
previous stop and the drive from it, with the distance model of the automatic assignment), and
the rain or closed-day shift that moves a day's visits to each technician's next working day,
in the same order."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound

from .access import OFFICE, check_pending, parse_id, technician
from .config import InterventionSettings
from .geo import GeoPoint, haversine_metres, travel_minutes
from .lifecycle import PENDING
from .local_time import clip_to_day, local_datetime, local_day, minute_of_day
from .repository import AbsenceRow, InterventionRepository, InterventionRow, TechnicianRow
from .views import InterventionView, views
from .visits import (
    Events,
    appointment_events,
    day_bounds,
    home_point,
    site_point,
    working_intervals,
)

# How far the next working day is looked for (a fortnight of leave, then the office decides).
MAX_SHIFT_DAYS = 21
# Visits without a technician move to the next weekday.
WEEKDAYS = range(1, 6)


@dataclass(frozen=True)
class ProposedStart:
    start: datetime
    travel_minutes: int
    travel_metres: int
    previous: InterventionRow | None


@dataclass(frozen=True)
class ShiftedVisit:
    row: InterventionRow
    new_start: datetime | None
    new_date: date
    # Overlaps a visit already on the new day: the office reviews it.
    overlaps: bool
    # The visit as before the shift, for the answer.
    before: InterventionView | None = None


def _travel(a: GeoPoint | None, b: GeoPoint | None, speed_kmh: float) -> tuple[int, int]:
    metres = haversine_metres(a, b) if a and b else 0.0
    return round(metres), travel_minutes(metres, speed_kmh)


def _absent_all_day(tech: TechnicianRow, day: date, absences: Sequence[AbsenceRow]) -> bool:
    working = working_intervals(tech, day)
    if not working:
        return True
    parts = [
        part
        for a in absences
        if a.technician_id == tech.id and (part := clip_to_day(a.starts_at, a.ends_at, day))
    ]
    return all(any(lo <= w.start and w.end <= hi for lo, hi in parts) for w in working)


def next_working_day(tech: TechnicianRow, after: date, absences: Sequence[AbsenceRow]) -> date:
    for offset in range(1, MAX_SHIFT_DAYS + 1):
        day = after + timedelta(days=offset)
        if not _absent_all_day(tech, day, absences):
            return day
    raise FailedPrecondition(
        f"{tech.display_name} has no working day in the {MAX_SHIFT_DAYS} days after {after}",
        fields={"day": "no working day after it"},
    )


def _next_weekday(after: date) -> date:
    day = after + timedelta(days=1)
    while day.isoweekday() not in WEEKDAYS:
        day += timedelta(days=1)
    return day


def shifted_times(
    rows: Sequence[InterventionRow],
    new_day: date,
    work_start: int,
    existing: Sequence[InterventionRow],
) -> list[ShiftedVisit]:
    """The day's visits on `new_day` in the same order and at the same times of day, none
    before the working day starts nor before the previous one ends."""
    result = []
    earliest = work_start
    for row in rows:
        assert row.scheduled_start is not None
        minute = max(minute_of_day(row.scheduled_start), earliest)
        start = local_datetime(new_day, minute)
        end = start + timedelta(minutes=row.estimated_minutes)
        overlaps = any(
            other.scheduled_start is not None
            and other.scheduled_end is not None
            and other.scheduled_start < end
            and start < other.scheduled_end
            for other in existing
        )
        result.append(ShiftedVisit(row, start, new_day, overlaps))
        earliest = minute + row.estimated_minutes
    return result


class DayPlanning:
    def __init__(self, database: Database, settings: InterventionSettings, clock: Clock) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock

    async def propose_start(
        self, intervention_id: str, technician_id: str, day: date | None
    ) -> ProposedStart:
        """The earliest start of the visit after the technician's last stop of the day ending
        before its window closes, plus the drive from that stop (from home for the first)."""
        require_roles(*OFFICE)
        if day is None:
            raise InvalidArgument("a day is required", fields={"day": "required"})
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await repo.intervention(parse_id(intervention_id))
            if row is None:
                raise NotFound("intervention not found")
            tech = await technician(repo, parse_id(technician_id, "technician_id"))
            start, end = day_bounds(day, day)
            others = [
                r
                for r in await repo.assigned_between([tech.id], start, end)
                if r.id != row.id and r.scheduled_end is not None
            ]
        working = working_intervals(tech, day)
        earliest = max(row.window_start_minute, working[0].start if working else 0)
        previous = None
        for other in others:
            assert other.scheduled_end is not None
            if minute_of_day(other.scheduled_end) <= max(earliest, row.window_end_minute):
                previous = other
        here = site_point(previous) if previous else home_point(tech)
        metres, minutes = _travel(here, site_point(row), self.settings.travel_speed_kmh)
        if previous is not None:
            assert previous.scheduled_end is not None
            ready = minute_of_day(previous.scheduled_end) + minutes
        else:
            # From home: leaves in time for the window, never before the working day starts.
            ready = (working[0].start if working else 0) + minutes
        return ProposedStart(local_datetime(day, max(earliest, ready)), minutes, metres, previous)

    async def shift_day(
        self, day: date | None, technician_ids: Sequence[str], postal_prefix: str, dry_run: bool
    ) -> list[ShiftedVisit]:
        """Moves the pending visits of `day` (of these technicians, in this postal-code zone)
        to each technician's next working day in the same order; visits without a technician
        to the next weekday. Customers get the rescheduled appointment e-mail."""
        require_roles(*OFFICE)
        if day is None:
            raise InvalidArgument("a day is required", fields={"day": "required"})
        prefix = postal_prefix.strip()
        if prefix and not (prefix.isdigit() and len(prefix) <= 5):
            raise InvalidArgument(
                "a postal-code zone is 1 to 5 digits", fields={"postal_code_prefix": "digits"}
            )
        ids = [parse_id(t, "technician_ids") for t in technician_ids] or None
        events = Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            techs = await repo.technicians(ids=ids, for_update=not dry_run)
            start, end = day_bounds(day, day)

            def in_zone(row: InterventionRow) -> bool:
                return str(row.site_address.get("postal_code") or "").startswith(prefix)

            by_tech: dict[uuid.UUID, list[InterventionRow]] = defaultdict(list)
            for row in await repo.assigned_between([t.id for t in techs], start, end):
                if row.technician_id and row.status in PENDING and in_zone(row):
                    if row.scheduled_start and local_day(row.scheduled_start) == day:
                        by_tech[row.technician_id].append(row)
            horizon_end = day_bounds(day, day + timedelta(days=MAX_SHIFT_DAYS))[1]
            absences = await repo.absences([t.id for t in techs], start, horizon_end)
            shifted: list[ShiftedVisit] = []
            for tech in techs:
                rows = sorted(by_tech.get(tech.id, []), key=lambda r: r.scheduled_start or start)
                if not rows:
                    continue
                new_day = next_working_day(tech, day, absences)
                new_start, new_end = day_bounds(new_day, new_day)
                existing = [
                    r
                    for r in await repo.assigned_between([tech.id], new_start, new_end)
                    if r.id not in {x.id for x in rows}
                ]
                work_start = working_intervals(tech, new_day)[0].start
                shifted += shifted_times(rows, new_day, work_start, existing)
            if ids is None:
                shifted += [
                    ShiftedVisit(row, None, _next_weekday(day), False)
                    for row in await repo.unassigned_between(day, day, for_update=not dry_run)
                    if in_zone(row)
                ]
            before = await views(repo, [v.row for v in shifted], self.clock.now())
            shifted = [replace(v, before=b) for v, b in zip(shifted, before, strict=True)]
            if dry_run:
                return shifted
            for visit in shifted:
                check_pending(visit.row)
                values: dict[str, object] = {"planned_date": visit.new_date}
                if visit.new_start is not None:
                    values |= {
                        "scheduled_start": visit.new_start,
                        "scheduled_end": visit.new_start
                        + timedelta(minutes=visit.row.estimated_minutes),
                    }
                await repo.update_intervention(visit.row.id, values)
                updated = await repo.intervention(visit.row.id)
                assert updated is not None
                appointment_events(visit.row, updated, events)
            await repo.add_events(events.items)
        return shifted
