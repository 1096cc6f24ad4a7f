"""Preventive visit generation for a year and automatic assignment of a month.

1. Generation: 5,000 contracts, one site each, one maintenance plan each (monthly in season,
   April-September, every two months out of season; a fifth of the contracts every two months
   all year). The plans are built and expanded in memory with dateutil's RRULE, as contrat
   does, and handed to the product's generation code (`InterventionService.generate_plan` for
   all contracts) through an in-memory ContractDirectory; the visits are written to a real
   PostgreSQL. Regenerating right after shows the idempotent path.
2. Assignment: June 2027 (~4,000 visits, 22 working days) among 20 technicians (a quarter
   also with the "spa" skill; 15 % of visits need it), windows full day / morning / afternoon,
   30-45 minutes on site, working hours 08:00-12:00 and 13:30-17:30 on weekdays. The product's
   planner (`scheduling.plan`) is timed alone and through `InterventionService.auto_assign`
   (database read, planning, 4,000 assignments and events written). The baseline is a random
   valid assignment of the same visits (each visit, by window, to a technician picked at random
   among those who can still take it at the end of their day), measured in the same run with the
   same distance (home -> visits -> home, haversine).

Usage: uv run python bench/planning.py [--contracts 5000] [--technicians 20] [--seed 7]
(AQUAERP_DATABASE_URL picks the PostgreSQL server; otherwise the embedded one.)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from dateutil.rrule import rrulestr

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aquaerp_intervention import scheduling
from aquaerp_intervention.app import SPEC
from aquaerp_intervention.assignment_service import AssignmentService
from aquaerp_intervention.config import InterventionSettings
from aquaerp_intervention.contracts import Address, ContractInfo, PlanOccurrence, SiteInfo
from aquaerp_intervention.geo import GeoPoint
from aquaerp_intervention.repository import InterventionRepository
from aquaerp_intervention.technician_service import (
    TechnicianInput,
    TechnicianService,
    WorkingPeriod,
)
from aquaerp_intervention.visit_service import VisitService
from aquaerp_intervention.visits import technician_days
from aquaerp_runtime.clock import SYSTEM_CLOCK
from aquaerp_runtime.context import Principal, principal_var
from aquaerp_runtime.db import Database
from aquaerp_runtime.migrations import upgrade_async
from common import bench_database

YEAR_START = date(2027, 1, 1)
MONTH = (date(2027, 6, 1), date(2027, 6, 30))
# Montpellier and around, about 40 km x 40 km.
AREA = ((43.45, 43.80), (3.70, 4.20))
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]
WINDOWS = [(480, 1050)] * 3 + [(480, 720), (810, 1050)]


class MemoryPlans:
    """Plans expanded in memory, served as contrat would serve them."""

    def __init__(self, occurrences: list[PlanOccurrence], sites: dict[str, SiteInfo]) -> None:
        self._occurrences = occurrences
        self._sites = sites

    async def contract(self, contract_id: str) -> ContractInfo:
        raise LookupError("not used by this benchmark")

    async def site(self, site_id: str) -> SiteInfo:
        return self._sites[site_id]

    async def occurrences(self, contract_id: str, first: date, last: date) -> list[PlanOccurrence]:
        return [
            o
            for o in self._occurrences
            if first <= o.day <= last and (not contract_id or o.contract_id == contract_id)
        ]

    async def next_occurrence(self, plan_id: str, completed_on: date) -> PlanOccurrence | None:
        return None


def random_point(rng: random.Random) -> GeoPoint:
    return GeoPoint(rng.uniform(*AREA[0]), rng.uniform(*AREA[1]))


def build_plans(
    contracts: int, rng: random.Random
) -> tuple[list[PlanOccurrence], dict[str, SiteInfo]]:
    """Sites and the year's occurrences of each contract's plan (default rule + one season)."""
    occurrences: list[PlanOccurrence] = []
    sites: dict[str, SiteInfo] = {}
    start = datetime.combine(YEAR_START, datetime.min.time())
    end = datetime.combine(date(2027, 12, 31), datetime.min.time())
    for _ in range(contracts):
        contract_id, site_id, plan_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        customer_id = str(uuid.uuid4())
        sites[site_id] = SiteInfo(
            site_id,
            customer_id,
            "Piscine",
            Address(("1 rue de la Mer",), "34000", "Montpellier"),
            random_point(rng),
        )
        nth, weekday = rng.randint(1, 4), rng.choice(WEEKDAYS)
        in_season = f"FREQ=MONTHLY;BYDAY=+{nth}{weekday}"
        off_season = f"FREQ=MONTHLY;INTERVAL=2;BYDAY=+{nth}{weekday}"
        if rng.random() < 0.2:
            in_season = off_season  # every two months all year (never in June: odd months)
        window = rng.choice(WINDOWS)
        duration = rng.choice([30, 40, 45])
        skill = "spa" if rng.random() < 0.15 else "piscine"
        days = [
            moment.date()
            for moment in rrulestr(off_season, dtstart=start).between(start, end, inc=True)
            if not 4 <= moment.month <= 9
        ] + [
            moment.date()
            for moment in rrulestr(in_season, dtstart=start).between(start, end, inc=True)
            if 4 <= moment.month <= 9
        ]
        for day in sorted(days):
            occurrences.append(
                PlanOccurrence(
                    contract_id,
                    customer_id,
                    site_id,
                    plan_id,
                    day,
                    window[0],
                    window[1],
                    duration,
                    skill,
                    "Entretien piscine",
                    "",
                    False,
                )
            )
    return occurrences, sites


def random_valid_assignment(
    days: list[scheduling.TechnicianDay],
    visits: list[scheduling.VisitRequest],
    rng: random.Random,
    speed_kmh: float,
) -> tuple[float, int, list[int]]:
    """Total metres, visits placed, and visits per technician-day of a random valid plan."""
    techs_by_day: dict[date, list[scheduling.TechnicianDay]] = defaultdict(list)
    for tech in days:
        techs_by_day[tech.day].append(tech)
    visits_by_day: dict[date, list[scheduling.VisitRequest]] = defaultdict(list)
    for visit in visits:
        visits_by_day[visit.day].append(visit)
    metres, placed, loads = 0.0, 0, []
    for day, day_visits in visits_by_day.items():
        routes = [scheduling.Route(t, speed_kmh) for t in techs_by_day.get(day, [])]
        rng.shuffle(day_visits)
        day_visits.sort(key=lambda v: v.window.start)  # stable: random among equal windows
        for visit in day_visits:
            stop = scheduling.Stop(
                visit.intervention_id,
                scheduling.Place(visit.location),
                visit.duration,
                visit.window,
                None,
                visit,
            )  # type: ignore[arg-type]
            candidates = [
                r
                for r in routes
                if (not visit.required_skill or visit.required_skill in r.tech.skills)
                and r.schedule([*r.stops, stop]) is not None
            ]
            if candidates:
                rng.choice(candidates).stops.append(stop)
                placed += 1
        metres += sum(r.metres() for r in routes)
        loads += [len(r.stops) for r in routes if r.tech.working]
    return metres, placed, loads


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=5000)
    parser.add_argument("--technicians", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    rng = random.Random(options.seed)

    url = await bench_database("bench_planning")
    assert SPEC.migrations is not None
    await upgrade_async(SPEC.migrations, url, SPEC.schema)
    database = Database.from_url(url, pool_size=4)
    settings = InterventionSettings(database_url=url)
    principal_var.set(Principal(subject="bench", roles=frozenset({"service"})))

    started = time.perf_counter()
    occurrences, sites = build_plans(options.contracts, rng)
    expand_seconds = time.perf_counter() - started
    visits_service = VisitService(database, settings, MemoryPlans(occurrences, sites), SYSTEM_CLOCK)
    technicians = TechnicianService(database, settings, SYSTEM_CLOCK)
    assignment = AssignmentService(database, settings, SYSTEM_CLOCK)

    started = time.perf_counter()
    generated = await visits_service.generate_plan("", 12, YEAR_START)
    generate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = await visits_service.generate_plan("", 12, YEAR_START)
    regenerate_seconds = time.perf_counter() - started

    for i in range(options.technicians):
        await technicians.create_technician(
            TechnicianInput(
                user_id=str(uuid.uuid4()),
                display_name=f"Technicien {i + 1:02d}",
                skills=["piscine", "spa"] if i % 4 == 0 else ["piscine"],
                working_hours=[WorkingPeriod(w, 480, 720) for w in range(1, 6)]
                + [WorkingPeriod(w, 810, 1050) for w in range(1, 6)],
                home=random_point(rng),
            )
        )

    # The planner alone, on the inputs AutoAssign builds from the database.
    first, last = MONTH
    async with database.unit_of_work() as session:
        repo = InterventionRepository(session)
        techs = await repo.technicians()
        rows = await repo.unassigned_between(first, last)
    days = technician_days(techs, first, last, [], [])
    visits = [
        scheduling.VisitRequest(
            str(r.id),
            r.planned_date,  # type: ignore[arg-type]
            scheduling.Interval(r.window_start_minute, r.window_end_minute),
            r.estimated_minutes,
            r.required_skill,
            GeoPoint(r.site_latitude, r.site_longitude),  # type: ignore[arg-type]
        )
        for r in rows
    ]
    started = time.perf_counter()
    plan = scheduling.plan(days, visits, speed_kmh=settings.travel_speed_kmh)
    plan_seconds = time.perf_counter() - started
    started = time.perf_counter()
    baseline_metres, baseline_placed, baseline_loads = random_valid_assignment(
        days, list(visits), random.Random(options.seed + 1), settings.travel_speed_kmh
    )
    baseline_seconds = time.perf_counter() - started

    started = time.perf_counter()
    applied = await assignment.auto_assign(first, last, False, [])
    assign_seconds = time.perf_counter() - started
    await database.dispose()

    ours_metres = plan.total_travel_metres
    ours_placed = len(plan.placements)
    ours_loads = [load.visits for load in plan.loads]
    ours_per_visit = ours_metres / ours_placed
    random_per_visit = baseline_metres / baseline_placed
    lines = [
        f"contracts: {options.contracts}, technicians: {options.technicians}",
        f"plan expansion in memory (contrat's part): {len(occurrences)} occurrences "
        f"in {expand_seconds:.2f} s",
        f"generation: {generated.created} visits in {generate_seconds:.2f} s "
        f"({generated.created / generate_seconds:,.0f} visits/s)",
        f"regeneration: {again.created} created, {again.existing} existing "
        f"in {regenerate_seconds:.2f} s",
        f"June: {len(visits)} visits to assign over {len({d.day for d in days})} working days",
        f"planner alone: {plan_seconds:.2f} s ({len(visits) / plan_seconds:,.0f} visits/s)",
        f"AutoAssign end to end (read, plan, write {len(applied.plan.placements)} assignments "
        f"and events): {assign_seconds:.2f} s",
        f"placed: ours {ours_placed}, random valid {baseline_placed} "
        f"(baseline computed in {baseline_seconds:.2f} s)",
        f"travel: ours {ours_metres / 1000:,.0f} km, random valid {baseline_metres / 1000:,.0f} km",
        f"travel per visit: ours {ours_per_visit / 1000:.2f} km, random "
        f"{random_per_visit / 1000:.2f} km "
        f"({(1 - ours_per_visit / random_per_visit) * 100:.0f} % less)",
        f"visits per technician-day: ours mean {statistics.mean(ours_loads):.1f} "
        f"sd {statistics.pstdev(ours_loads):.1f} (min {min(ours_loads)}, max {max(ours_loads)}); "
        f"random mean {statistics.mean(baseline_loads):.1f} "
        f"sd {statistics.pstdev(baseline_loads):.1f}",
        f"total: {expand_seconds + generate_seconds + assign_seconds:.2f} s "
        "for expansion, generation and assignment",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
