"""Intervention domain logic: technicians, visit generation, assignment, schedules, reports.
No gRPC here; contrat is reached through the ContractDirectory interface."""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import itertools
import logging
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA, TECHNICIEN, require_roles
from aquaerp_runtime.context import Principal
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import (
    AlreadyExists,
    Conflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)

from . import scheduling
from .calendar_feed import CalendarEntry, build_calendar, new_feed_token, token_hash
from .config import InterventionSettings
from .contracts import Address, ContractDirectory, PlanOccurrence, SiteInfo
from .geo import GeoPoint, haversine_metres, travel_minutes
from .local_time import (
    MINUTES_PER_DAY,
    clip_to_day,
    local_datetime,
    local_day,
    minute_of_day,
)
from .measurements import RULES, MeasurementWarning, check_measurements
from .metrics import VISITS_OVERDUE
from .report_content import (
    Completion,
    ReportInput,
    check_actions,
    check_completion,
    check_notes,
    check_parts,
    check_time_spent,
    completed_payload,
    measurements_of,
    report_document,
    signature_values,
)
from .report_pdf import ReportRenderer
from .repository import (
    PENDING,
    InterventionFilter,
    InterventionRepository,
    InterventionRow,
    ReportRow,
    TechnicianRow,
)
from .visits import (
    CANCELLED,
    COMPLETED,
    CORRECTIVE,
    IN_PROGRESS,
    OVERDUE,
    PREVENTIVE,
    SCHEDULED,
    day_bounds,
    days_between,
    home_point,
    site_point,
    site_values,
    technician_days,
    visit_payload,
    visit_rows,
    with_assignment,
    working_intervals,
)

log = logging.getLogger(__name__)

PRIORITIES = ("low", "normal", "high", "urgent")

OFFICE = (ADMIN, BUREAU)
SKILL = re.compile(r"^[a-zà-ÿ0-9][a-zà-ÿ0-9_-]{0,49}$")
MAX_PLANNING_DAYS = 62
MAX_SCHEDULE_DAYS = 31
DEFAULT_WINDOW = (8 * 60, 18 * 60)
# Clocks of phones drift: a start or completion may be this far in the future.
CLOCK_TOLERANCE = timedelta(minutes=5)
MAX_PAGE_SIZE = 500


# -- inputs and views ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingPeriod:
    weekday: int
    start: int
    end: int


@dataclass(frozen=True)
class TechnicianInput:
    user_id: str
    display_name: str
    skills: list[str]
    working_hours: list[WorkingPeriod]
    home: GeoPoint | None


@dataclass(frozen=True)
class TechnicianChanges:
    display_name: str | None = None
    skills: list[str] | None = None
    working_hours: list[WorkingPeriod] | None = None
    home: GeoPoint | None = None
    active: bool | None = None


@dataclass(frozen=True)
class CorrectiveInput:
    contract_id: str
    site_id: str
    priority: str
    problem_description: str
    billable: bool
    reported_at: datetime | None
    planned_date: date | None
    window_start: int | None
    window_end: int | None
    estimated_minutes: int
    required_skill: str


@dataclass(frozen=True)
class InterventionView:
    row: InterventionRow
    report: ReportRow | None
    warnings: list[MeasurementWarning]
    pdf_available: bool
    sla_breached: bool


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_page_token: str


@dataclass(frozen=True)
class GenerationResult:
    created: int
    existing: int
    first: date
    last: date


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


@dataclass(frozen=True)
class ReportPdf:
    filename: str
    pdf: bytes
    sha256: str


@dataclass
class _Events:
    """Events to record in the unit of work that makes the change."""

    items: list[tuple[str, str, uuid.UUID, dict[str, Any]]] = field(default_factory=list)

    def add(
        self, event_type: str, aggregate_type: str, aggregate_id: uuid.UUID, payload: dict[str, Any]
    ) -> None:
        self.items.append((event_type, aggregate_type, aggregate_id, payload))


# -- helpers -------------------------------------------------------------------------------------


