"""The automatic planner never breaks a hard rule, on generated instances (property-based), and
the manual conflict rules name the first rule broken."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, timedelta

from aquaerp_intervention.geo import GeoPoint, haversine_metres, travel_minutes
from aquaerp_intervention.scheduling import (
    ABSENCE,
    MISSING_SKILL,
    NO_SKILLED_TECHNICIAN,
    OUTSIDE_TIME_WINDOW,
    OUTSIDE_WORKING_HOURS,
    OVERLAP,
    TECHNICIAN_INACTIVE,
    BusySlot,
    FixedStop,
    Interval,
    Plan,
    TechnicianDay,
    VisitRequest,
    assignment_conflict,
    plan,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SPEED_KMH = 40.0
MONDAY = date(2026, 6, 1)
SKILLS = ["piscine", "spa", "electrolyse"]


def violations(
    technicians: list[TechnicianDay], visits: list[VisitRequest], result: Plan
) -> list[str]:
    """Every hard rule a plan breaks, checked from scratch (independent of the planner)."""
    problems: list[str] = []
    by_id = {v.intervention_id: v for v in visits}
    techs = {(t.technician_id, t.day): t for t in technicians}
    seen = [p.intervention_id for p in result.placements] + [
        u.intervention_id for u in result.unplaced
    ]
    if sorted(seen) != sorted(by_id):
        problems.append("each visit must be placed or unplaced exactly once")
    days: dict[tuple[str, date], list[tuple[Interval, GeoPoint | None, bool]]] = defaultdict(list)
    for tech in technicians:
        for fixed in tech.fixed:
            days[(tech.technician_id, tech.day)].append((fixed.slot, fixed.location, True))
    for placement in result.placements:
        visit = by_id[placement.intervention_id]
        tech = techs.get((placement.technician_id, placement.day))
        slot = placement.slot
        if tech is None or placement.day != visit.day:
            problems.append(f"{visit.intervention_id}: not on its date or technician not working")
            continue
        if visit.required_skill and visit.required_skill not in tech.skills:
            problems.append(f"{visit.intervention_id}: missing skill")
        if slot.end - slot.start != visit.duration:
            problems.append(f"{visit.intervention_id}: wrong duration")
        if not (visit.window.start <= slot.start and slot.end <= visit.window.end):
            problems.append(f"{visit.intervention_id}: outside its time window")
        if not any(w.start <= slot.start and slot.end <= w.end for w in tech.working):
            problems.append(f"{visit.intervention_id}: outside working hours")
        if any(a.start < slot.end and slot.start < a.end for a in tech.absent):
            problems.append(f"{visit.intervention_id}: during an absence")
        days[(placement.technician_id, placement.day)].append((slot, visit.location, False))
    for (tech_id, day), stops in days.items():
        stops.sort(key=lambda s: s[0].start)
        for (a, a_at, a_fixed), (b, b_at, b_fixed) in itertools.pairwise(stops):
            if a.end > b.start:
                problems.append(f"{tech_id} {day}: overlapping visits")
            elif not (a_fixed and b_fixed) and a_at and b_at:
                drive = travel_minutes(haversine_metres(a_at, b_at), SPEED_KMH)
                if a.end + drive > b.start:
                    problems.append(f"{tech_id} {day}: no time to drive between visits")
    return problems


points = st.builds(
    GeoPoint,
    latitude=st.floats(min_value=43.4, max_value=43.8),
    longitude=st.floats(min_value=3.6, max_value=4.2),
)


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[TechnicianDay], list[VisitRequest]]:
    days = [MONDAY + timedelta(days=i) for i in range(draw(st.integers(1, 2)))]
    technicians: list[TechnicianDay] = []
    for t in range(draw(st.integers(1, 3))):
        skills = frozenset(draw(st.lists(st.sampled_from(SKILLS), max_size=2)))
        home = draw(points)
        for day in days:
            if not draw(st.booleans()) and t > 0:
                continue  # not working that day
            morning = Interval(draw(st.sampled_from([420, 480, 540])), 720)
            afternoon = Interval(
                draw(st.sampled_from([780, 810])), draw(st.sampled_from([960, 1050]))
            )
            absent = ()
            if draw(st.integers(0, 3)) == 0:
                start = draw(st.integers(420, 1000))
                absent = (Interval(start, start + draw(st.integers(30, 300))),)
            fixed = ()
            if draw(st.integers(0, 3)) == 0:
                start = draw(st.integers(480, 900))
                fixed = (FixedStop(f"fixed-{t}-{day}", Interval(start, start + 60), draw(points)),)
            technicians.append(
                TechnicianDay(f"tech-{t}", day, skills, home, (morning, afternoon), absent, fixed)
            )
    visits: list[VisitRequest] = []
    for v in range(draw(st.integers(0, 14))):
        window_start = draw(st.sampled_from([420, 480, 540, 600, 780, 840]))
        window_end = window_start + draw(st.sampled_from([120, 240, 600]))
        visits.append(
            VisitRequest(
                f"visit-{v}",
                draw(st.sampled_from(days)),
                Interval(window_start, window_end),
                draw(st.sampled_from([30, 45, 60, 90])),
                draw(st.sampled_from(["", "", *SKILLS])),
                draw(points),
            )
        )
    return technicians, visits


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_automatic_assignment_never_breaks_a_hard_rule(
    instance: tuple[list[TechnicianDay], list[VisitRequest]],
) -> None:
    technicians, visits = instance
    result = plan(technicians, visits, speed_kmh=SPEED_KMH)
    assert violations(technicians, visits, result) == []


def test_checker_catches_a_broken_plan() -> None:
    """The property above would be empty if the checker could not fail."""
    tech = TechnicianDay("t", MONDAY, frozenset(), GeoPoint(43.6, 3.9), (Interval(480, 720),))
    visit = VisitRequest("v", MONDAY, Interval(480, 720), 60, "spa", GeoPoint(43.6, 3.9))
    broken = Plan()
    from aquaerp_intervention.scheduling import Placement

    broken.placements.append(Placement("v", "t", MONDAY, Interval(700, 760), 1, 0))
    found = violations([tech], [visit], broken)
    assert any("missing skill" in p for p in found)
    assert any("outside its time window" in p for p in found)
    assert any("outside working hours" in p for p in found)


def test_planner_places_everything_on_an_easy_day_with_short_routes() -> None:
    home_west, home_east = GeoPoint(43.6, 3.7), GeoPoint(43.6, 4.1)
    techs = [
        TechnicianDay("west", MONDAY, frozenset({"piscine"}), home_west, (Interval(480, 1020),)),
        TechnicianDay("east", MONDAY, frozenset({"piscine"}), home_east, (Interval(480, 1020),)),
    ]
    visits = [
        VisitRequest(
            f"w{i}", MONDAY, Interval(480, 1020), 45, "piscine", GeoPoint(43.6 + i / 200, 3.7)
        )
        for i in range(4)
    ] + [
        VisitRequest(
            f"e{i}", MONDAY, Interval(480, 1020), 45, "piscine", GeoPoint(43.6 + i / 200, 4.1)
        )
        for i in range(4)
    ]
    result = plan(techs, visits, speed_kmh=SPEED_KMH)
    assert result.unplaced == []
    owner = {p.intervention_id: p.technician_id for p in result.placements}
    assert {owner[f"w{i}"] for i in range(4)} == {"west"}
    assert {owner[f"e{i}"] for i in range(4)} == {"east"}
    loads = sorted(load.visits for load in result.loads)
    assert loads == [4, 4]


def test_unplaced_visits_say_why() -> None:
    tech = TechnicianDay(
        "t", MONDAY, frozenset({"piscine"}), GeoPoint(43.6, 3.9), (Interval(480, 600),)
    )
    visits = [
        VisitRequest("skill", MONDAY, Interval(480, 600), 30, "spa", GeoPoint(43.6, 3.9)),
        VisitRequest(
            "day", MONDAY + timedelta(days=1), Interval(480, 600), 30, "", GeoPoint(43.6, 3.9)
        ),
        VisitRequest("nowhere", MONDAY, Interval(480, 600), 30, "", None),
        VisitRequest("long", MONDAY, Interval(480, 600), 180, "", GeoPoint(43.6, 3.9)),
    ]
    reasons = {
        u.intervention_id: u.reason for u in plan([tech], visits, speed_kmh=SPEED_KMH).unplaced
    }
    assert reasons == {
        "skill": NO_SKILLED_TECHNICIAN,
        "day": "NO_AVAILABLE_TECHNICIAN",
        "nowhere": "NO_LOCATION",
        "long": "NO_SLOT",
    }


def _conflict(**changes: object) -> str | None:
    arguments: dict[str, object] = {
        "active": True,
        "skills": frozenset({"piscine"}),
        "required_skill": "piscine",
        "window": Interval(480, 720),
        "on_planned_date": True,
        "working": [Interval(480, 720), Interval(780, 1020)],
        "absences": [],
        "busy": [],
        "slot": Interval(540, 600),
    }
    arguments.update(changes)
    conflict = assignment_conflict(**arguments)  # type: ignore[arg-type]
    return conflict.reason if conflict else None


def test_manual_conflict_rules() -> None:
    assert _conflict() is None
    assert _conflict(active=False) == TECHNICIAN_INACTIVE
    assert _conflict(skills=frozenset({"spa"})) == MISSING_SKILL
    assert _conflict(slot=Interval(700, 760)) == OUTSIDE_TIME_WINDOW
    assert _conflict(on_planned_date=False) == OUTSIDE_TIME_WINDOW
    assert _conflict(window=Interval(600, 900), slot=Interval(690, 750)) == OUTSIDE_WORKING_HOURS
    assert _conflict(absences=[Interval(590, 640)]) == ABSENCE
    assert _conflict(busy=[BusySlot("other", Interval(570, 630))]) == OVERLAP
    # Back to back is not an overlap.
    assert _conflict(busy=[BusySlot("other", Interval(600, 660))]) is None
