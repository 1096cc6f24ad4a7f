"""Visits and interventions: preventive visits generated from the contracts' maintenance plans,
corrective interventions with their SLA, reading them, and cancelling them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from aquaerp_runtime.authz import CLIENT, COMPTA, TECHNICIEN, require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from aquaerp_runtime.paging import decode_key, encode_token, page_limit

from .access import OFFICE, check_pending, is_office, parse_id, visible_intervention
from .config import InterventionSettings
from .contracts import ContractDirectory, PlanOccurrence, SiteInfo
from .lifecycle import PENDING, Kind, Priority, Status
from .local_time import MINUTES_PER_DAY, add_months
from .metrics import VISITS_OVERDUE
from .repository import (
    INTERVENTION_SORTING,
    InterventionFilter,
    InterventionRepository,
    InterventionRow,
    ListPosition,
)
from .scheduling import Interval
from .technician_service import check_skills
from .views import InterventionView, Page, view, views
from .visits import Events, site_values, visit_payload, visit_rows

DEFAULT_WINDOW = (8 * 60, 18 * 60)
# Clocks of phones drift: a call, start or completion may be this far in the future.
CLOCK_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class CorrectiveInput:
    contract_id: str
    site_id: str
    priority: Priority | None
    problem_description: str
    billable: bool
    reported_at: datetime | None
    planned_date: date | None
    window_start: int | None
    window_end: int | None
    estimated_minutes: int
    required_skill: str


@dataclass(frozen=True)
class GenerationResult:
    created: int
    existing: int
    first: date
    last: date
    cancelled: int = 0
    # Visits the plans no longer call for, kept: assigned, under way or done.
    kept: tuple[InterventionView, ...] = ()


def check_window(start: int | None, end: int | None, default: tuple[int, int]) -> Interval:
    lo = default[0] if start is None else start
    hi = default[1] if end is None else end
    if not (0 <= lo < hi <= MINUTES_PER_DAY):
        raise InvalidArgument(
            "the time window must start before it ends, within the day",
            fields={"window_end": "must be after window_start, at most 24:00"},
        )
    return Interval(lo, hi)


async def cancel_visit(
    repo: InterventionRepository,
    row: InterventionRow,
    reason: str,
    now: datetime,
    events: Events,
) -> None:
    await repo.update_intervention(
        row.id, {"status": Status.CANCELLED, "cancelled_at": now, "cancel_reason": reason}
    )
    if row.scheduled_start is not None:
        events.add(
            "intervention.visit.cancelled",
            "intervention",
            row.id,
            visit_payload(row, reason=reason),
        )


def _optional_date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _optional_datetime(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _position(token: str) -> ListPosition | None:
    key = decode_key(token, _optional_date, _optional_datetime, datetime.fromisoformat, uuid.UUID)
    return ListPosition(*key) if key is not None else None


def _token(row: InterventionRow) -> str:
    return encode_token(
        row.planned_date.isoformat() if row.planned_date else "",
        row.scheduled_start.isoformat() if row.scheduled_start else "",
        row.created_at.isoformat(),
        row.id,
    )


class VisitService:
    def __init__(
        self,
        database: Database,
        settings: InterventionSettings,
        contracts: ContractDirectory,
        clock: Clock,
    ) -> None:
        self.database = database
        self.settings = settings
        self.contracts = contracts
        self.clock = clock

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
        first = first or self.clock.today()
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
        events = Events()
        cancelled, kept = 0, []
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            # Unique per site, plan and day: a concurrent generation's rows are skipped here.
            created = await repo.insert_visits(rows)
            if contract_id:
                cancelled, kept_rows = await self._cancel_dropped_occurrences(
                    repo, contract_id, first, last, occurrences, events
                )
                kept = await views(repo, kept_rows, self.clock.now())
            await repo.add_events(events.items)
        wanted = len({(o.site_id, o.plan_id, o.day) for o in occurrences})
        return GenerationResult(created, wanted - created, first, last, cancelled, tuple(kept))

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
        events: Events,
    ) -> tuple[int, list[InterventionRow]]:
        """Unassigned visits whose occurrence the plans no longer call for (plan changed) are
        cancelled; those a technician is assigned to, under way or done are kept (returned)."""
        wanted = {(o.site_id, o.plan_id, o.day) for o in occurrences}
        now = self.clock.now()
        cancelled, kept = 0, []
        for row in await repo.generated_visits(contract_id, first, last):
            key = (row.site_id, row.plan_id, row.occurrence_date)
            if key in wanted or row.status == Status.CANCELLED:
                continue
            if row.status in PENDING and row.technician_id is None:
                await cancel_visit(repo, row, "le plan d'entretien a changé", now, events)
                cancelled += 1
            else:
                kept.append(row)
        return cancelled, kept

    async def cancel_future_visits(self, contract_id: str, first: date | None, reason: str) -> int:
        require_roles(*OFFICE)
        parse_id(contract_id, "contract_id")
        await self.contracts.contract(contract_id)  # 404 for a contract that does not exist
        first = first or self.clock.today()
        reason = reason.strip()[:500] or "contrat résilié"
        now = self.clock.now()
        events = Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            rows = [
                r
                for r in await repo.pending_of_contract(contract_id, first, for_update=True)
                if r.kind == Kind.PREVENTIVE
            ]
            for row in rows:
                await cancel_visit(repo, row, reason, now, events)
            await repo.add_events(events.items)
        return len(rows)

    async def mark_overdue(self, as_of: date | None) -> int:
        require_roles(*OFFICE)
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            marked = await repo.mark_overdue(as_of or self.clock.today())
            VISITS_OVERDUE.set(await repo.count_overdue())
        return marked

    # -- corrective interventions --------------------------------------------------------------
    async def create_corrective(self, data: CorrectiveInput) -> InterventionView:
        require_roles(*OFFICE)
        parse_id(data.contract_id, "contract_id")
        parse_id(data.site_id, "site_id")
        if data.priority is None:
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
        window = check_window(data.window_start, data.window_end, DEFAULT_WINDOW)
        skill = check_skills([data.required_skill])[0] if data.required_skill.strip() else ""
        now = self.clock.now()
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
            "kind": Kind.CORRECTIVE,
            "status": Status.SCHEDULED,
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
            return await view(repo, row, self.clock.now())

    # -- reading -------------------------------------------------------------------------------
    async def get_intervention(self, intervention_id: str) -> InterventionView:
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await visible_intervention(repo, intervention_id)
            return await view(repo, row, self.clock.now())

    async def list_interventions(
        self, where: InterventionFilter, page_size: int, page_token: str, order_by: str = ""
    ) -> Page[InterventionView]:
        """A page in the planning order (date, start, creation), or in `order_by` when given,
        with the filtered total."""
        principal = require_roles(*OFFICE, COMPTA, TECHNICIEN, CLIENT)
        size = page_limit(page_size)
        order = INTERVENTION_SORTING.order(order_by) if order_by.strip() else None
        after = _position(page_token) if order is None else None
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            if not (is_office(principal) or principal.has_any(COMPTA)):
                if principal.has_any(TECHNICIEN):
                    own = await repo.technician_by_user(parse_id(principal.subject, "subject"))
                    if own is None:
                        return Page([], "")
                    where = replace(where, technician_id=own.id)
                else:
                    if not principal.customer_id:
                        return Page([], "")
                    where = replace(where, customer_id=principal.customer_id)
            if order is not None:
                page, token, total = await repo.sorted_interventions(
                    where, order, page_token=page_token, limit=size
                )
                return Page(await views(repo, page, self.clock.now()), token, total)
            rows = await repo.list_interventions(where, after=after, limit=size + 1)
            total = await repo.count_interventions(where)
            found = await views(repo, rows[:size], self.clock.now())
        return Page(found, _token(rows[size - 1]) if len(rows) > size else "", total)

    # -- cancelling ----------------------------------------------------------------------------
    async def cancel(self, intervention_id: str, reason: str) -> InterventionView:
        require_roles(*OFFICE)
        reason = reason.strip()
        if not reason or len(reason) > 500:
            raise InvalidArgument("give a reason", fields={"reason": "1 to 500 characters"})
        events = Events()
        async with self.database.unit_of_work() as session:
            repo = InterventionRepository(session)
            row = await repo.intervention(parse_id(intervention_id), for_update=True)
            if row is None:
                raise NotFound("intervention not found")
            check_pending(row)
            await cancel_visit(repo, row, reason, self.clock.now(), events)
            await repo.add_events(events.items)
            updated = await repo.intervention(row.id)
            assert updated is not None
            return await view(repo, updated, self.clock.now())
