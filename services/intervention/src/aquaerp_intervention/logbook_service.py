"""The health logbook of collective pools: entries by the site's staff (a client user of the
customer owning the site), technicians or the office, checked against the regulatory limits
(a breach raises `intervention.logbook_alert`), and the month as an inspector reads it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from aquaerp_runtime.authz import CLIENT, TECHNICIEN, require_roles
from aquaerp_runtime.clock import BUSINESS_TZ, Clock
from aquaerp_runtime.context import Principal
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound

from .access import OFFICE, is_office, parse_id
from .contracts import InstallationDirectory, InstallationInfo, SiteInfo
from .local_time import local_day
from .logbook import (
    LogbookValues,
    breaches,
    check_values,
    logbook_limits,
    month_bounds,
    short_days,
)
from .logbook_repository import LogbookRepository, LogbookRow
from .repository import InterventionRepository
from .water_profile import Profile
from .water_repository import WaterRepository
from .water_targets import Parameter, Target

ALERT_EVENT = "intervention.logbook_alert"


class SiteDirectory(Protocol):
    """A site and its owner, from contrat."""

    async def site(self, site_id: str) -> SiteInfo: ...


@dataclass(frozen=True)
class BasinMonth:
    installation_id: str
    name: str
    limits: dict[Parameter, Target]
    entries: list[LogbookRow]
    short_days: list[tuple[date, int]]


@dataclass(frozen=True)
class LogbookMonthView:
    site: SiteInfo
    year: int
    month: int
    basins: list[BasinMonth]


def _role(principal: Principal) -> str:
    if is_office(principal):
        return "bureau"
    return TECHNICIEN if principal.has_any(TECHNICIEN) else CLIENT


def _check_site_access(principal: Principal, site: SiteInfo) -> None:
    """The site's own staff reach only their customer's sites; another site looks absent."""
    if is_office(principal) or principal.has_any(TECHNICIEN):
        return
    if not principal.customer_id or principal.customer_id != site.customer_id:
        raise NotFound("site not found")


class LogbookService:
    def __init__(
        self,
        database: Database,
        installations: InstallationDirectory,
        sites: SiteDirectory,
        clock: Clock,
    ) -> None:
        self.database = database
        self.installations = installations
        self.sites = sites
        self.clock = clock

    async def _collective_profile(
        self, repo: WaterRepository, info: InstallationInfo
    ) -> Profile | None:
        row = await repo.profile(uuid.UUID(info.installation_id))
        profile = Profile.from_json(row.profile) if row else None
        return profile if profile is not None and profile.collective else None

    async def add_entry(
        self, installation_id: str, values: LogbookValues, taken_at: datetime | None
    ) -> LogbookRow:
        principal = require_roles(*OFFICE, TECHNICIEN, CLIENT)
        parse_id(installation_id, "installation_id")
        check_values(values)
        info = await self.installations.installation(installation_id)
        site = await self.sites.site(info.site_id)
        _check_site_access(principal, site)
        now = self.clock.now()
        when = taken_at or now
        if when > now + timedelta(minutes=5):
            raise InvalidArgument(
                "un relevé ne peut pas être daté dans le futur",
                fields={"entry.taken_at": "dans le futur"},
            )
        async with self.database.unit_of_work() as session:
            profile = await self._collective_profile(WaterRepository(session), info)
            if profile is None:
                raise FailedPrecondition(
                    "ce bassin n'est pas une piscine collective",
                    fields={"installation_id": "pas une piscine collective"},
                )
            found = breaches(values, logbook_limits(profile.stabilised, info.spa))
            row = await LogbookRepository(session).insert_entry(
                {
                    "id": uuid.uuid4(),
                    "installation_id": uuid.UUID(info.installation_id),
                    "site_id": uuid.UUID(info.site_id),
                    "customer_id": site.customer_id,
                    "taken_at": when,
                    "free_chlorine": values.free_chlorine,
                    "total_chlorine": values.total_chlorine,
                    "ph": values.ph,
                    "temperature": values.temperature,
                    "transparent": values.transparent,
                    "attendance": values.attendance,
                    "water_added_m3": values.water_added_m3,
                    "filter_washed": values.filter_washed,
                    "incident": values.incident,
                    "breaches": found,
                    "entered_by": principal.subject[:64],
                    "entered_by_role": _role(principal),
                    "entered_at": now,
                }
            )
            if found:
                await InterventionRepository(session).add_event(
                    ALERT_EVENT,
                    "logbook_entry",
                    row.id,
                    {
                        "entry_id": str(row.id),
                        "installation_id": info.installation_id,
                        "installation_name": info.name,
                        "site_id": info.site_id,
                        "site_name": site.name,
                        "customer_id": site.customer_id,
                        "taken_at": when.isoformat(),
                        "taken_at_local": when.astimezone(BUSINESS_TZ).strftime("%d/%m/%Y %H:%M"),
                        "breaches": found,
                    },
                )
            return row

    async def month(self, site_id: str, year: int, month: int) -> LogbookMonthView:
        principal = require_roles(*OFFICE, TECHNICIEN, CLIENT)
        parse_id(site_id, "site_id")
        first, last = month_bounds(year, month)
        site = await self.sites.site(site_id)
        _check_site_access(principal, site)
        installations = await self.installations.installations(site_id)
        start = datetime.combine(first, time(0), BUSINESS_TZ)
        end = datetime.combine(last + timedelta(days=1), time(0), BUSINESS_TZ)
        today = local_day(self.clock.now())
        async with self.database.unit_of_work() as session:
            water = WaterRepository(session)
            entries = await LogbookRepository(session).site_entries(uuid.UUID(site_id), start, end)
            basins = []
            for info in installations:
                profile = await self._collective_profile(water, info)
                own = [e for e in entries if str(e.installation_id) == info.installation_id]
                if profile is None and not own:
                    continue
                basins.append(
                    BasinMonth(
                        info.installation_id,
                        info.name,
                        logbook_limits(profile.stabilised if profile else False, info.spa),
                        own,
                        short_days([local_day(e.taken_at) for e in own], first, last, today),
                    )
                )
        return LogbookMonthView(site, year, month, basins)
