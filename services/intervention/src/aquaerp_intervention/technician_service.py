"""Technicians: their profile (skills, working hours, home base), absences, and the calendar
feed their phone subscribes to."""

from __future__ import annotations

import itertools
import re
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from aquaerp_runtime.authz import TECHNICIEN, require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import AlreadyExists, InvalidArgument, NotFound
from aquaerp_runtime.paging import decode_key, encode_token, page_limit

from .access import OFFICE, parse_id, resolve_technician, technician
from .calendar_feed import CalendarEntry, build_calendar, new_feed_token, token_hash
from .config import InterventionSettings
from .contracts import address_from_json, one_line
from .geo import GeoPoint
from .lifecycle import Kind, Status
from .local_time import MINUTES_PER_DAY, add_months
from .repository import AbsenceRow, InterventionRepository, InterventionRow, TechnicianRow
from .views import Page
from .visits import day_bounds, site_point

SKILL = re.compile(r"^[a-zà-ÿ0-9][a-zà-ÿ0-9_-]{0,49}$")


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


def check_skills(skills: Sequence[str]) -> list[str]:
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


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidArgument("a name is required", fields={"display_name": "1 to 200 characters"})
    return name


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


def _check_home(home: GeoPoint | None) -> GeoPoint:
    if home is None or not home.is_valid():
        raise InvalidArgument(
            "a valid home base is required",
            fields={"home_base": "latitude -90..90, longitude -180..180"},
        )
    return home


def _calendar_entry(row: InterventionRow) -> CalendarEntry:
    address = address_from_json(row.site_address)
    lines = [row.label or ("Dépannage" if row.kind == Kind.CORRECTIVE else "Entretien")]
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
        location=one_line(address),
        geo=site_point(row),
        description="\n".join(lines),
        cancelled=row.status == Status.CANCELLED,
        version=row.version,
        updated_at=row.updated_at,
    )


# The roles of a user (None: no such user), from auth.
UserRoles = Callable[[str], Awaitable[frozenset[str] | None]]


class TechnicianService:
    def __init__(self, database: Database, settings: InterventionSettings, clock: Clock) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        # Set by the app when the service can ask auth (it has a service account).
        self.user_roles: UserRoles | None = None

    async def create_technician(self, data: TechnicianInput) -> TechnicianRow:
        require_roles(*OFFICE)
        user_id = parse_id(data.user_id, "user_id")
        if self.user_roles is not None:
            roles = await self.user_roles(str(user_id))
            if roles is None or TECHNICIEN not in roles:
                raise InvalidArgument(
                    "the user is not a technician",
                    fields={
                        "user_id": "utilisateur inconnu"
                        if roles is None
                        else "cet utilisateur n'a pas le rôle technicien"
                    },
                )
        name = _check_name(data.display_name)
        home = _check_home(data.home)
        values = {
            "user_id": user_id,
            "display_name": name,
            "skills": check_skills(data.skills),
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

    async def get_technician(self, technician_id: str) -> TechnicianRow:
        async with self.database.unit_of_work() as session:
            return await resolve_technician(InterventionRepository(session), technician_id)

    async def list_technicians(
        self, skill: str, include_inactive: bool, page_size: int, page_token: str
    ) -> Page[TechnicianRow]:
        require_roles(*OFFICE)
        size = page_limit(page_size)
        after = decode_key(page_token, str, uuid.UUID)
        async with self.database.unit_of_work() as session:
            rows = await InterventionRepository(session).technicians(
                skill=skill.strip().lower() or None,
                include_inactive=include_inactive,
                after=after,
                limit=size + 1,
            )
        last = rows[size - 1] if len(rows) > size else None
        return Page(rows[:size], encode_token(last.display_name, last.id) if last else "")

    async def update_technician(
        self, technician_id: str, changes: TechnicianChanges
    ) -> TechnicianRow:
        require_roles(*OFFICE)
        tech_id = parse_id(technician_id)
        values: dict[str, Any] = {}
        if changes.display_name is not None:
            values["display_name"] = _check_name(changes.display_name)
        if changes.skills is not None:
            values["skills"] = check_skills(changes.skills)
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
                return await technician(repo, tech_id)
            row = await repo.update_technician(tech_id, values)
        if row is None:
            raise NotFound("technician not found")
        return row

    # -- absences -----------------------------------------------------------------------------
    async def add_absence(
        self, technician_id: str, start: datetime | None, end: datetime | None, reason: str
    ) -> AbsenceRow:
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
            tech = await technician(repo, parse_id(technician_id, "technician_id"))
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
    ) -> list[AbsenceRow]:
        first = first or self.clock.today()
        last = last or add_months(first, 12)
        if last < first:
            raise InvalidArgument(
                "to_date is before from_date", fields={"to_date": "before from_date"}
            )
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            tech = await resolve_technician(repo, technician_id)
            start, end = day_bounds(first, last)
            return await repo.absences([tech.id], start, end)

    # -- calendar feed ------------------------------------------------------------------------
    async def rotate_calendar_token(self, technician_id: str) -> str:
        token = new_feed_token()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            tech = await resolve_technician(repo, technician_id)
            await repo.update_technician(tech.id, {"calendar_token_hash": token_hash(token)})
        return token

    async def revoke_calendar_token(self, technician_id: str) -> None:
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            tech = await resolve_technician(repo, technician_id)
            await repo.update_technician(tech.id, {"calendar_token_hash": None})

    async def calendar_feed(self, token: str) -> str:
        """Public: the token is the credential. Unknown and revoked tokens look the same."""
        if not token or len(token) > 200:
            raise NotFound("calendar not found")
        now = self.clock.now()
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
        entries = [_calendar_entry(row) for row in rows]
        return build_calendar(tech.display_name, entries, now)
