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
from decimal import Decimal, InvalidOperation
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
    PARIS,
    clip_to_day,
    format_minute,
    local_datetime,
    local_day,
    minute_of_day,
)
from .measurements import RULES, Measurements, MeasurementWarning, check_measurements, french_number
from .report_pdf import MeasurementLine, PartLine, ReportDocument, ReportRenderer, SignatureBlock
from .repository import (
    PENDING,
    InterventionFilter,
    InterventionRepository,
    InterventionRow,
    ReportRow,
    TechnicianRow,
)
from .signatures import Signature, check_signature

log = logging.getLogger(__name__)

PREVENTIVE = "preventive"
CORRECTIVE = "corrective"
SCHEDULED = "scheduled"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
CANCELLED = "cancelled"
OVERDUE = "overdue"
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
class PartInput:
    description: str
    product_code: str
    quantity: str
    unit: str
    unit_price_cents: int
    currency: str
    billable: bool


@dataclass(frozen=True)
class ReportInput:
    measurements: Measurements
    actions: list[str]
    parts: list[PartInput]
    time_spent_minutes: int | None
    notes: str


@dataclass(frozen=True)
class Completion:
    customer_signature: Signature | None
    technician_signature: Signature | None
    customer_absent: bool
    customer_absence_reason: str
    completed_at: datetime | None


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
    return principal.is_service or principal.has_any(*OFFICE)


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


