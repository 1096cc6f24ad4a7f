"""Schedules: maintenance plans and their visits, billable periods, and the L215-1 renewal
notices of consumer contracts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from aquaerp_runtime.authz import ADMIN, COMPTA, require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from aquaerp_runtime.paging import decode_key, encode_token, page_limit

from .. import validation
from ..billing import BillableItem, billable_items
from ..domain import (
    LIVE_STATUSES,
    NUMBERED_STATUSES,
    Contract,
    ContractStatus,
    Customer,
    MaintenancePlan,
)
from ..plan_settings import (
    SETTINGS_KEY,
    PlanSettings,
    RegionDraft,
    TemplateDraft,
    plan_settings,
    settings_from_json,
    settings_json,
)
from ..planning import Occurrence, PreviewMonth, next_after_completion, occurrences, preview
from ..repository import ContratRepository
from ..terms import covered_ranges, notice_window
from .access import MANAGERS, Page, parse_id
from .contracts import load_contract, lock_contract

MAX_BATCH_PAGE = 2000
MAX_PLAN_RANGE_DAYS = 366


@dataclass(frozen=True)
class ContractBillables:
    contract: Contract
    customer: Customer
    items: list[BillableItem]


@dataclass(frozen=True)
class PlannedVisit:
    contract: Contract
    plan: MaintenancePlan
    occurrence: Occurrence


@dataclass(frozen=True)
class RenewalNotice:
    contract: Contract
    customer: Customer
    term_end: date
    deadline: date
    window_start: date
    window_end: date
    sent_at: datetime | None


_NO_SITE = uuid.UUID(int=0)


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _after_id(page_token: str) -> uuid.UUID | None:
    """The id a batch page starts after (batch queries page in id order)."""
    key = decode_key(page_token, uuid.UUID)
    return key[0] if key else None


class Schedules:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    # -- plans -----------------------------------------------------------------------------------
    async def set_plans(self, contract_id: str, drafts: list[validation.PlanDraft]) -> Contract:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await lock_contract(repo, contract_id)
            if contract.status == ContractStatus.TERMINATED:
                raise FailedPrecondition("the contract is terminated")
            plans = validation.plans(drafts, set(contract.site_ids))
            await repo.replace_plans(contract.id, plans)
            await repo.update_contract(contract.id, {})
            return await load_contract(repo, contract.id)

    async def preview_plans(
        self,
        drafts: list[validation.PlanDraft],
        start: date | None,
        end: date | None,
        first: date | None,
    ) -> list[PreviewMonth]:
        """The visits of plans not saved yet (the contract form), twelve months from `first`."""
        require_roles(*MANAGERS)
        start = validation.required_date(start, "start_date")
        if end is not None and end < start:
            raise InvalidArgument(
                "end_date is before start_date", fields={"end_date": "before start_date"}
            )
        # The preview does not need the site: a plan whose site is not chosen yet is shown too.
        drafts = [replace(d, site_id=d.site_id or str(_NO_SITE)) for d in drafts]
        site_ids = {_NO_SITE} | {parsed for d in drafts if (parsed := _uuid_or_none(d.site_id))}
        plans = validation.plans(drafts, site_ids)
        return preview(plans, start, end, first or start)

    async def plan_settings(self) -> PlanSettings:
        """Season dates per region and one-off visit templates (defaults until changed)."""
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            return settings_from_json(await ContratRepository(session).setting(SETTINGS_KEY))

    async def update_plan_settings(
        self, regions: list[RegionDraft], templates: list[TemplateDraft]
    ) -> PlanSettings:
        require_roles(ADMIN)
        settings = plan_settings(regions, templates)
        async with self.database.unit_of_work() as session:
            await ContratRepository(session).put_setting(SETTINGS_KEY, settings_json(settings))
        return settings

    # -- queries for other services ------------------------------------------------------------
    async def billable_periods(
        self,
        contract_id: str,
        up_to: date | None,
        from_date: date | None,
        page_size: int,
        page_token: str,
    ) -> Page[ContractBillables]:
        require_roles(*MANAGERS, COMPTA)
        up_to = validation.required_date(up_to, "up_to")
        if from_date is not None and from_date > up_to:
            raise InvalidArgument("from_date is after up_to", fields={"from_date": "after up_to"})
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            if contract_id:
                contract = await load_contract(repo, parse_id(contract_id, "contract"))
                contracts, next_token = [contract], ""
            else:
                limit = page_limit(page_size, default=500, maximum=MAX_BATCH_PAGE)
                ids = await repo.contract_ids_by_status(
                    NUMBERED_STATUSES,
                    after_id=_after_id(page_token),
                    limit=limit,
                    terminated_since=from_date,
                )
                contracts = await repo.load_contracts(ids, with_plans=False)
                next_token = encode_token(ids[-1]) if len(ids) == limit else ""
            customers = await repo.customers_by_ids({c.customer_id for c in contracts})
        result = []
        for contract in contracts:
            items = billable_items(contract, up_to, from_date)
            if items:
                result.append(ContractBillables(contract, customers[contract.customer_id], items))
        return Page(result, next_token)

    async def plan_occurrences(
        self,
        contract_id: str,
        site_id: str,
        from_date: date | None,
        to_date: date | None,
        page_size: int,
        page_token: str,
    ) -> Page[PlannedVisit]:
        require_roles(*MANAGERS, COMPTA)
        first = validation.required_date(from_date, "from_date")
        last = validation.required_date(to_date, "to_date")
        if last < first:
            raise InvalidArgument(
                "to_date is before from_date", fields={"to_date": "before from_date"}
            )
        if (last - first).days > MAX_PLAN_RANGE_DAYS:
            raise InvalidArgument(
                f"at most {MAX_PLAN_RANGE_DAYS} days at a time",
                fields={"to_date": "range too long"},
            )
        wanted_site = parse_id(site_id, "site") if site_id else None
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            if contract_id:
                contract = await load_contract(repo, parse_id(contract_id, "contract"))
                contracts = [contract] if contract.status in LIVE_STATUSES else []
                next_token = ""
            else:
                limit = page_limit(page_size, default=500, maximum=MAX_BATCH_PAGE)
                ids = await repo.contract_ids_by_status(
                    [ContractStatus.ACTIVE], after_id=_after_id(page_token), limit=limit
                )
                contracts = await repo.load_contracts(ids)
                next_token = encode_token(ids[-1]) if len(ids) == limit else ""
        visits = []
        for contract in contracts:
            covered = covered_ranges(
                first, last, contract.start_date, contract.last_covered_day, contract.suspensions
            )
            found = [
                PlannedVisit(contract, plan, occurrence)
                for plan in contract.plans
                if wanted_site is None or plan.site_id == wanted_site
                for occurrence in occurrences(plan, contract.start_date, first, last, covered)
            ]
            found.sort(key=lambda visit: (visit.occurrence.day, visit.plan.id.int))
            visits += found
        return Page(visits, next_token)

    async def next_plan_occurrence(self, plan_id: str, completed_on: date | None) -> PlannedVisit:
        require_roles(*MANAGERS, COMPTA)
        completed = validation.required_date(completed_on, "completed_on")
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract_id = await repo.contract_id_of_plan(parse_id(plan_id, "plan"))
            if contract_id is None:
                raise NotFound("plan not found")
            contract = await load_contract(repo, contract_id)
        plan = next(p for p in contract.plans if str(p.id) == plan_id.lower())
        if contract.status not in LIVE_STATUSES:
            raise FailedPrecondition(f"the contract is {contract.status.value}")
        until = contract.last_covered_day or completed + timedelta(days=800)
        occurrence = next_after_completion(plan, contract.start_date, completed, until)
        if occurrence is None:
            raise NotFound("no further visit within the contract")
        return PlannedVisit(contract, plan, occurrence)

    async def renewal_notices(
        self, on_date: date | None, include_sent: bool
    ) -> list[RenewalNotice]:
        require_roles(*MANAGERS)
        day = on_date or self.clock.today()
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            # The window closes a month before the deadline, which is the notice period (at most
            # 365 days) before the term end: only terms ending in this range can qualify.
            ids = await repo.renewal_notice_candidates(day, day + timedelta(days=365 + 100))
            contracts = await repo.load_contracts(ids, with_plans=False)
            customers = await repo.customers_by_ids({c.customer_id for c in contracts})
        notices = []
        for contract in contracts:
            assert contract.end_date is not None
            window = notice_window(contract.end_date, contract.notice_period_days)
            sent = contract.renewal_notice_sent_for == contract.end_date
            if not window.contains(day) or (sent and not include_sent):
                continue
            notices.append(
                RenewalNotice(
                    contract=contract,
                    customer=customers[contract.customer_id],
                    term_end=contract.end_date,
                    deadline=window.deadline,
                    window_start=window.opens,
                    window_end=window.closes,
                    sent_at=contract.renewal_notice_sent_at if sent else None,
                )
            )
        notices.sort(key=lambda n: (n.deadline, n.contract.number))
        return notices

    async def mark_renewal_notice_sent(self, contract_id: str, term_end: date | None) -> datetime:
        require_roles(*MANAGERS)
        term_end = validation.required_date(term_end, "term_end_date")
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await lock_contract(repo, contract_id)
            if contract.end_date != term_end:
                raise FailedPrecondition("the contract's current term does not end on that day")
            return await repo.mark_renewal_notice_sent(contract.id, term_end, self.clock.now())

    async def emit_due_renewal_notices(self, on_date: date | None) -> list[uuid.UUID]:
        """Emits `contrat.contract.renewal_notice_due` once per term for every consumer contract
        whose L215-1 notice window is open on the day and whose notice was not sent yet; the
        workflow service turns it into the email."""
        notices = await self.renewal_notices(on_date, include_sent=False)
        due = []
        for notice in notices:
            async with self.database.unit_of_work() as session:
                repo = ContratRepository(session)
                if not await repo.claim_renewal_notice_due(notice.contract.id, notice.term_end):
                    continue
                await repo.add_event(
                    "contrat.contract.renewal_notice_due",
                    notice.contract.id,
                    {
                        "contract_id": str(notice.contract.id),
                        "number": notice.contract.number,
                        "customer_id": str(notice.contract.customer_id),
                        "term_end_date": notice.term_end.isoformat(),
                        "renewal_date": (notice.term_end + timedelta(days=1)).isoformat(),
                        "refusal_deadline": notice.deadline.isoformat(),
                        "window_end": notice.window_end.isoformat(),
                    },
                )
            due.append(notice.contract.id)
        return due
