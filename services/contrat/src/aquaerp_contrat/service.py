"""Contrat domain logic: who may do what, lifecycle rules, and the queries other services use.
No gRPC here; SQL is in repository.py, pure calculations in billing, planning and terms."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from aquaerp_runtime.authz import ADMIN, BUREAU, CLIENT, COMPTA, require_roles
from aquaerp_runtime.context import Principal
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound

from . import validation
from .billing import BillableItem, billable_items
from .domain import (
    LIVE_STATUSES,
    NUMBERED_STATUSES,
    Contract,
    ContractStatus,
    Customer,
    CustomerType,
    IndexationMethod,
    IndexationRecord,
    Installation,
    MaintenancePlan,
    PricePoint,
    Site,
)
from .paging import decode_token, encode_token, page_limit
from .planning import Occurrence, next_after_completion, occurrences
from .repository import ContratRepository, customer_columns, site_columns
from .terms import (
    ONE_DAY,
    anniversaries_between,
    anniversary_number,
    covered_ranges,
    next_term_end,
    notice_window,
)

PARIS = ZoneInfo("Europe/Paris")
MANAGERS = (ADMIN, BUREAU)
READERS = (ADMIN, BUREAU, COMPTA, CLIENT)
OFFICE_READERS = (ADMIN, BUREAU, COMPTA)
# Who sees a site's gate code in GetSite (services such as intervention always do).
GATE_CODE_READERS = (ADMIN, BUREAU, CLIENT)
MAX_BATCH_PAGE = 2000
MAX_PLAN_RANGE_DAYS = 366
END_OF_TERM_REASON = "fin de terme (contrat non reconductible)"


@dataclass(frozen=True)
class Visibility:
    """Which customer's records the caller may see: everything, or one customer (a client)."""

    customer_id: uuid.UUID | None
    restricted: bool

    def allows(self, customer_id: uuid.UUID) -> bool:
        return not self.restricted or customer_id == self.customer_id


def _visibility(principal: Principal) -> Visibility:
    if principal.is_service or principal.has_any(*OFFICE_READERS):
        return Visibility(None, False)
    try:
        return Visibility(uuid.UUID(principal.customer_id), True)
    except ValueError:
        return Visibility(uuid.UUID(int=0), True)