def _decimal_quantity(text: str, field_name: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidArgument(
            "quantity must be a decimal number", fields={field_name: "e.g. 2.5"}
        ) from None
    if not value.is_finite() or value <= 0 or value > Decimal("100000"):
        raise InvalidArgument("quantity must be positive", fields={field_name: "must be > 0"})
    if -value.as_tuple().exponent > 3:  # type: ignore[operator]
        raise InvalidArgument(
            "quantity has at most 3 decimals", fields={field_name: "at most 3 decimals"}
        )
    return value


def _working_intervals(tech: TechnicianRow, day: date) -> list[scheduling.Interval]:
    weekday = day.isoweekday()
    return [
        scheduling.Interval(p["start"], p["end"])
        for p in tech.working_hours
        if p["weekday"] == weekday
    ]


def _home(tech: TechnicianRow) -> GeoPoint:
    return GeoPoint(tech.home_latitude, tech.home_longitude)


def _site_point(row: InterventionRow) -> GeoPoint | None:
    if row.site_latitude is None or row.site_longitude is None:
        return None
    return GeoPoint(row.site_latitude, row.site_longitude)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return local_datetime(first, 0), local_datetime(last + timedelta(days=1), 0)


def _measurements(report: ReportRow | None) -> Measurements:
    if report is None:
        return Measurements()
    return Measurements(
        ph=report.ph,
        free_chlorine_mg_l=report.free_chlorine_mg_l,
        total_chlorine_mg_l=report.total_chlorine_mg_l,
        tac_mg_l=report.tac_mg_l,
        cyanuric_acid_mg_l=report.cyanuric_acid_mg_l,
        salt_g_l=report.salt_g_l,
        temperature_c=report.temperature_c,
    )


def _euros(cents: int) -> str:
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{'-' if cents < 0 else ''}{grouped},{rest:02d} €"


def _french_datetime(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if hours else f"{rest} min"


def visit_payload(row: InterventionRow, **extra: Any) -> dict[str, Any]:
    """What appointment emails need: who, where, when."""
    address = Address.from_dict(row.site_address)
    return {
        "intervention_id": str(row.id),
        "kind": row.kind,
        "customer_id": row.customer_id,
        "contract_id": row.contract_id,
        "site_id": row.site_id,
        "site_name": row.site_name,
        "site_address": address.as_dict(),
        "date": row.planned_date.isoformat() if row.planned_date else None,
        "window_start": format_minute(row.window_start_minute),
        "window_end": format_minute(row.window_end_minute),
        "scheduled_start": row.scheduled_start.isoformat() if row.scheduled_start else None,
        "scheduled_end": row.scheduled_end.isoformat() if row.scheduled_end else None,
        "technician_name": row.technician_name or "",
        "label": row.label,
        **extra,
    }


# -- the service ---------------------------------------------------------------------------------


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
            start, end = _day_bounds(first, last)
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
            geo=_site_point(row),
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
            return await InterventionRepository(session).mark_overdue(as_of or self.today())

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
            **_site_values(site),
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
        warnings = check_measurements(_measurements(report)) if report else []
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
        end = start + timedelta(minutes=row.estimated_minutes)
        first_minute = minute_of_day(start)
        last_minute = MINUTES_PER_DAY if local_day(end) != day and minute_of_day(end) == 0 else None
        slot_end = last_minute if last_minute is not None else minute_of_day(end)
        same_day = local_day(end) == day or last_minute is not None
        slot = scheduling.Interval(first_minute, slot_end if same_day else MINUTES_PER_DAY + 1)
        day_start, day_end = _day_bounds(day, day)
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
            working=_working_intervals(tech, day),
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
            start, end = _day_bounds(first, last)
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
                    _site_point(v),
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
                    after = _with_assignment(
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
            start, end = _day_bounds(first, last)
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
            start, end = _day_bounds(first, last)
            views = await self._views(repo, await repo.assigned_between([tech.id], start, end))
        by_day: dict[date, list[InterventionView]] = defaultdict(list)
        for view in views:
            assert view.row.scheduled_start is not None
            by_day[local_day(view.row.scheduled_start)].append(view)
        days: list[ScheduleDay] = []
        for day in _days(first, last):
            stops: list[ScheduleStop] = []
            here: GeoPoint | None = _home(tech)
            for sequence, view in enumerate(by_day.get(day, []), start=1):
                there = _site_point(view.row)
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
            "actions": _check_actions(data.actions),
            "parts": _check_parts(data.parts),
            "time_spent_minutes": _check_time_spent(data.time_spent_minutes),
            "notes": _check_notes(data.notes),
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
        _check_completion(completion)
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
        measurements = _measurements(report)
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
            await repo.save_report(row.id, _signature_values(completion, time_spent))
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


def _site_values(site: SiteInfo) -> dict[str, Any]:
    return {
        "site_id": site.site_id,
        "site_name": site.name,
        "site_address": site.address.as_dict(),
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
            **_site_values(site),
            "kind": PREVENTIVE,
            "status": SCHEDULED,
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
                scheduling.FixedStop(str(row.id), scheduling.Interval(*part), _site_point(row))
            )
    days: list[scheduling.TechnicianDay] = []
    for tech in techs:
        tech_absences = [a for a in absences if a.technician_id == tech.id]
        for day in _days(first, last):
            working = _working_intervals(tech, day)
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
                    _home(tech),
                    tuple(working),
                    absent,
                    tuple(fixed.get((tech.id, day), [])),
                )
            )
    return days


def _with_assignment(
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


def _check_actions(actions: Sequence[str]) -> list[str]:
    cleaned = [a.strip() for a in actions if a.strip()]
    if len(cleaned) > 50:
        raise InvalidArgument("at most 50 actions", fields={"actions": "at most 50"})
    for i, action in enumerate(cleaned):
        if len(action) > 500:
            raise InvalidArgument(
                "an action is at most 500 characters", fields={f"actions.{i}": "too long"}
            )
    return cleaned


def _check_parts(parts: Sequence[PartInput]) -> list[dict[str, Any]]:
    if len(parts) > 100:
        raise InvalidArgument("at most 100 parts", fields={"parts": "at most 100"})
    cleaned = []
    for i, part in enumerate(parts):
        description = part.description.strip()
        if not description or len(description) > 200:
            raise InvalidArgument(
                "describe each part", fields={f"parts.{i}.description": "1 to 200 characters"}
            )
        quantity = _decimal_quantity(part.quantity, f"parts.{i}.quantity")
        if part.unit_price_cents < 0:
            raise InvalidArgument(
                "a price cannot be negative", fields={f"parts.{i}.unit_price": "must be >= 0"}
            )
        currency = (part.currency or "EUR").upper()
        if currency != "EUR":
            raise InvalidArgument(
                "prices are in EUR", fields={f"parts.{i}.unit_price.currency": "EUR only"}
            )
        if len(part.unit) > 20 or len(part.product_code) > 64:
            raise InvalidArgument(
                "unit or product code too long", fields={f"parts.{i}.unit": "at most 20 characters"}
            )
        cleaned.append(
            {
                "description": description,
                "product_code": part.product_code.strip(),
                "quantity": str(quantity.normalize())
                if quantity == quantity.to_integral()
                else str(quantity),
                "unit": part.unit.strip() or "pièce",
                "unit_price_cents": part.unit_price_cents,
                "currency": currency,
                "billable": part.billable,
            }
        )
    return cleaned


def _check_time_spent(minutes: int | None) -> int | None:
    if minutes is None or minutes == 0:
        return None
    if not 1 <= minutes <= MINUTES_PER_DAY:
        raise InvalidArgument(
            "time spent is 1 to 1440 minutes", fields={"time_spent_minutes": "1..1440"}
        )
    return minutes


def _check_notes(notes: str) -> str:
    if len(notes) > 4000:
        raise InvalidArgument("notes are at most 4000 characters", fields={"notes": "too long"})
    return notes.strip()


def _check_completion(completion: Completion) -> None:
    if completion.technician_signature is None:
        raise InvalidArgument(
            "the technician must sign", fields={"technician_signature": "required"}
        )
    check_signature(completion.technician_signature, "technician_signature")
    if completion.customer_absent:
        if not completion.customer_absence_reason.strip():
            raise InvalidArgument(
                "say why the customer did not sign",
                fields={"customer_absence_reason": "required when absent"},
            )
        if completion.customer_signature is not None:
            raise InvalidArgument(
                "an absent customer cannot sign",
                fields={"customer_signature": "not allowed when absent"},
            )
        return
    if completion.customer_signature is None:
        raise InvalidArgument(
            "the customer's signature is required (or mark the customer absent with a reason)",
            fields={"customer_signature": "required"},
        )
    check_signature(completion.customer_signature, "customer_signature")


def _signature_values(completion: Completion, time_spent: int) -> dict[str, Any]:
    customer, technician = completion.customer_signature, completion.technician_signature
    assert technician is not None
    return {
        "time_spent_minutes": time_spent,
        "customer_absent": completion.customer_absent,
        "customer_absence_reason": completion.customer_absence_reason.strip(),
        "customer_signer_name": customer.signer_name.strip() if customer else None,
        "customer_signed_at": customer.signed_at if customer else None,
        "customer_signature_png": customer.png if customer else None,
        "technician_signer_name": technician.signer_name.strip(),
        "technician_signed_at": technician.signed_at,
        "technician_signature_png": technician.png,
    }


def completed_payload(
    row: InterventionRow, report: ReportRow | None, completed_at: datetime, time_spent: int
) -> dict[str, Any]:
    """For facture: what to invoice. Parts marked billable always; labour when the intervention
    itself is billable (corrective work outside the contract)."""
    parts = report.parts if report else []
    return {
        "intervention_id": str(row.id),
        "kind": row.kind,
        "contract_id": row.contract_id,
        "customer_id": row.customer_id,
        "site_id": row.site_id,
        "technician_id": str(row.technician_id) if row.technician_id else None,
        "completed_at": completed_at.isoformat(),
        "completed_on": local_day(completed_at).isoformat(),
        "billable": row.billable,
        "labour_minutes": time_spent if row.billable else 0,
        "billable_items": [
            {
                "description": p["description"],
                "product_code": p["product_code"],
                "quantity": p["quantity"],
                "unit": p["unit"],
                "unit_price_cents": p["unit_price_cents"],
                "currency": p["currency"],
            }
            for p in parts
            if p["billable"]
        ],
    }


def report_document(
    row: InterventionRow,
    report: ReportRow | None,
    measurements: Measurements,
    warnings: Sequence[MeasurementWarning],
    completion: Completion,
    completed_at: datetime,
    time_spent: int,
) -> ReportDocument:
    warned = {w.field for w in warnings}
    lines = []
    for name, value in measurements.items():
        rule = RULES[name]
        lines.append(
            MeasurementLine(
                label=rule.label,
                value=french_number(value),
                unit=rule.unit,
                recommended=f"{french_number(rule.recommended.low)} à "
                f"{french_number(rule.recommended.high)} {rule.unit}".strip(),
                warning=name in warned,
            )
        )
    parts = [
        PartLine(
            description=p["description"],
            product_code=p["product_code"],
            quantity=p["quantity"].replace(".", ","),
            unit=p["unit"],
            unit_price=_euros(p["unit_price_cents"]),
            billable=p["billable"],
        )
        for p in (report.parts if report else [])
    ]
    address = Address.from_dict(row.site_address)
    customer, technician = completion.customer_signature, completion.technician_signature
    return ReportDocument(
        reference=str(row.id),
        title="Rapport d'intervention de dépannage"
        if row.kind == CORRECTIVE
        else "Rapport de visite d'entretien",
        label=row.label,
        problem_description=row.problem_description,
        site_name=row.site_name,
        address_lines=[*address.lines, f"{address.postal_code} {address.city}".strip()],
        technician_name=row.technician_name or "",
        planned_date=row.planned_date.strftime("%d/%m/%Y") if row.planned_date else "—",
        started_at=_french_datetime(row.started_at),
        completed_at=_french_datetime(completed_at),
        time_spent=_duration(time_spent),
        measurements=lines,
        warnings=[w.message for w in warnings],
        actions=list(report.actions) if report else [],
        parts=parts,
        notes=report.notes if report else "",
        customer_signature=SignatureBlock(
            customer.signer_name, _french_datetime(customer.signed_at), customer.png
        )
        if customer
        else None,
        customer_absence_reason=completion.customer_absence_reason,
        technician_signature=SignatureBlock(
            technician.signer_name, _french_datetime(technician.signed_at), technician.png
        )
        if technician
        else None,
    )