def parse_id(value: str, field_name: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise InvalidArgument(
            f"{field_name} must be a UUID", fields={field_name: "must be a UUID"}
        ) from None


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _is_office(principal: Principal) -> bool:
    return bool(principal.is_service or principal.has_any(*OFFICE))


def _own_technician_id(principal: Principal, row: InterventionRow) -> bool:
    return row.technician_user_id is not None and str(row.technician_user_id) == principal.subject


def _can_see(principal: Principal, row: InterventionRow) -> bool:
    if _is_office(principal) or principal.has_any(COMPTA):
        return True
    if principal.has_any(TECHNICIEN) and _own_technician_id(principal, row):
        return True
    return bool(
        principal.has_any(CLIENT)
        and principal.customer_id
        and principal.customer_id == row.customer_id
    )


def _can_report(principal: Principal, row: InterventionRow) -> bool:
    return _is_office(principal) or (
        principal.has_any(TECHNICIEN) and _own_technician_id(principal, row)
    )


def _window(start: int | None, end: int | None, default: tuple[int, int]) -> scheduling.Interval:
    lo = default[0] if start is None else start
    hi = default[1] if end is None else end
    if not (0 <= lo < hi <= MINUTES_PER_DAY):
        raise InvalidArgument(
            "the time window must start before it ends, within the day",
            fields={"window_end": "must be after window_start, at most 24:00"},
        )
    return scheduling.Interval(lo, hi)


def _check_working_hours(periods: Sequence[WorkingPeriod]) -> list[dict[str, int]]:
    if not periods:
        raise InvalidArgument(
            "at least one working period is required", fields={"working_hours": "required"}
        )
    by_day: dict[int, list[WorkingPeriod]] = defaultdict(list)
    for i, period in enumerate(periods):
        if not 1 <= period.weekday <= 7:
            raise InvalidArgument(
                "weekday must be 1 (Monday) to 7 (Sunday)",
                fields={f"working_hours.{i}.weekday": "1..7"},
            )
        if not 0 <= period.start < period.end <= MINUTES_PER_DAY:
            raise InvalidArgument(
                "a working period must start before it ends, within the day",
                fields={f"working_hours.{i}.end": "must be after start"},
            )
        by_day[period.weekday].append(period)
    for weekday, day_periods in by_day.items():
        ordered = sorted(day_periods, key=lambda p: p.start)
        for a, b in itertools.pairwise(ordered):
            if b.start < a.end:
                raise InvalidArgument(
                    "working periods of a day must not overlap",
                    fields={"working_hours": f"overlapping periods on weekday {weekday}"},
                )
    return [
        {"weekday": p.weekday, "start": p.start, "end": p.end}
        for p in sorted(periods, key=lambda p: (p.weekday, p.start))
    ]


def _check_skills(skills: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    for i, skill in enumerate(skills):
        value = skill.strip().lower()
        if not SKILL.match(value):
            raise InvalidArgument(
                "skills are short lower-case words",
                fields={f"skills.{i}": "letters, digits, - and _"},
            )
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _check_home(home: GeoPoint | None) -> GeoPoint:
    if home is None or not home.is_valid():
        raise InvalidArgument(
            "a valid home base is required",
            fields={"home_base": "latitude -90..90, longitude -180..180"},
        )
    return home


class InterventionService:
    def __init__(
        self,
        database: Database,
        settings: InterventionSettings,
        contracts: ContractDirectory,
        renderer: ReportRenderer,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.database = database
        self.settings = settings
        self.contracts = contracts
        self.renderer = renderer
        self.clock = clock

    def today(self) -> date:
        return local_day(self.clock())

    # -- technicians --------------------------------------------------------------------------
    async def create_technician(self, data: TechnicianInput) -> TechnicianRow:
        require_roles(*OFFICE)
        user_id = parse_id(data.user_id, "user_id")
        name = data.display_name.strip()
        if not name or len(name) > 200:
            raise InvalidArgument(
                "a name is required", fields={"display_name": "1 to 200 characters"}
            )
        home = _check_home(data.home)
        values = {
            "user_id": user_id,
            "display_name": name,
            "skills": _check_skills(data.skills),
            "working_hours": _check_working_hours(data.working_hours),
            "home_latitude": home.latitude,
            "home_longitude": home.longitude,
        }
        async with self.database.unit_of_work() as session:
            row = await InterventionRepository(session).insert_technician(values)
        if row is None:
            raise AlreadyExists(
                "this user already has a technician profile",
                fields={"user_id": "already a technician"},
            )
        return row

    async def _resolve_technician(
        self, repo: InterventionRepository, technician_id: str, *, for_update: bool = False
    ) -> TechnicianRow:
        """The technician named, or the caller's own when empty; technicians reach only theirs."""
        principal = require_roles(*OFFICE, TECHNICIEN)
        if not technician_id:
            if principal.is_service:
                raise InvalidArgument(
                    "technician_id is required", fields={"technician_id": "required"}
                )
            own = await repo.technician_by_user(parse_id(principal.subject, "subject"))
            if own is None:
                raise NotFound("no technician profile is linked to your account")
            return own if not for_update else await self._technician(repo, own.id, for_update=True)
        tech = await self._technician(
            repo, parse_id(technician_id, "technician_id"), for_update=for_update
        )
        if not _is_office(principal) and str(tech.user_id) != principal.subject:
            raise PermissionDenied("technicians can only see their own schedule")
        return tech

    async def _technician(
        self, repo: InterventionRepository, technician_id: uuid.UUID, *, for_update: bool = False
    ) -> TechnicianRow:
        tech = await repo.technician(technician_id, for_update=for_update)
        if tech is None:
            raise NotFound("technician not found", fields={"technician_id": "not found"})
        return tech

    async def get_technician(self, technician_id: str) -> TechnicianRow:
        async with self.database.unit_of_work() as session:
            return await self._resolve_technician(InterventionRepository(session), technician_id)

    async def list_technicians(
        self, skill: str, include_inactive: bool, page_size: int, page_token: str
    ) -> Page:
        require_roles(*OFFICE)
        size = min(MAX_PAGE_SIZE, page_size or 50)
        after = None
        if page_token:
            name, _, last_id = page_token.rpartition("|")
            after = (name, parse_id(last_id, "page_token"))
        async with self.database.unit_of_work() as session:
            rows = await InterventionRepository(session).technicians(
                skill=skill.strip().lower() or None,
                include_inactive=include_inactive,
                after=after,
                limit=size + 1,
            )
        token = f"{rows[size - 1].display_name}|{rows[size - 1].id}" if len(rows) > size else ""
        return Page(rows[:size], token)

    async def update_technician(
        self, technician_id: str, changes: TechnicianChanges
    ) -> TechnicianRow:
        require_roles(*OFFICE)
        tech_id = parse_id(technician_id)
        values: dict[str, Any] = {}
        if changes.display_name is not None:
            name = changes.display_name.strip()
            if not name or len(name) > 200:
                raise InvalidArgument(
                    "a name is required", fields={"display_name": "1 to 200 characters"}
                )
            values["display_name"] = name
        if changes.skills is not None:
            values["skills"] = _check_skills(changes.skills)
        if changes.working_hours is not None:
            values["working_hours"] = _check_working_hours(changes.working_hours)
        if changes.home is not None:
            home = _check_home(changes.home)
            values["home_latitude"], values["home_longitude"] = home.latitude, home.longitude
        if changes.active is not None:
            values["active"] = changes.active
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            if not values:
                return await self._technician(repo, tech_id)
            row = await repo.update_technician(tech_id, values)
        if row is None:
            raise NotFound("technician not found")
        return row

    async def add_absence(
        self, technician_id: str, start: datetime | None, end: datetime | None, reason: str
    ) -> Any:
        require_roles(*OFFICE)
        if start is None or end is None or end <= start:
            raise InvalidArgument(
                "an absence needs a start and a later end",
                fields={"end_time": "must be after start_time"},
            )
        if end - start > timedelta(days=366):
            raise InvalidArgument(
                "an absence lasts at most a year", fields={"end_time": "at most 366 days"}
            )
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            tech = await self._technician(repo, parse_id(technician_id, "technician_id"))
            return await repo.insert_absence(
                {
                    "technician_id": tech.id,
                    "starts_at": start,
                    "ends_at": end,
                    "reason": reason.strip()[:500],
                }
            )

    async def remove_absence(self, technician_id: str, absence_id: str) -> None:
        require_roles(*OFFICE)
        async with self.database.unit_of_work() as session:
            removed = await InterventionRepository(session).delete_absence(
                parse_id(technician_id, "technician_id"), parse_id(absence_id, "absence_id")
            )
        if not removed:
            raise NotFound("absence not found")

    async def list_absences(
        self, technician_id: str, first: date | None, last: date | None
    ) -> list[Any]:
        first = first or self.today()
        last = last or add_months(first, 12)
        if last < first:
            raise InvalidArgument(
                "to_date is before from_date", fields={"to_date": "before from_date"}
            )
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            tech = await self._resolve_technician(repo, technician_id)
            start, end = day_bounds(first, last)
            return await repo.absences([tech.id], start, end)

    # -- calendar feed ------------------------------------------------------------------------
    async def rotate_calendar_token(self, technician_id: str) -> str:
        token = new_feed_token()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            tech = await self._resolve_technician(repo, technician_id)
            await repo.update_technician(tech.id, {"calendar_token_hash": token_hash(token)})
        return token

    async def revoke_calendar_token(self, technician_id: str) -> None:
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            tech = await self._resolve_technician(repo, technician_id)
            await repo.update_technician(tech.id, {"calendar_token_hash": None})

    async def calendar_feed(self, token: str) -> str:
        """Public: the token is the credential. Unknown and revoked tokens look the same."""
        if not token or len(token) > 200:
            raise NotFound("calendar not found")
        now = self.clock()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            tech = await repo.technician_by_token_hash(token_hash(token))
            if tech is None:
                raise NotFound("calendar not found")
            rows = await repo.assigned_between(
                [tech.id],
                now - timedelta(days=self.settings.calendar_past_days),
                now + timedelta(days=self.settings.calendar_future_days),
                include_cancelled=True,
            )
        entries = [self._calendar_entry(row) for row in rows]
        return build_calendar(tech.display_name, entries, now)

    @staticmethod
    def _calendar_entry(row: InterventionRow) -> CalendarEntry:
        address = Address.from_dict(row.site_address)
        lines = [row.label or ("Dépannage" if row.kind == CORRECTIVE else "Entretien")]
        if row.problem_description:
            lines.append(f"Problème signalé : {row.problem_description}")
        if row.access_notes:
            lines.append(f"Accès : {row.access_notes}")
        if row.gate_code:
            # Never the code itself: a calendar URL travels further than the app.
            lines.append("Code d'accès : voir l'application")
        assert row.scheduled_start is not None and row.scheduled_end is not None
        return CalendarEntry(
            intervention_id=str(row.id),
            start=row.scheduled_start,
            end=row.scheduled_end,
            summary=f"{row.label or 'Intervention'} — {row.site_name or address.city}",
            location=address.one_line(),
            geo=site_point(row),
            description="\n".join(lines),
            cancelled=row.status == CANCELLED,
            version=row.version,
            updated_at=row.updated_at,
        )

    # -- visit generation ---------------------------------------------------------------------
    async def generate_plan(
        self, contract_id: str, horizon_months: int, first: date | None
    ) -> GenerationResult:
        require_roles(*OFFICE)
        if contract_id:
            parse_id(contract_id, "contract_id")
        months = horizon_months or self.settings.plan_horizon_months
        if not 1 <= months <= 36:
            raise InvalidArgument(
                "the horizon is 1 to 36 months", fields={"horizon_months": "1..36"}
            )
        first = first or self.today()
        last = add_months(first, months) - timedelta(days=1)
        occurrences = await self.contracts.occurrences(contract_id, first, last)
        async with self.database.unit_of_work() as session:
            existing = await InterventionRepository(session).occurrence_keys(
                contract_id, first, last
            )
        # Only new occurrences need their site's snapshot (one contrat call per site).
        new = [o for o in occurrences if (o.site_id, o.plan_id, o.day) not in existing]
        sites = await self._sites({o.site_id for o in new})
        rows = visit_rows(new, sites)
        events = _Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            # Unique per site, plan and day: a concurrent generation's rows are skipped here.
            created = await repo.insert_visits(rows)
            if contract_id:
                await self._cancel_dropped_occurrences(
                    repo, contract_id, first, last, occurrences, events
                )
            await repo.add_events(events.items)
        wanted = len({(o.site_id, o.plan_id, o.day) for o in occurrences})
        return GenerationResult(created, wanted - created, first, last)

    async def _sites(self, site_ids: set[str]) -> dict[str, SiteInfo]:
        limit = asyncio.Semaphore(16)

        async def fetch(site_id: str) -> SiteInfo:
            async with limit:
                return await self.contracts.site(site_id)

        found = await asyncio.gather(*(fetch(s) for s in sorted(site_ids)))
        return {site.site_id: site for site in found}

    async def _cancel_dropped_occurrences(
        self,
        repo: InterventionRepository,
        contract_id: str,
        first: date,
        last: date,
        occurrences: Sequence[PlanOccurrence],
        events: _Events,
    ) -> None:
        """Visits whose occurrence the plans no longer call for (plan changed) are cancelled."""
        wanted = {(o.site_id, o.plan_id, o.day) for o in occurrences}
        now = self.clock()
        for row in await repo.generated_visits(contract_id, first, last):
            key = (row.site_id, row.plan_id, row.occurrence_date)
            if row.status in PENDING and key not in wanted:
                await self._cancel(repo, row, "le plan d'entretien a changé", now, events)

    async def _cancel(
        self,
        repo: InterventionRepository,
        row: InterventionRow,
        reason: str,
        now: datetime,
        events: _Events,
    ) -> None:
        await repo.update_intervention(
            row.id, {"status": CANCELLED, "cancelled_at": now, "cancel_reason": reason}
        )
        if row.scheduled_start is not None:
            events.add(
                "intervention.visit.cancelled",
                "intervention",
                row.id,
                visit_payload(row, reason=reason),
            )

    async def cancel_future_visits(self, contract_id: str, first: date | None, reason: str) -> int:
        require_roles(*OFFICE)
        parse_id(contract_id, "contract_id")
        first = first or self.today()
        reason = reason.strip()[:500] or "contrat résilié"
        now = self.clock()
        events = _Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            rows = [
                r
                for r in await repo.pending_of_contract(contract_id, first, for_update=True)
                if r.kind == PREVENTIVE
            ]
            for row in rows:
                await self._cancel(repo, row, reason, now, events)
            await repo.add_events(events.items)
        return len(rows)

    async def mark_overdue(self, as_of: date | None) -> int:
        require_roles(*OFFICE)
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            marked = await repo.mark_overdue(as_of or self.today())
            VISITS_OVERDUE.set(await repo.count_overdue())
        return marked

    # -- corrective interventions --------------------------------------------------------------
    async def create_corrective(self, data: CorrectiveInput) -> InterventionView:
        require_roles(*OFFICE)
        parse_id(data.contract_id, "contract_id")
        parse_id(data.site_id, "site_id")
        if data.priority not in PRIORITIES:
            raise InvalidArgument(
                "a priority is required", fields={"priority": "low, normal, high or urgent"}
            )
        problem = data.problem_description.strip()
        if not problem or len(problem) > 4000:
            raise InvalidArgument(
                "describe the problem", fields={"problem_description": "1 to 4000 characters"}
            )
        minutes = data.estimated_minutes or 60
        if not 5 <= minutes <= 720:
            raise InvalidArgument(
                "estimated time is 5 to 720 minutes", fields={"estimated_minutes": "5..720"}
            )
        window = _window(data.window_start, data.window_end, DEFAULT_WINDOW)
        skill = _check_skills([data.required_skill])[0] if data.required_skill.strip() else ""
        now = self.clock()
        reported_at = data.reported_at or now
        if reported_at > now + CLOCK_TOLERANCE:
            raise InvalidArgument(
                "the call cannot be in the future", fields={"reported_at": "in the future"}
            )
        contract = await self.contracts.contract(data.contract_id)
        if not contract.active:
            raise FailedPrecondition(
                "the contract is not active", fields={"contract_id": "not active"}
            )
        if data.site_id not in contract.site_ids:
            raise InvalidArgument(
                "the site is not covered by this contract",
                fields={"site_id": "not in the contract"},
            )
        site = await self.contracts.site(data.site_id)
        values = {
            **site_values(site),
            "kind": CORRECTIVE,
            "status": SCHEDULED,
            "contract_id": contract.contract_id,
            "customer_id": contract.customer_id,
            "planned_date": data.planned_date,
            "window_start_minute": window.start,
            "window_end_minute": window.end,
            "estimated_minutes": minutes,
            "required_skill": skill,
            "label": "Dépannage",
            "priority": data.priority,
            "problem_description": problem,
            "reported_at": reported_at,
            "sla_deadline": reported_at + timedelta(hours=contract.sla_hours)
            if contract.sla_hours
            else None,
            "billable": data.billable,
        }
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            new_id = await repo.insert_intervention(values)
            row = await repo.intervention(new_id)
            assert row is not None
            return await self._view(repo, row)

    # -- reading -------------------------------------------------------------------------------
    async def _view(self, repo: InterventionRepository, row: InterventionRow) -> InterventionView:
        report = await repo.report(row.id)
        documents = await repo.has_report_documents([row.id])
        return self._make_view(row, report, row.id in documents)

    def _make_view(
        self, row: InterventionRow, report: ReportRow | None, pdf_available: bool
    ) -> InterventionView:
        warnings = check_measurements(measurements_of(report)) if report else []
        breached = False
        if row.sla_deadline is not None and row.status != CANCELLED:
            breached = (row.started_at or self.clock()) > row.sla_deadline
        return InterventionView(row, report, warnings, pdf_available, breached)

    async def _views(
        self, repo: InterventionRepository, rows: Sequence[InterventionRow]
    ) -> list[InterventionView]:
        ids = [r.id for r in rows]
        reports = await repo.reports(ids)
        documents = await repo.has_report_documents(ids)
        return [self._make_view(r, reports.get(r.id), r.id in documents) for r in rows]

    async def _visible(
        self, repo: InterventionRepository, intervention_id: str, *, for_update: bool = False
    ) -> InterventionRow:
        principal = require_roles(*OFFICE, COMPTA, TECHNICIEN, CLIENT)
        row = await repo.intervention(parse_id(intervention_id), for_update=for_update)
        # Someone else's intervention looks like no intervention at all.
        if row is None or not _can_see(principal, row):
            raise NotFound("intervention not found")
        return row

    async def get_intervention(self, intervention_id: str) -> InterventionView:
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            return await self._view(repo, await self._visible(repo, intervention_id))

    async def list_interventions(
        self, where: InterventionFilter, page_size: int, page_token: str
    ) -> Page:
        principal = require_roles(*OFFICE, COMPTA, TECHNICIEN, CLIENT)
        size = min(MAX_PAGE_SIZE, page_size or 50)
        try:
            offset = int(page_token or 0)
        except ValueError:
            raise InvalidArgument("invalid page token", fields={"page_token": "invalid"}) from None
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            if not (_is_office(principal) or principal.has_any(COMPTA)):
                if principal.has_any(TECHNICIEN):
                    own = await repo.technician_by_user(parse_id(principal.subject, "subject"))
                    if own is None:
                        return Page([], "")
                    where = _replace(where, technician_id=own.id)
                else:
                    if not principal.customer_id:
                        return Page([], "")
                    where = _replace(where, customer_id=principal.customer_id)
            rows = await repo.list_interventions(where, limit=size + 1, offset=max(0, offset))
            views = await self._views(repo, rows[:size])
        return Page(views, str(offset + size) if len(rows) > size else "")

    # -- editing and assignment ----------------------------------------------------------------
    async def _locked_for_planning(
        self,
        repo: InterventionRepository,
        intervention_id: uuid.UUID,
        technician_id: uuid.UUID | None,
    ) -> tuple[InterventionRow, TechnicianRow | None]:
        """Locks the technician, then the intervention: the same order everywhere."""
        tech = (
            await self._technician(repo, technician_id, for_update=True) if technician_id else None
        )
        row = await repo.intervention(intervention_id, for_update=True)
        if row is None:
            raise NotFound("intervention not found")
        return row, tech

    @staticmethod
    def _check_version(row: InterventionRow, expected_version: int) -> None:
        if expected_version and expected_version != row.version:
            raise Conflict(
                "the intervention was changed by someone else; reload it",
                fields={"expected_version": f"current version is {row.version}"},
            )

    @staticmethod
    def _check_pending(row: InterventionRow) -> None:
        if row.status not in PENDING:
            raise FailedPrecondition(
                f"the intervention is {row.status.replace('_', ' ')}", fields={"status": row.status}
            )

    async def _conflict(
        self,
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

    @staticmethod
    def _refuse(conflict: scheduling.Conflict) -> DomainError:
        return FailedPrecondition(
            f"{conflict.reason}: {conflict.message}",
            fields={"reason": conflict.reason, conflict.field: conflict.message},
        )

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
        events = _Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row, tech = await self._locked_for_planning(repo, visit_id, tech_id)
            assert tech is not None
            self._check_version(row, expected_version)
            self._check_pending(row)
            window = scheduling.Interval(row.window_start_minute, row.window_end_minute)
            conflict = await self._conflict(repo, tech, row, start, row.planned_date, window)
            if conflict is not None:
                raise self._refuse(conflict)
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
            self._appointment_events(row, updated, events)
            await repo.add_events(events.items)
            return await self._view(repo, updated)

    @staticmethod
    def _appointment_events(
        before: InterventionRow, after: InterventionRow, events: _Events
    ) -> None:
        """`scheduled` when a visit gets an appointment, `rescheduled` when it moves."""
        if after.scheduled_start is not None and before.scheduled_start is None:
            events.add(
                "intervention.visit.scheduled", "intervention", after.id, visit_payload(after)
            )
        elif before.scheduled_start is not None and (
            after.scheduled_start != before.scheduled_start
            or after.planned_date != before.planned_date
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

    async def unassign(self, intervention_id: str) -> InterventionView:
        require_roles(*OFFICE)
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await repo.intervention(parse_id(intervention_id), for_update=True)
            if row is None:
                raise NotFound("intervention not found")
            self._check_pending(row)
            await repo.update_intervention(
                row.id, {"technician_id": None, "scheduled_start": None, "scheduled_end": None}
            )
            updated = await repo.intervention(row.id)
            assert updated is not None
            return await self._view(repo, updated)

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
        events = _Events()
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
            row, tech = await self._locked_for_planning(
                repo, visit_id, current.technician_id if keep_technician else None
            )
            if row.technician_id != current.technician_id:
                raise Conflict("the intervention was reassigned meanwhile; try again")
            self._check_version(row, expected_version)
            self._check_pending(row)
            window = _window(
                row.window_start_minute if window_start is None else window_start,
                row.window_end_minute if window_end is None else window_end,
                DEFAULT_WINDOW,
            )
            values: dict[str, Any] = {
                "planned_date": planned_date,
                "window_start_minute": window.start,
                "window_end_minute": window.end,
                "status": OVERDUE if planned_date < self.today() else SCHEDULED,
            }
            if keep_technician:
                assert tech is not None and start is not None
                conflict = await self._conflict(repo, tech, row, start, planned_date, window)
                if conflict is not None:
                    raise self._refuse(conflict)
                values |= {
                    "scheduled_start": start,
                    "scheduled_end": start + timedelta(minutes=row.estimated_minutes),
                }
            else:
                values |= {"technician_id": None, "scheduled_start": None, "scheduled_end": None}
            await repo.update_intervention(row.id, values)
            updated = await repo.intervention(row.id)
            assert updated is not None
            self._appointment_events(row, updated, events)
            await repo.add_events(events.items)
            return await self._view(repo, updated)

    async def cancel(self, intervention_id: str, reason: str) -> InterventionView:
        require_roles(*OFFICE)
        reason = reason.strip()
        if not reason or len(reason) > 500:
            raise InvalidArgument("give a reason", fields={"reason": "1 to 500 characters"})
        events = _Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await repo.intervention(parse_id(intervention_id), for_update=True)
            if row is None:
                raise NotFound("intervention not found")
            self._check_pending(row)
            await self._cancel(repo, row, reason, self.clock(), events)
            await repo.add_events(events.items)
            updated = await repo.intervention(row.id)
            assert updated is not None
            return await self._view(repo, updated)

    # -- automatic assignment ------------------------------------------------------------------
    @staticmethod
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

    async def auto_assign(
        self, first: date | None, last: date | None, dry_run: bool, technician_ids: Sequence[str]
    ) -> AutoAssignResult:
        require_roles(*OFFICE)
        first, last = self._check_period(first, last, MAX_PLANNING_DAYS)
        ids = [parse_id(t, "technician_ids") for t in technician_ids] or None
        events = _Events()
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
            requests = [
                scheduling.VisitRequest(
                    str(v.id),
                    v.planned_date,  # type: ignore[arg-type]
                    scheduling.Interval(v.window_start_minute, v.window_end_minute),
                    v.estimated_minutes,
                    v.required_skill,
                    site_point(v),
                )
                for v in visits
            ]
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
                    self._appointment_events(before, after, events)
                await repo.assign_many(changes)
                await repo.add_events(events.items)
        return AutoAssignResult(plan, dry_run)

    async def planning(
        self, first: date | None, last: date | None, technician_ids: Sequence[str]
    ) -> Planning:
        require_roles(*OFFICE)
        first, last = self._check_period(first, last, MAX_PLANNING_DAYS)
        ids = [parse_id(t, "technician_ids") for t in technician_ids] or None
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            techs = await repo.technicians(ids=ids, include_inactive=ids is not None)
            start, end = day_bounds(first, last)
            assigned = (
                await repo.assigned_between([t.id for t in techs], start, end) if techs else []
            )
            views = await self._views(repo, assigned)
            unassigned_rows = [
                *await repo.unscheduled_corrective(),
                *await repo.unassigned_between(first, last),
            ]
            unassigned = await self._views(repo, unassigned_rows)
        by_tech: dict[uuid.UUID, list[InterventionView]] = defaultdict(list)
        for view in views:
            assert view.row.technician_id is not None
            by_tech[view.row.technician_id].append(view)
        return Planning([PlanningLane(t, by_tech.get(t.id, [])) for t in techs], unassigned)

    async def technician_schedule(
        self, technician_id: str, first: date | None, last: date | None
    ) -> tuple[TechnicianRow, list[ScheduleDay]]:
        first = first or self.today()
        last = last or first
        first, last = self._check_period(first, last, MAX_SCHEDULE_DAYS)
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            tech = await self._resolve_technician(repo, technician_id)
            start, end = day_bounds(first, last)
            views = await self._views(repo, await repo.assigned_between([tech.id], start, end))
        by_day: dict[date, list[InterventionView]] = defaultdict(list)
        for view in views:
            assert view.row.scheduled_start is not None
            by_day[local_day(view.row.scheduled_start)].append(view)
        days: list[ScheduleDay] = []
        for day in days_between(first, last):
            stops: list[ScheduleStop] = []
            here: GeoPoint | None = home_point(tech)
            for sequence, view in enumerate(by_day.get(day, []), start=1):
                there = site_point(view.row)
                metres = haversine_metres(here, there) if here and there else 0.0
                stops.append(
                    ScheduleStop(
                        view,
                        sequence,
                        round(metres),
                        travel_minutes(metres, self.settings.travel_speed_kmh),
                    )
                )
                here = there or here
            days.append(ScheduleDay(day, stops))
        return tech, days

    # -- field work: start, report, complete ---------------------------------------------------
    async def _reportable(
        self, repo: InterventionRepository, intervention_id: str, *, for_update: bool = False
    ) -> InterventionRow:
        principal = require_roles(*OFFICE, TECHNICIEN)
        row = await repo.intervention(parse_id(intervention_id), for_update=for_update)
        if row is None or not _can_see(principal, row):
            raise NotFound("intervention not found")
        if not _can_report(principal, row):
            raise PermissionDenied("only the assigned technician reports on this intervention")
        return row

    async def start(self, intervention_id: str, started_at: datetime | None) -> InterventionView:
        now = self.clock()
        started_at = started_at or now
        if started_at > now + CLOCK_TOLERANCE:
            raise InvalidArgument(
                "the start cannot be in the future", fields={"started_at": "in the future"}
            )
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await self._reportable(repo, intervention_id, for_update=True)
            self._check_pending(row)
            if row.technician_id is None:
                raise FailedPrecondition(
                    "assign a technician first", fields={"technician_id": "unassigned"}
                )
            await repo.update_intervention(
                row.id, {"status": IN_PROGRESS, "started_at": started_at}
            )
            await repo.save_report(row.id, {})
            updated = await repo.intervention(row.id)
            assert updated is not None
            return await self._view(repo, updated)

    async def save_report(self, intervention_id: str, data: ReportInput) -> InterventionView:
        check_measurements(data.measurements)
        values = {
            **{name: getattr(data.measurements, name) for name in RULES},
            "actions": check_actions(data.actions),
            "parts": check_parts(data.parts),
            "time_spent_minutes": check_time_spent(data.time_spent_minutes),
            "notes": check_notes(data.notes),
        }
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await self._reportable(repo, intervention_id, for_update=True)
            if row.status != IN_PROGRESS:
                raise FailedPrecondition(
                    "start the intervention before reporting", fields={"status": row.status}
                )
            await repo.save_report(row.id, values)
            await repo.update_intervention(row.id, {})
            updated = await repo.intervention(row.id)
            assert updated is not None
            return await self._view(repo, updated)

    async def complete(self, intervention_id: str, completion: Completion) -> InterventionView:
        now = self.clock()
        completed_at = completion.completed_at or now
        if completed_at > now + CLOCK_TOLERANCE:
            raise InvalidArgument(
                "completion cannot be in the future", fields={"completed_at": "in the future"}
            )
        check_completion(completion)
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await self._reportable(repo, intervention_id)
            if row.status != IN_PROGRESS:
                raise FailedPrecondition(
                    "start the intervention before completing it", fields={"status": row.status}
                )
            assert row.started_at is not None
            if completed_at < row.started_at:
                raise InvalidArgument(
                    "completion is before the start", fields={"completed_at": "before started_at"}
                )
            report = await repo.report(row.id)
        measurements = measurements_of(report)
        warnings = check_measurements(measurements)
        time_spent = (report.time_spent_minutes if report else None) or max(
            1, round((completed_at - row.started_at).total_seconds() / 60)
        )
        document = report_document(
            row, report, measurements, warnings, completion, completed_at, time_spent
        )
        pdf = await self.renderer.render(document)
        next_visit = await self._next_occurrence(row, completed_at)
        digest = hashlib.sha256(pdf).hexdigest()
        filename = f"rapport-{local_day(completed_at).isoformat()}-{str(row.id)[:8]}.pdf"
        events = _Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            locked = await repo.intervention(row.id, for_update=True)
            current_report = await repo.report(row.id)
            if locked is None or locked.version != row.version or current_report != report:
                raise Conflict("the intervention changed while completing it; try again")
            await repo.save_report(row.id, signature_values(completion, time_spent))
            await repo.update_intervention(
                row.id, {"status": COMPLETED, "completed_at": completed_at}
            )
            await repo.insert_report_document(row.id, filename, pdf, digest)
            events.add(
                "intervention.intervention.completed",
                "intervention",
                row.id,
                completed_payload(row, report, completed_at, time_spent),
            )
            if next_visit is not None:
                await self._move_next_visit(repo, row, next_visit, events)
            await repo.add_events(events.items)
            updated = await repo.intervention(row.id)
            assert updated is not None
            return await self._view(repo, updated)

    async def _next_occurrence(
        self, row: InterventionRow, completed_at: datetime
    ) -> PlanOccurrence | None:
        if row.kind != PREVENTIVE or not row.next_from_completion or not row.plan_id:
            return None
        try:
            return await self.contracts.next_occurrence(row.plan_id, local_day(completed_at))
        except DomainError as error:
            # The report must not be lost for this: the next visit keeps its calendar date.
            log.warning("next visit of plan %s not recomputed: %s", row.plan_id, error.message)
            return None

    async def _move_next_visit(
        self,
        repo: InterventionRepository,
        done: InterventionRow,
        occurrence: PlanOccurrence,
        events: _Events,
    ) -> None:
        following = await repo.next_pending_visit(done)
        if following is None or following.planned_date == occurrence.day:
            return
        values: dict[str, Any] = {
            "planned_date": occurrence.day,
            "window_start_minute": occurrence.window_start,
            "window_end_minute": occurrence.window_end,
            "status": SCHEDULED,
        }
        if following.scheduled_start is not None:
            values |= {"technician_id": None, "scheduled_start": None, "scheduled_end": None}
        await repo.update_intervention(following.id, values)
        moved = await repo.intervention(following.id)
        assert moved is not None
        self._appointment_events(following, moved, events)

    async def report_pdf(self, intervention_id: str) -> ReportPdf:
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await self._visible(repo, intervention_id)
            document = await repo.report_document(row.id)
        if document is None:
            raise NotFound("the report PDF exists once the intervention is completed")
        return ReportPdf(document.filename, document.pdf, document.sha256)


# -- pure helpers used above -------------------------------------------------------------------


def _replace(where: InterventionFilter, **changes: Any) -> InterventionFilter:
    return replace(where, **changes)
