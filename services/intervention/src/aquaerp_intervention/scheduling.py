"""Assignment rules and the automatic planner. Pure functions: no database, no clock.

Times are minutes of the day (Europe/Paris wall clock) on a given date. A visit takes place on
its planned date, entirely inside its time window and one working period of its technician,
outside absences and other visits, with enough time to drive from the previous stop.

The planner builds every technician's day at once: the technician whose day is least advanced
takes the cheapest next visit (drive + wait + a little urgency for closing windows), which
balances load and keeps routes local; 2-opt and relocation between technicians then shorten the
routes while every constraint still holds; visits still left over are inserted where they fit.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .geo import EARTH_RADIUS_METRES, GeoPoint
from .local_time import format_minute

# Weights of the construction cost, in minutes per minute.
WAIT_WEIGHT = 0.5
URGENCY_WEIGHT = 0.02
# Relocation may not make a technician's day more than this many visits longer than the donor's.
BALANCE_SLACK = 1
# Visits the construction left over are tried in this many nearest technicians' days.
LEFTOVER_NEIGHBOURS = 6

# Conflict reason codes of manual assignment.
OVERLAP = "OVERLAP"
OUTSIDE_WORKING_HOURS = "OUTSIDE_WORKING_HOURS"
MISSING_SKILL = "MISSING_SKILL"
ABSENCE = "ABSENCE"
OUTSIDE_TIME_WINDOW = "OUTSIDE_TIME_WINDOW"
TECHNICIAN_INACTIVE = "TECHNICIAN_INACTIVE"

# Reasons a visit is left unplaced by the planner.
NO_LOCATION = "NO_LOCATION"
NO_SKILLED_TECHNICIAN = "NO_SKILLED_TECHNICIAN"
NO_AVAILABLE_TECHNICIAN = "NO_AVAILABLE_TECHNICIAN"
NO_SLOT = "NO_SLOT"


@dataclass(frozen=True, order=True)
class Interval:
    """[start, end) in minutes of the day."""

    start: int
    end: int

    def contains(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end

    def overlaps(self, start: int, end: int) -> bool:
        return start < self.end and self.start < end


def subtract(intervals: Iterable[Interval], cuts: Iterable[Interval]) -> tuple[Interval, ...]:
    """The parts of `intervals` not covered by any of `cuts`, sorted."""
    pieces = sorted(intervals)
    for cut in sorted(cuts):
        kept: list[Interval] = []
        for piece in pieces:
            if not piece.overlaps(cut.start, cut.end):
                kept.append(piece)
                continue
            if piece.start < cut.start:
                kept.append(Interval(piece.start, cut.start))
            if cut.end < piece.end:
                kept.append(Interval(cut.end, piece.end))
        pieces = kept
    return tuple(pieces)


# -- manual assignment -------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """Why a technician cannot take a visit at a time. `field` names the request field at fault."""

    reason: str
    message: str
    field: str
    # What a client needs to word the message itself, e.g. {"skill": "spa"}.
    params: Mapping[str, str] | None = None


@dataclass(frozen=True)
class BusySlot:
    """Another visit of the technician that day."""

    intervention_id: str
    slot: Interval


def assignment_conflict(
    *,
    active: bool,
    skills: frozenset[str],
    required_skill: str,
    window: Interval,
    on_planned_date: bool,
    working: Sequence[Interval],
    absences: Sequence[Interval],
    busy: Sequence[BusySlot],
    slot: Interval,
) -> Conflict | None:
    """The first rule a manual assignment breaks, or None when it fits."""
    if not active:
        return Conflict(TECHNICIAN_INACTIVE, "the technician is inactive", "technician_id")
    if required_skill and required_skill not in skills:
        return Conflict(
            MISSING_SKILL,
            f"the technician does not have the required skill '{required_skill}'",
            "technician_id",
            {"skill": required_skill},
        )
    if not on_planned_date or not window.contains(slot.start, slot.end):
        return Conflict(
            OUTSIDE_TIME_WINDOW,
            f"{format_minute(slot.start)}-{format_minute(slot.end)} is not within the visit's "
            f"date and time window {format_minute(window.start)}-{format_minute(window.end)}",
            "scheduled_start",
            {
                "start": format_minute(slot.start),
                "end": format_minute(slot.end),
                "window_start": format_minute(window.start),
                "window_end": format_minute(window.end),
            },
        )
    if not any(period.contains(slot.start, slot.end) for period in working):
        hours = ", ".join(f"{format_minute(p.start)}-{format_minute(p.end)}" for p in working)
        return Conflict(
            OUTSIDE_WORKING_HOURS,
            f"{format_minute(slot.start)}-{format_minute(slot.end)} is outside the technician's "
            f"working hours that day ({hours or 'not working'})",
            "scheduled_start",
            {"start": format_minute(slot.start), "end": format_minute(slot.end), "hours": hours},
        )
    for absence in absences:
        if absence.overlaps(slot.start, slot.end):
            return Conflict(
                ABSENCE,
                f"the technician is absent from {format_minute(absence.start)} to "
                f"{format_minute(min(absence.end, 24 * 60))} that day",
                "scheduled_start",
                {
                    "from": format_minute(absence.start),
                    "to": format_minute(min(absence.end, 24 * 60)),
                },
            )
    for other in busy:
        if other.slot.overlaps(slot.start, slot.end):
            return Conflict(
                OVERLAP,
                f"the technician already has intervention {other.intervention_id} from "
                f"{format_minute(other.slot.start)} to {format_minute(other.slot.end)}",
                "scheduled_start",
                {
                    "intervention_id": other.intervention_id,
                    "from": format_minute(other.slot.start),
                    "to": format_minute(other.slot.end),
                },
            )
    return None


# -- automatic planning ------------------------------------------------------------------------


@dataclass(frozen=True)
class FixedStop:
    """A visit the technician already has that day; the planner works around it."""

    intervention_id: str
    slot: Interval
    location: GeoPoint | None


@dataclass(frozen=True)
class TechnicianDay:
    """A technician's availability on one day."""

    technician_id: str
    day: date
    skills: frozenset[str]
    home: GeoPoint
    working: tuple[Interval, ...]
    absent: tuple[Interval, ...] = ()
    fixed: tuple[FixedStop, ...] = ()