def _id(value: str, what: str) -> uuid.UUID:
    """An id from a request; a malformed one cannot exist, so it is NOT_FOUND."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"{what} not found") from None


def _required_date(value: date | None, path: str) -> date:
    if value is None:
        raise InvalidArgument(f"{path}: required", fields={path: "required"})
    return value


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str


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


def _price_factor_applied(cents: int, factor: Decimal) -> int:
    return int((Decimal(cents) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def contract_event(contract: Contract, **extra: Any) -> dict[str, Any]:
    """What consumers of contract events need, whatever the transition."""
    return {
        "contract_id": str(contract.id),
        "number": contract.number,
        "status": contract.status.value,
        "customer_id": str(contract.customer_id),
        "customer_type": contract.customer_type.value,
        "site_ids": [str(s) for s in contract.site_ids],
        "start_date": contract.start_date.isoformat(),
        "end_date": contract.end_date.isoformat() if contract.end_date else None,
        "tacit_renewal": contract.tacit_renewal,
        **extra,
    }


class ContratService:
    def __init__(
        self, database: Database, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.database = database
        self.clock = clock

    def today(self) -> date:
        """Today in Europe/Paris, where business dates are decided."""
        return self.clock().astimezone(PARIS).date()

    # -- customers ---------------------------------------------------------------------------
    async def create_customer(self, draft: validation.CustomerDraft) -> Customer:
        require_roles(*MANAGERS)
        values = validation.customer_values(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            if values["code"]:
                if await repo.customer_code_taken(values["code"]):
                    raise AlreadyExists(
                        "this customer code is taken", fields={"code": "already used"}
                    )
            else:
                values["code"] = await self._new_customer_code(repo)
            customer = await repo.insert_customer(customer_columns(values))
            await repo.add_customer_event(
                "contrat.customer.created",
                customer.id,
                {"customer_id": str(customer.id), "code": customer.code},
            )
        return customer

    @staticmethod
    async def _new_customer_code(repo: ContratRepository) -> str:
        while True:
            code = f"C{await repo.next_counter_value('customer'):05d}"
            if not await repo.customer_code_taken(code):
                return code

    async def _visible_customer(
        self,
        repo: ContratRepository,
        customer_id: str,
        visibility: Visibility,
        *,
        for_update: bool = False,
    ) -> Customer:
        customer = await repo.customer_by_id(_id(customer_id, "customer"), for_update=for_update)
        if customer is None or not visibility.allows(customer.id):
            raise NotFound("customer not found")
        return customer

    async def get_customer(self, customer_id: str) -> Customer:
        visibility = _visibility(require_roles(*READERS))
        async with self.database.unit_of_work() as session:
            return await self._visible_customer(ContratRepository(session), customer_id, visibility)

    async def list_customers(
        self,
        query: str,
        customer_type: CustomerType | None,
        include_archived: bool,
        page_size: int,
        page_token: str,
    ) -> Page[Customer]:
        visibility = _visibility(require_roles(*READERS))
        limit = page_limit(page_size)
        after = self._name_id_token(page_token)
        async with self.database.unit_of_work() as session:
            rows = await ContratRepository(session).list_customers(
                query=query.strip()[:200],
                customer_type=customer_type,
                include_archived=include_archived,
                only_id=visibility.customer_id if visibility.restricted else None,
                after=after,
                limit=limit + 1,
            )
        last = rows[limit - 1] if len(rows) > limit else None
        return Page(rows[:limit], encode_token(last.name, last.id) if last else "")

    @staticmethod
    def _name_id_token(token: str) -> tuple[str, uuid.UUID] | None:
        values = decode_token(token, 2)
        if values is None:
            return None
        try:
            return values[0], uuid.UUID(values[1])
        except ValueError:
            raise InvalidArgument(
                "invalid page token", fields={"page_token": "invalid page token"}
            ) from None

    async def update_customer(self, customer_id: str, draft: validation.CustomerDraft) -> Customer:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            existing = await self._visible_customer(
                repo, customer_id, Visibility(None, False), for_update=True
            )
            values = validation.customer_values(replace(draft, type=existing.type))
            if not values["code"]:
                values["code"] = existing.code
            elif values["code"] != existing.code and await repo.customer_code_taken(
                values["code"], except_id=existing.id
            ):
                raise AlreadyExists("this customer code is taken", fields={"code": "already used"})
            values.pop("type")
            return await repo.update_customer(existing.id, customer_columns(values))

    async def set_customer_archived(self, customer_id: str, archived: bool) -> Customer:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            customer = await self._visible_customer(
                repo, customer_id, Visibility(None, False), for_update=True
            )
            if archived and await repo.customer_has_live_contracts(customer.id):
                raise FailedPrecondition("the customer has a contract in force; terminate it first")
            if archived == customer.archived:
                return customer
            return await repo.update_customer(
                customer.id, {"archived_at": self.clock() if archived else None}
            )

    async def delete_customer(self, customer_id: str) -> None:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            customer = await self._visible_customer(
                repo, customer_id, Visibility(None, False), for_update=True
            )
            if await repo.customer_is_referenced(customer.id):
                raise FailedPrecondition("the customer has sites or contracts: archive it instead")
            await repo.delete_customer(customer.id)

    # -- sites -------------------------------------------------------------------------------
    async def create_site(self, customer_id: str, draft: validation.SiteDraft) -> Site:
        require_roles(*MANAGERS)
        values = validation.site_values(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            customer = await self._visible_customer(repo, customer_id, Visibility(None, False))
            if customer.archived:
                raise FailedPrecondition("the customer is archived")
            return await repo.insert_site({**site_columns(values), "customer_id": customer.id})

    async def _visible_site(
        self,
        repo: ContratRepository,
        site_id: str,
        visibility: Visibility,
        *,
        for_update: bool = False,
    ) -> Site:
        site = await repo.site_by_id(_id(site_id, "site"), for_update=for_update)
        if site is None or not visibility.allows(site.customer_id):
            raise NotFound("site not found")
        return site

    async def get_site(self, site_id: str) -> tuple[Site, bool]:
        """The site, and whether the caller may see its gate code."""
        principal = require_roles(*READERS)
        async with self.database.unit_of_work() as session:
            site = await self._visible_site(
                ContratRepository(session), site_id, _visibility(principal)
            )
        return site, principal.is_service or principal.has_any(*GATE_CODE_READERS)

    async def list_sites(
        self, customer_id: str, query: str, include_archived: bool, page_size: int, page_token: str
    ) -> Page[Site]:
        visibility = _visibility(require_roles(*READERS))
        limit = page_limit(page_size)
        after = self._name_id_token(page_token)
        wanted = _id(customer_id, "customer") if customer_id else None
        if visibility.restricted:
            if wanted is not None and wanted != visibility.customer_id:
                return Page([], "")
            wanted = visibility.customer_id
        async with self.database.unit_of_work() as session:
            rows = await ContratRepository(session).list_sites(
                customer_id=wanted,
                query=query.strip()[:200],
                include_archived=include_archived,
                after=after,
                limit=limit + 1,
            )
        last = rows[limit - 1] if len(rows) > limit else None
        return Page(rows[:limit], encode_token(last.name, last.id) if last else "")

    async def update_site(self, site_id: str, draft: validation.SiteDraft) -> Site:
        require_roles(*MANAGERS)
        values = validation.site_values(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            site = await self._visible_site(repo, site_id, Visibility(None, False), for_update=True)
            return await repo.update_site(site.id, site_columns(values))

    async def archive_site(self, site_id: str) -> Site:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            site = await self._visible_site(repo, site_id, Visibility(None, False), for_update=True)
            if await repo.site_has_live_contracts(site.id):
                raise FailedPrecondition("a contract in force covers this site")
            if site.archived:
                return site
            return await repo.update_site(site.id, {"archived_at": self.clock()})

    # -- installations ---------------------------------------------------------------------------
    async def create_installation(
        self, site_id: str, draft: validation.InstallationDraft
    ) -> Installation:
        require_roles(*MANAGERS)
        values = validation.installation_values(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            site = await self._visible_site(repo, site_id, Visibility(None, False))
            if site.archived:
                raise FailedPrecondition("the site is archived")
            return await repo.insert_installation({**values, "site_id": site.id})

    async def _visible_installation(
        self, repo: ContratRepository, installation_id: str, visibility: Visibility
    ) -> Installation:
        installation = await repo.installation_by_id(_id(installation_id, "installation"))
        if installation is None:
            raise NotFound("installation not found")
        site = await repo.site_by_id(installation.site_id)
        if site is None or not visibility.allows(site.customer_id):
            raise NotFound("installation not found")
        return installation

    async def get_installation(self, installation_id: str) -> Installation:
        visibility = _visibility(require_roles(*READERS))
        async with self.database.unit_of_work() as session:
            return await self._visible_installation(
                ContratRepository(session), installation_id, visibility
            )

    async def list_installations(self, site_id: str) -> list[Installation]:
        visibility = _visibility(require_roles(*READERS))
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            site = await self._visible_site(repo, site_id, visibility)
            return await repo.list_installations(site.id)

    async def update_installation(
        self, installation_id: str, draft: validation.InstallationDraft
    ) -> Installation:
        require_roles(*MANAGERS)
        values = validation.installation_values(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            installation = await self._visible_installation(
                repo, installation_id, Visibility(None, False)
            )
            return await repo.update_installation(installation.id, values)

    async def delete_installation(self, installation_id: str) -> None:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            installation = await self._visible_installation(
                repo, installation_id, Visibility(None, False)
            )
            await repo.delete_installation(installation.id)

    # -- contracts: drafts ---------------------------------------------------------------------
    async def _check_parties(
        self, repo: ContratRepository, terms: validation.ContractTerms
    ) -> Customer:
        """The customer exists and is usable; the sites are its own and usable."""
        customer = await repo.customer_by_id(terms.customer_id)
        if customer is None:
            raise InvalidArgument("customer not found", fields={"customer_id": "no such customer"})
        if customer.archived:
            raise FailedPrecondition("the customer is archived")
        found = await repo.sites_by_ids(terms.site_ids)
        violations = validation.Violations()
        for index, site_id in enumerate(terms.site_ids):
            site = found.get(site_id)
            if site is None or site.customer_id != customer.id:
                violations.add(f"site_ids.{index}", "not a site of this customer")
            elif site.archived:
                violations.add(f"site_ids.{index}", "the site is archived")
        violations.raise_if_any("invalid sites")
        return customer

    async def create_contract(self, draft: validation.ContractDraft) -> Contract:
        require_roles(*MANAGERS)
        terms = validation.contract_terms(draft)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            await self._check_parties(repo, terms)
            contract_id = await repo.insert_contract(
                {
                    **terms.values,
                    "customer_id": terms.customer_id,
                    "status": ContractStatus.DRAFT.value,
                }
            )
            await repo.replace_terms(contract_id, terms.site_ids, terms.lines, terms.plans)
            return await self._contract(repo, contract_id)

    async def _contract(self, repo: ContratRepository, contract_id: uuid.UUID) -> Contract:
        contract = await repo.contract_by_id(contract_id)
        if contract is None:
            raise NotFound("contract not found")
        return contract

    async def _locked_contract(self, repo: ContratRepository, contract_id: str) -> Contract:
        parsed = _id(contract_id, "contract")
        if not await repo.lock_contract(parsed):
            raise NotFound("contract not found")
        return await self._contract(repo, parsed)

    async def get_contract(self, contract_id: str) -> Contract:
        visibility = _visibility(require_roles(*READERS))
        async with self.database.unit_of_work() as session:
            contract = await ContratRepository(session).contract_by_id(_id(contract_id, "contract"))
        # Drafts are internal to the office.
        if (
            contract is None
            or not visibility.allows(contract.customer_id)
            or (visibility.restricted and contract.status == ContractStatus.DRAFT)
        ):
            raise NotFound("contract not found")
        return contract

    async def list_contracts(
        self,
        customer_id: str,
        site_id: str,
        statuses: Sequence[ContractStatus],
        query: str,
        page_size: int,
        page_token: str,
    ) -> Page[Contract]:
        visibility = _visibility(require_roles(*READERS))
        limit = page_limit(page_size)
        after: tuple[datetime, uuid.UUID] | None = None
        if (values := decode_token(page_token, 2)) is not None:
            try:
                after = datetime.fromisoformat(values[0]), uuid.UUID(values[1])
            except ValueError:
                raise InvalidArgument(
                    "invalid page token", fields={"page_token": "invalid page token"}
                ) from None
        wanted_customer = _id(customer_id, "customer") if customer_id else None
        wanted_statuses = list(statuses)
        if visibility.restricted:
            if wanted_customer is not None and wanted_customer != visibility.customer_id:
                return Page([], "")
            wanted_customer = visibility.customer_id
            wanted_statuses = [
                s for s in wanted_statuses or NUMBERED_STATUSES if s in NUMBERED_STATUSES
            ]
            if not wanted_statuses:
                return Page([], "")
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            ids = await repo.list_contract_ids(
                customer_id=wanted_customer,
                site_id=_id(site_id, "site") if site_id else None,
                statuses=wanted_statuses,
                query=query.strip()[:200],
                after=after,
                limit=limit + 1,
            )
            contracts = await repo.load_contracts(ids[:limit])
        last = contracts[-1] if len(ids) > limit else None
        return Page(contracts, encode_token(last.created_at.isoformat(), last.id) if last else "")

    async def update_contract(self, contract_id: str, draft: validation.ContractDraft) -> Contract:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            if contract.status != ContractStatus.DRAFT:
                raise FailedPrecondition(
                    "only a draft can be edited; use the price, plan and lifecycle actions"
                )
            terms = validation.contract_terms(draft)
            await self._check_parties(repo, terms)
            await repo.update_contract(
                contract.id, {**terms.values, "customer_id": terms.customer_id}
            )
            await repo.replace_terms(contract.id, terms.site_ids, terms.lines, terms.plans)
            return await self._contract(repo, contract.id)

    async def delete_contract(self, contract_id: str) -> None:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            if contract.status != ContractStatus.DRAFT:
                raise FailedPrecondition(
                    "only a draft can be deleted; terminate the contract instead"
                )
            await repo.delete_contract(contract.id)

    # -- contracts: lifecycle --------------------------------------------------------------------
    async def activate_contract(self, contract_id: str) -> Contract:
        require_roles(*MANAGERS)
        today = self.today()
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            if contract.status != ContractStatus.DRAFT:
                raise FailedPrecondition(f"a {contract.status.value} contract cannot be activated")
            customer = await repo.customer_by_id(contract.customer_id)
            assert customer is not None
            missing = []
            if not contract.lines:
                missing.append("at least one line")
            if not contract.site_ids:
                missing.append("at least one site")
            if not (
                customer.billing_contact_name
                and customer.billing_email
                and customer.billing_address.city
            ):
                missing.append(
                    "a billing contact on the customer (name, email and billing address)"
                )
            if missing:
                raise FailedPrecondition("cannot activate without " + ", ".join(missing))
            if customer.archived:
                raise FailedPrecondition("the customer is archived")
            sites = await repo.sites_by_ids(contract.site_ids)
            if any(site.archived for site in sites.values()):
                raise FailedPrecondition("a covered site is archived")
            if (
                contract.end_date is not None
                and not contract.tacit_renewal
                and contract.end_date < today
            ):
                raise FailedPrecondition("the contract term has already ended")
            sequence = await repo.next_counter_value(f"contract-{today.year}")
            number = f"CT-{today.year}-{sequence:05d}"
            await repo.update_contract(
                contract.id,
                {"status": ContractStatus.ACTIVE.value, "number": number, "activation_date": today},
            )
            activated = await self._contract(repo, contract.id)
            await repo.add_event(
                "contrat.contract.activated",
                contract.id,
                contract_event(
                    activated,
                    effective_date=activated.start_date.isoformat(),
                    activation_date=today.isoformat(),
                    billing_frequency=activated.frequency.value,
                    billing_timing=activated.timing.value,
                    plan_ids=[str(p.id) for p in activated.plans],
                ),
            )
        return activated

    async def suspend_contract(
        self, contract_id: str, effective: date | None, reason: str
    ) -> Contract:
        require_roles(*MANAGERS)
        effective = _required_date(effective, "effective_date")
        reason = validation.reason(reason)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            if contract.status != ContractStatus.ACTIVE:
                raise FailedPrecondition(
                    f"only an active contract can be suspended (it is {contract.status.value})"
                )
            last_resumed = max((s.end for s in contract.suspensions if s.end), default=None)
            if effective < contract.start_date or (last_resumed and effective <= last_resumed):
                raise InvalidArgument(
                    "the suspension must start after the start date and the previous suspension",
                    fields={"effective_date": "too early"},
                )
            if contract.last_covered_day and effective > contract.last_covered_day:
                raise InvalidArgument(
                    "the contract has ended by then", fields={"effective_date": "after the end"}
                )
            await repo.insert_suspension(contract.id, effective, reason)
            await repo.update_contract(contract.id, {"status": ContractStatus.SUSPENDED.value})
            suspended = await self._contract(repo, contract.id)
            await repo.add_event(
                "contrat.contract.suspended",
                contract.id,
                contract_event(suspended, effective_date=effective.isoformat(), reason=reason),
            )
        return suspended

    async def resume_contract(self, contract_id: str, effective: date | None) -> Contract:
        require_roles(*MANAGERS)
        effective = _required_date(effective, "effective_date")
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            suspension = contract.current_suspension
            if suspension is None:
                raise FailedPrecondition(
                    f"only a suspended contract can resume (it is {contract.status.value})"
                )
            if effective <= suspension.start:
                raise InvalidArgument(
                    "the contract resumes after the first suspended day",
                    fields={"effective_date": "too early"},
                )
            await repo.close_suspension(contract.id, effective - ONE_DAY)
            await repo.update_contract(contract.id, {"status": ContractStatus.ACTIVE.value})
            resumed = await self._contract(repo, contract.id)
            await repo.add_event(
                "contrat.contract.resumed",
                contract.id,
                contract_event(
                    resumed, effective_date=effective.isoformat(), reason=suspension.reason
                ),
            )
        return resumed

    async def terminate_contract(
        self, contract_id: str, effective: date | None, reason: str
    ) -> Contract:
        require_roles(*MANAGERS)
        effective = _required_date(effective, "effective_date")
        reason = validation.reason(reason)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            if contract.status == ContractStatus.DRAFT:
                raise FailedPrecondition("a draft is not in force: delete it instead")
            if contract.status == ContractStatus.TERMINATED:
                raise FailedPrecondition("the contract is already terminated")
            terminated = await self._terminate(repo, contract, effective, reason)
        return terminated

    async def _terminate(
        self, repo: ContratRepository, contract: Contract, effective: date, reason: str
    ) -> Contract:
        if effective < contract.start_date:
            raise InvalidArgument(
                "the last day cannot be before the start date",
                fields={"effective_date": "before the start"},
            )
        if contract.end_date and not contract.tacit_renewal and effective > contract.end_date:
            raise InvalidArgument(
                "the contract ends earlier", fields={"effective_date": "after the end of the term"}
            )
        if (suspension := contract.current_suspension) is not None:
            await repo.close_suspension(contract.id, max(effective, suspension.start))
        await repo.update_contract(
            contract.id,
            {
                "status": ContractStatus.TERMINATED.value,
                "termination_date": effective,
                "termination_reason": reason,
            },
        )
        terminated = await self._contract(repo, contract.id)
        await repo.add_event(
            "contrat.contract.terminated",
            contract.id,
            contract_event(terminated, effective_date=effective.isoformat(), reason=reason),
        )
        return terminated

    async def renew_contract(self, contract_id: str, new_end_date: date | None) -> Contract:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            if contract.status not in LIVE_STATUSES:
                raise FailedPrecondition(f"a {contract.status.value} contract cannot be renewed")
            if contract.end_date is None:
                raise FailedPrecondition("an open-ended contract has no term to renew")
            if new_end_date is not None and new_end_date <= contract.end_date:
                raise InvalidArgument(
                    "the new end must be after the current one",
                    fields={"new_end_date": "not after the current end"},
                )
            return await self._renew(repo, contract, new_end_date, "explicit")

    async def _renew(
        self, repo: ContratRepository, contract: Contract, new_end_date: date | None, kind: str
    ) -> Contract:
        assert contract.end_date is not None
        new_end = new_end_date or next_term_end(contract.end_date, contract.renewal_term_months)
        await repo.update_contract(contract.id, {"end_date": new_end})
        await repo.insert_renewal(contract.id, kind, contract.end_date, new_end)
        renewed = await self._contract(repo, contract.id)
        await repo.add_event(
            "contrat.contract.renewed",
            contract.id,
            contract_event(
                renewed,
                kind=kind,
                effective_date=(contract.end_date + ONE_DAY).isoformat(),
                previous_end_date=contract.end_date.isoformat(),
                # L215-1: without the notice, a consumer may terminate at any time after renewal.
                renewal_notice_sent=contract.renewal_notice_sent_for == contract.end_date,
            ),
        )
        return renewed

    async def process_term_ends(
        self, on_date: date | None
    ) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """Renews tacit contracts whose term ended before the day, terminates fixed-term ones.
        One transaction per contract, so one bad contract does not hold the others back."""
        require_roles(*MANAGERS)
        day = on_date or self.today()
        async with self.database.unit_of_work() as session:
            ids = await ContratRepository(session).term_ended_contract_ids(day)
        renewed, terminated = [], []
        for contract_id in ids:
            async with self.database.unit_of_work() as session:
                repo = ContratRepository(session)
                contract = await self._locked_contract(repo, str(contract_id))
                term_end = contract.end_date
                if contract.status not in LIVE_STATUSES or term_end is None or term_end >= day:
                    continue
                if not contract.tacit_renewal:
                    await self._terminate(repo, contract, term_end, END_OF_TERM_REASON)
                    terminated.append(contract.id)
                    continue
                while term_end is not None and term_end < day:
                    contract = await self._renew(repo, contract, None, "tacit")
                    term_end = contract.end_date
                renewed.append(contract.id)
        return renewed, terminated

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

    # -- prices ----------------------------------------------------------------------------------
    async def change_prices(
        self,
        contract_id: str,
        effective: date | None,
        prices: Sequence[tuple[str, int | None, str]],
        reason: str,
    ) -> Contract:
        """`prices`: (line id, unit price in cents, currency)."""
        require_roles(*MANAGERS)
        effective = _required_date(effective, "effective_date")
        reason = validation.reason(reason or "changement de tarif")
        violations = validation.Violations()
        if not prices:
            violations.add("prices", "at least one line price")
        parsed: list[tuple[uuid.UUID | None, int]] = []
        for index, (raw_line_id, cents, currency) in enumerate(prices):
            parsed.append(
                (
                    validation.parse_uuid(violations, f"prices.{index}.line_id", raw_line_id),
                    validation.price_cents(
                        violations, f"prices.{index}.unit_price", cents, currency
                    ),
                )
            )
        violations.raise_if_any("invalid prices")
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            if contract.status not in LIVE_STATUSES:
                raise FailedPrecondition(
                    f"prices of a {contract.status.value} contract cannot change"
                    + (
                        " (edit the draft instead)"
                        if contract.status == ContractStatus.DRAFT
                        else ""
                    )
                )
            if effective < contract.start_date:
                raise InvalidArgument(
                    "before the contract start", fields={"effective_date": "before the start"}
                )
            lines = {line.id: line for line in contract.lines}
            for index, (line_id, _) in enumerate(parsed):
                if line_id not in lines:
                    violations.add(f"prices.{index}.line_id", "not a line of this contract")
            violations.raise_if_any("invalid prices")
            await repo.insert_prices(
                [
                    (line_id, PricePoint(effective, cents, "change"))
                    for line_id, cents in parsed
                    if line_id
                ]
            )
            changed = await self._contract(repo, contract.id)
            await repo.add_event(
                "contrat.contract.price_changed",
                contract.id,
                contract_event(
                    changed,
                    effective_date=effective.isoformat(),
                    reason=reason,
                    lines=[
                        {
                            "line_id": str(line_id),
                            "previous_unit_price_cents": lines[line_id].price_on(
                                effective - ONE_DAY
                            ),
                            "unit_price_cents": cents,
                        }
                        for line_id, cents in parsed
                        if line_id
                    ],
                ),
            )
        return changed

    async def apply_indexation(
        self, contract_id: str, anniversary: date | None, index_value: str
    ) -> Contract:
        require_roles(*MANAGERS)
        anniversary = _required_date(anniversary, "anniversary")
        value = self._index_value(index_value) if index_value.strip() else None
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            return await self._index(repo, contract, anniversary, value)

    @staticmethod
    def _index_value(text: str) -> Decimal:
        violations = validation.Violations()
        value = validation.parse_decimal(violations, "index_value", text)
        if value is not None and value <= 0:
            violations.add("index_value", "must be positive")
        violations.raise_if_any()
        assert value is not None
        return value

    async def _index(
        self,
        repo: ContratRepository,
        contract: Contract,
        anniversary: date,
        index_value: Decimal | None,
    ) -> Contract:
        rule = contract.indexation
        if contract.status not in LIVE_STATUSES:
            raise FailedPrecondition(f"a {contract.status.value} contract is not indexed")
        if rule.method == IndexationMethod.NONE:
            raise FailedPrecondition("the contract has no indexation clause")
        if anniversary_number(contract.start_date, anniversary) is None:
            raise InvalidArgument(
                "not an anniversary of the start date", fields={"anniversary": "not an anniversary"}
            )
        last = contract.indexations[-1].effective_date if contract.indexations else None
        if last is not None and anniversary <= last:
            raise FailedPrecondition(f"already indexed up to {last.isoformat()}")
        if contract.last_covered_day and anniversary > contract.last_covered_day:
            raise FailedPrecondition("the contract has ended by then")
        previous_index = rule.reference_index_value
        if rule.method == IndexationMethod.PERCENTAGE:
            assert rule.percentage is not None
            factor = 1 + rule.percentage / 100
        else:
            if index_value is None:
                raise InvalidArgument(
                    "the new index value is required", fields={"index_value": "required"}
                )
            assert previous_index
            factor = index_value / previous_index
        factor = factor.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
        changes = [
            (
                line,
                line.price_on(anniversary - ONE_DAY),
                _price_factor_applied(line.price_on(anniversary - ONE_DAY), factor),
            )
            for line in contract.lines
        ]
        await repo.insert_prices(
            [(line.id, PricePoint(anniversary, new, "indexation")) for line, _, new in changes]
        )
        await repo.insert_indexation(
            contract.id,
            IndexationRecord(
                effective_date=anniversary,
                method=rule.method,
                factor=factor,
                previous_index_value=previous_index
                if rule.method == IndexationMethod.INDEX
                else None,
                index_value=index_value if rule.method == IndexationMethod.INDEX else None,
                created_at=self.clock(),
            ),
        )
        if rule.method == IndexationMethod.INDEX:
            await repo.update_contract(contract.id, {"reference_index_value": index_value})
        indexed = await self._contract(repo, contract.id)
        await repo.add_event(
            "contrat.contract.price_changed",
            contract.id,
            contract_event(
                indexed,
                effective_date=anniversary.isoformat(),
                reason="indexation",
                factor=str(factor),
                lines=[
                    {
                        "line_id": str(line.id),
                        "previous_unit_price_cents": old,
                        "unit_price_cents": new,
                    }
                    for line, old, new in changes
                ],
            ),
        )
        return indexed

    async def apply_due_indexations(
        self, on_date: date | None, index_values: dict[str, str]
    ) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """Percentage contracts get every missed anniversary in order; index contracts get the
        latest due anniversary when the index value is given (a current value says nothing of
        earlier years)."""
        require_roles(*MANAGERS)
        day = on_date or self.today()
        values = {name.strip(): self._index_value(value) for name, value in index_values.items()}
        async with self.database.unit_of_work() as session:
            ids = await ContratRepository(session).indexed_contract_ids()
        indexed, skipped = [], []
        for contract_id in ids:
            async with self.database.unit_of_work() as session:
                repo = ContratRepository(session)
                contract = await self._locked_contract(repo, str(contract_id))
                after = (
                    contract.indexations[-1].effective_date
                    if contract.indexations
                    else contract.start_date
                )
                until = min(day, contract.last_covered_day or day)
                due = anniversaries_between(contract.start_date, after, until)
                if not due or contract.status not in LIVE_STATUSES:
                    continue
                if contract.indexation.method == IndexationMethod.PERCENTAGE:
                    for anniversary in due:
                        contract = await self._index(repo, contract, anniversary, None)
                    indexed.append(contract.id)
                elif contract.indexation.index_name in values:
                    await self._index(
                        repo, contract, due[-1], values[contract.indexation.index_name]
                    )
                    indexed.append(contract.id)
                else:
                    skipped.append(contract.id)
        return indexed, skipped

    # -- plans -----------------------------------------------------------------------------------
    async def set_plans(self, contract_id: str, drafts: list[validation.PlanDraft]) -> Contract:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            if contract.status == ContractStatus.TERMINATED:
                raise FailedPrecondition("the contract is terminated")
            plans = validation.plans(drafts, set(contract.site_ids))
            await repo.replace_plans(contract.id, plans)
            await repo.update_contract(contract.id, {})
            return await self._contract(repo, contract.id)

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
        up_to = _required_date(up_to, "up_to")
        if from_date is not None and from_date > up_to:
            raise InvalidArgument("from_date is after up_to", fields={"from_date": "after up_to"})
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            if contract_id:
                contract = await self._contract(repo, _id(contract_id, "contract"))
                contracts, next_token = [contract], ""
            else:
                limit = page_limit(page_size, default=500, maximum=MAX_BATCH_PAGE)
                ids = await repo.contract_ids_by_status(
                    NUMBERED_STATUSES,
                    after_id=self._id_token(page_token),
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

    @staticmethod
    def _id_token(token: str) -> uuid.UUID | None:
        values = decode_token(token, 1)
        if values is None:
            return None
        try:
            return uuid.UUID(values[0])
        except ValueError:
            raise InvalidArgument(
                "invalid page token", fields={"page_token": "invalid page token"}
            ) from None

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
        first = _required_date(from_date, "from_date")
        last = _required_date(to_date, "to_date")
        if last < first:
            raise InvalidArgument(
                "to_date is before from_date", fields={"to_date": "before from_date"}
            )
        if (last - first).days > MAX_PLAN_RANGE_DAYS:
            raise InvalidArgument(
                f"at most {MAX_PLAN_RANGE_DAYS} days at a time",
                fields={"to_date": "range too long"},
            )
        wanted_site = _id(site_id, "site") if site_id else None
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            if contract_id:
                contract = await self._contract(repo, _id(contract_id, "contract"))
                contracts = [contract] if contract.status in LIVE_STATUSES else []
                next_token = ""
            else:
                limit = page_limit(page_size, default=500, maximum=MAX_BATCH_PAGE)
                ids = await repo.contract_ids_by_status(
                    [ContractStatus.ACTIVE], after_id=self._id_token(page_token), limit=limit
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
        completed = _required_date(completed_on, "completed_on")
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract_id = await repo.contract_id_of_plan(_id(plan_id, "plan"))
            if contract_id is None:
                raise NotFound("plan not found")
            contract = await self._contract(repo, contract_id)
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
        day = on_date or self.today()
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
        term_end = _required_date(term_end, "term_end_date")
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await self._locked_contract(repo, contract_id)
            if contract.end_date != term_end:
                raise FailedPrecondition("the contract's current term does not end on that day")
            return await repo.mark_renewal_notice_sent(contract.id, term_end)