@dataclass(frozen=True)
class VisitRequest:
    """A visit to place on its planned date."""

    intervention_id: str
    day: date
    window: Interval
    duration: int
    required_skill: str
    location: GeoPoint | None


@dataclass(frozen=True)
class Placement:
    intervention_id: str
    technician_id: str
    day: date
    slot: Interval
    sequence: int
    travel_metres: int


@dataclass(frozen=True)
class Unplaced:
    intervention_id: str
    reason: str


@dataclass(frozen=True)
class DayLoad:
    technician_id: str
    day: date
    visits: int
    work_minutes: int
    travel_metres: int


@dataclass
class Plan:
    placements: list[Placement] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    loads: list[DayLoad] = field(default_factory=list)

    @property
    def total_travel_metres(self) -> int:
        return sum(load.travel_metres for load in self.loads)


class Place:
    """A point prepared for fast repeated distance computations."""

    __slots__ = ("cos_lat", "lat", "lon")

    def __init__(self, point: GeoPoint) -> None:
        self.lat = math.radians(point.latitude)
        self.lon = math.radians(point.longitude)
        self.cos_lat = math.cos(self.lat)


def place_distance(a: Place | None, b: Place | None) -> float:
    """Haversine metres; 0 when a point is unknown."""
    if a is None or b is None:
        return 0.0
    h = (
        math.sin((b.lat - a.lat) / 2) ** 2
        + a.cos_lat * b.cos_lat * math.sin((b.lon - a.lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(h)))


class Stop:
    """One stop of a route: a visit to place (movable) or a fixed one."""

    __slots__ = ("duration", "fixed_slot", "intervention_id", "place", "visit", "window")

    def __init__(
        self,
        intervention_id: str,
        place: Place | None,
        duration: int,
        window: Interval,
        fixed_slot: Interval | None,
        visit: VisitRequest | None,
    ) -> None:
        self.intervention_id = intervention_id
        self.place = place
        self.duration = duration
        self.window = window
        self.fixed_slot = fixed_slot
        self.visit = visit


class Route:
    """One technician's day being built."""

    def __init__(self, tech: TechnicianDay, speed_kmh: float) -> None:
        self.tech = tech
        self.home = Place(tech.home)
        self.metres_per_minute = speed_kmh * 1000.0 / 60.0
        available = subtract(tech.working, [Interval(a.start, a.end) for a in tech.absent])
        self.day_start = available[0].start if available else None
        self.free = subtract(available, [f.slot for f in tech.fixed])
        self.fixed = [
            Stop(
                f.intervention_id,
                _place(f.location),
                f.slot.end - f.slot.start,
                f.slot,
                f.slot,
                None,
            )
            for f in sorted(tech.fixed, key=lambda f: f.slot)
        ]
        self.stops: list[Stop] = []

    def travel(self, a: Place | None, b: Place | None) -> int:
        metres = place_distance(a, b)
        return math.ceil(metres / self.metres_per_minute - 1e-9) if metres > 0 else 0

    def earliest_fit(self, earliest: int, duration: int, latest_end: int) -> int | None:
        for free in self.free:
            start = max(earliest, free.start)
            if start + duration > latest_end:
                return None
            if start + duration <= free.end:
                return start
        return None

    def schedule(self, stops: Sequence[Stop]) -> list[int] | None:
        """Start minute of each stop in this order, each as early as possible; None when the
        order breaks a rule."""
        if self.day_start is None:
            # Not working that day: only visits fixed before can be there.
            if any(stop.fixed_slot is None for stop in stops):
                return None
            return [stop.window.start for stop in stops]
        clock, after_visit = self.day_start, False
        here: Place | None = self.home
        starts: list[int] = []
        for stop in stops:
            arrival = clock + self.travel(here, stop.place)
            if stop.fixed_slot is not None:
                # Fixed visits are facts; only a visit we placed before one must leave in time.
                if after_visit and arrival > stop.fixed_slot.start:
                    return None
                start = stop.fixed_slot.start
                clock = max(clock, stop.fixed_slot.end)
                after_visit = False
            else:
                found = self.earliest_fit(
                    max(arrival, stop.window.start), stop.duration, stop.window.end
                )
                if found is None:
                    return None
                start = found
                clock = start + stop.duration
                after_visit = True
            here = stop.place
            starts.append(start)
        return starts

    def movable_count(self) -> int:
        return sum(1 for stop in self.stops if stop.fixed_slot is None)

    def centroid(self) -> Place | None:
        points = [stop.visit.location for stop in self.stops if stop.visit and stop.visit.location]
        if not points:
            return self.home
        return Place(
            GeoPoint(
                sum(p.latitude for p in points) / len(points),
                sum(p.longitude for p in points) / len(points),
            )
        )

    def metres(self, stops: Sequence[Stop] | None = None) -> float:
        stops = self.stops if stops is None else stops
        total = 0.0
        here: Place | None = self.home
        for stop in stops:
            total += place_distance(here, stop.place)
            here = stop.place
        return total + place_distance(here, self.home) if stops else 0.0


def _place(point: GeoPoint | None) -> Place | None:
    return Place(point) if point is not None else None


class _Builder:
    """Parallel cheapest-next construction for one day."""

    def __init__(self, routes: list[Route], visits: list[Stop]) -> None:
        self.routes = routes
        self.visits = visits

    def build(self) -> list[Stop]:
        """Fills the routes; returns the visits left over."""
        placed: set[int] = set()
        candidates = [
            [i for i, v in enumerate(self.visits) if _skilled(route.tech, v)]
            for route in self.routes
        ]
        pending_fixed = [list(route.fixed) for route in self.routes]
        state: list[tuple[int, Place | None]] = []
        heap: list[tuple[int, int]] = []
        for k, route in enumerate(self.routes):
            state.append((route.day_start or 0, route.home))
            if route.day_start is not None:
                heap.append((route.day_start, k))
            else:
                route.stops.extend(pending_fixed[k])
                pending_fixed[k] = []
        heapq.heapify(heap)
        while heap:
            _, k = heapq.heappop(heap)
            route = self.routes[k]
            clock, here = state[k]
            next_fixed = pending_fixed[k][0] if pending_fixed[k] else None
            best: tuple[float, int, int] | None = None
            for i in candidates[k]:
                if i in placed:
                    continue
                visit = self.visits[i]
                drive = route.travel(here, visit.place)
                arrival = clock + drive
                start = route.earliest_fit(
                    max(arrival, visit.window.start), visit.duration, visit.window.end
                )
                if start is None:
                    continue
                end = start + visit.duration
                if next_fixed is not None and next_fixed.fixed_slot is not None:
                    leave_by = next_fixed.fixed_slot.start
                    if end + route.travel(visit.place, next_fixed.place) > leave_by:
                        continue
                cost = (
                    drive
                    + WAIT_WEIGHT * (start - arrival)
                    + URGENCY_WEIGHT * (visit.window.end - end)
                )
                if best is None or cost < best[0]:
                    best = (cost, i, end)
            if best is not None:
                _, i, end = best
                placed.add(i)
                route.stops.append(self.visits[i])
                state[k] = (end, self.visits[i].place)
                heapq.heappush(heap, (end, k))
            elif next_fixed is not None:
                pending_fixed[k].pop(0)
                route.stops.append(next_fixed)
                assert next_fixed.fixed_slot is not None  # pending_fixed holds fixed stops only
                end = max(clock, next_fixed.fixed_slot.end)
                state[k] = (end, next_fixed.place)
                heapq.heappush(heap, (end, k))
        return [v for i, v in enumerate(self.visits) if i not in placed]


def _skilled(tech: TechnicianDay, stop: Stop) -> bool:
    assert stop.visit is not None
    return not stop.visit.required_skill or stop.visit.required_skill in tech.skills


def _two_opt(route: Route) -> None:
    """Reverses segments of movable stops while that shortens the route and stays valid."""
    improved, passes = True, 0
    while improved and passes < 8:
        improved, passes = False, passes + 1
        stops = route.stops
        n = len(stops)
        for i in range(n - 1):
            if stops[i].fixed_slot is not None:
                continue
            before = stops[i - 1].place if i > 0 else route.home
            for j in range(i + 1, n):
                if stops[j].fixed_slot is not None:
                    break
                after = stops[j + 1].place if j + 1 < n else route.home
                delta = (
                    place_distance(before, stops[j].place)
                    + place_distance(stops[i].place, after)
                    - place_distance(before, stops[i].place)
                    - place_distance(stops[j].place, after)
                )
                if delta < -1.0:
                    candidate = stops[:i] + stops[i : j + 1][::-1] + stops[j + 1 :]
                    if route.schedule(candidate) is not None:
                        route.stops = stops = candidate
                        improved = True
                        before = stops[i - 1].place if i > 0 else route.home


def _removal_gain(route: Route, index: int) -> float:
    stops = route.stops
    before = stops[index - 1].place if index > 0 else route.home
    after = stops[index + 1].place if index + 1 < len(stops) else route.home
    here = stops[index].place
    if len(stops) == 1:
        return place_distance(route.home, here) * 2
    return (
        place_distance(before, here) + place_distance(here, after) - place_distance(before, after)
    )


def _insertion_options(route: Route, stop: Stop) -> list[tuple[float, int]]:
    """(added metres, position) for every position in the route, cheapest first."""
    stops = route.stops
    options = []
    for position in range(len(stops) + 1):
        before = stops[position - 1].place if position > 0 else route.home
        after = stops[position].place if position < len(stops) else route.home
        if not stops:
            added = 2 * place_distance(route.home, stop.place)
        else:
            added = (
                place_distance(before, stop.place)
                + place_distance(stop.place, after)
                - place_distance(before, after)
            )
        options.append((added, position))
    options.sort()
    return options


def _try_insert(route: Route, stop: Stop, max_added: float, attempts: int = 4) -> float | None:
    """Inserts `stop` at the cheapest valid position adding less than `max_added` metres."""
    if not _skilled(route.tech, stop) or route.day_start is None:
        return None
    for added, position in _insertion_options(route, stop)[:attempts]:
        if added >= max_added:
            return None
        candidate = [*route.stops[:position], stop, *route.stops[position:]]
        if route.schedule(candidate) is not None:
            route.stops = candidate
            return added
    return None


def _relocate(routes: list[Route], *, neighbours: int = 3) -> None:
    """Moves single visits to a nearby technician's day when that shortens the total route,
    without making the receiving day longer than the giving one by more than BALANCE_SLACK."""
    for _ in range(2):
        centroids = [route.centroid() for route in routes]
        moved = False
        for donor in routes:
            index = 0
            while index < len(donor.stops):
                stop = donor.stops[index]
                if stop.fixed_slot is None and _move_elsewhere(
                    routes, centroids, donor, index, neighbours
                ):
                    moved = True  # the next stop now sits at `index`
                else:
                    index += 1
        if not moved:
            return


def _move_elsewhere(
    routes: list[Route], centroids: list[Place | None], donor: Route, index: int, neighbours: int
) -> bool:
    stop = donor.stops[index]
    remaining = donor.stops[:index] + donor.stops[index + 1 :]
    if donor.schedule(remaining) is None:
        return False
    gain = _removal_gain(donor, index)
    donor_after = donor.movable_count() - 1
    nearest = sorted(
        (place_distance(centroid, stop.place), k) for k, centroid in enumerate(centroids)
    )
    tried = 0
    for _, k in nearest:
        receiver = routes[k]
        if receiver is donor or not _skilled(receiver.tech, stop) or receiver.day_start is None:
            continue
        tried += 1
        if tried > neighbours:
            break
        if receiver.movable_count() + 1 > donor_after + BALANCE_SLACK:
            continue
        if _try_insert(receiver, stop, gain - 1.0) is not None:
            donor.stops = remaining
            return True
    return False


def plan_day(
    technicians: Sequence[TechnicianDay], visits: Sequence[VisitRequest], *, speed_kmh: float
) -> tuple[list[Route], list[Unplaced]]:
    """Routes for one day's technicians covering as many of `visits` as the rules allow."""
    routes = [Route(tech, speed_kmh) for tech in sorted(technicians, key=lambda t: t.technician_id)]
    stops = [
        Stop(v.intervention_id, _place(v.location), v.duration, v.window, None, v)
        for v in sorted(visits, key=lambda v: (v.window.start, v.window.end, v.intervention_id))
    ]
    leftovers = _Builder(routes, stops).build()
    for route in routes:
        _two_opt(route)
    _relocate(routes)
    for route in routes:
        _two_opt(route)
    unplaced: list[Unplaced] = []
    for stop in leftovers:
        # Where it fits among the nearest days, ignoring balance: a visit done beats one left.
        nearby = sorted(
            (r for r in routes if _skilled(r.tech, stop) and r.day_start is not None),
            key=lambda route: place_distance(route.centroid(), stop.place),
        )[:LEFTOVER_NEIGHBOURS]
        if not any(
            _try_insert(route, stop, math.inf, attempts=len(route.stops) + 1) is not None
            for route in nearby
        ):
            unplaced.append(Unplaced(stop.intervention_id, NO_SLOT))
    return routes, unplaced


def plan(
    technicians: Sequence[TechnicianDay], visits: Sequence[VisitRequest], *, speed_kmh: float
) -> Plan:
    """Places `visits` on their planned dates among `technicians` (one entry per technician and
    working day). Every placement keeps every hard rule; visits that cannot be placed are
    returned with a reason."""
    result = Plan()
    roster_skills: set[str] = set()
    for tech in technicians:
        roster_skills |= tech.skills
    techs_by_day: dict[date, list[TechnicianDay]] = defaultdict(list)
    for tech in technicians:
        techs_by_day[tech.day].append(tech)
    visits_by_day: dict[date, list[VisitRequest]] = defaultdict(list)
    for visit in visits:
        if visit.location is None:
            result.unplaced.append(Unplaced(visit.intervention_id, NO_LOCATION))
        elif visit.required_skill and visit.required_skill not in roster_skills:
            result.unplaced.append(Unplaced(visit.intervention_id, NO_SKILLED_TECHNICIAN))
        else:
            visits_by_day[visit.day].append(visit)
    for day in sorted(set(techs_by_day) | set(visits_by_day)):
        day_visits = visits_by_day.get(day, [])
        day_techs = techs_by_day.get(day, [])
        working = [t for t in day_techs if subtract(t.working, t.absent)]
        placeable: list[VisitRequest] = []
        for visit in day_visits:
            if any(not visit.required_skill or visit.required_skill in t.skills for t in working):
                placeable.append(visit)
            else:
                result.unplaced.append(Unplaced(visit.intervention_id, NO_AVAILABLE_TECHNICIAN))
        routes, unplaced = plan_day(day_techs, placeable, speed_kmh=speed_kmh)
        result.unplaced.extend(unplaced)
        for route in routes:
            _collect(route, result)
    return result


def _collect(route: Route, result: Plan) -> None:
    starts = route.schedule(route.stops)
    assert starts is not None, "the planner produced a route that breaks a rule"
    here: Place | None = route.home
    sequence = 0
    work = 0
    for stop, start in zip(route.stops, starts, strict=True):
        sequence += 1
        metres = round(place_distance(here, stop.place))
        here = stop.place
        work += stop.duration
        if stop.fixed_slot is None:
            result.placements.append(
                Placement(
                    stop.intervention_id,
                    route.tech.technician_id,
                    route.tech.day,
                    Interval(start, start + stop.duration),
                    sequence,
                    metres,
                )
            )
    if route.stops:
        result.loads.append(
            DayLoad(
                route.tech.technician_id,
                route.tech.day,
                len(route.stops),
                work,
                round(route.metres()),
            )
        )


def route_metres(home: GeoPoint, points: Iterable[GeoPoint | None]) -> float:
    """Length of home -> points -> home (unknown points are skipped)."""
    total, here = 0.0, Place(home)
    start = here
    for point in points:
        if point is None:
            continue
        there = Place(point)
        total += place_distance(here, there)
        here = there
    return total + place_distance(here, start)
