"""Contracts: drafts, and the life cycle of a contract in force (activation, suspension,
termination, renewal, the daily processing of term ends)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from aquaerp_runtime.authz import require_roles
from aquaerp_runtime.clock import Clock
from aquaerp_runtime.db import Database
from aquaerp_runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from aquaerp_runtime.paging import page_limit

from .. import validation
from ..domain import LIVE_STATUSES, NUMBERED_STATUSES, Contract, ContractStatus, Customer
from ..repository import ContratRepository
from ..repository.contracts import CONTRACT_SORTING
from ..terms import ONE_DAY, next_term_end
from .access import MANAGERS, READERS, Page, parse_id, visibility_of

END_OF_TERM_REASON = "fin de terme (contrat non reconductible)"


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


async def load_contract(repo: ContratRepository, contract_id: uuid.UUID) -> Contract:
    contract = await repo.contract_by_id(contract_id)
    if contract is None:
        raise NotFound("contract not found")
    return contract


async def lock_contract(repo: ContratRepository, contract_id: str) -> Contract:
    """The contract, its row locked until the unit of work ends."""
    parsed = parse_id(contract_id, "contract")
    if not await repo.lock_contract(parsed):
        raise NotFound("contract not found")
    return await load_contract(repo, parsed)


class Contracts:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

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
            return await load_contract(repo, contract_id)

    async def get_contract(self, contract_id: str) -> Contract:
        visibility = visibility_of(require_roles(*READERS))
        async with self.database.unit_of_work() as session:
            contract = await ContratRepository(session).contract_by_id(
                parse_id(contract_id, "contract")
            )
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
        order_by: str = "",
    ) -> Page[Contract]:
        visibility = visibility_of(require_roles(*READERS))
        limit = page_limit(page_size)
        order = CONTRACT_SORTING.order(order_by)
        wanted_customer = parse_id(customer_id, "customer") if customer_id else None
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
            ids, token, total = await repo.list_contract_ids(
                customer_id=wanted_customer,
                site_id=parse_id(site_id, "site") if site_id else None,
                statuses=wanted_statuses,
                query=query.strip()[:200],
                order=order,
                page_token=page_token,
                limit=limit,
            )
            contracts = await repo.load_contracts(ids)
        return Page(contracts, token, total)

    async def update_contract(self, contract_id: str, draft: validation.ContractDraft) -> Contract:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await lock_contract(repo, contract_id)
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
            return await load_contract(repo, contract.id)

    async def delete_contract(self, contract_id: str) -> None:
        require_roles(*MANAGERS)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await lock_contract(repo, contract_id)
            if contract.status != ContractStatus.DRAFT:
                raise FailedPrecondition(
                    "only a draft can be deleted; terminate the contract instead"
                )
            await repo.delete_contract(contract.id)

    # -- contracts: lifecycle --------------------------------------------------------------------
    async def activate_contract(self, contract_id: str) -> Contract:
        require_roles(*MANAGERS)
        today = self.clock.today()
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await lock_contract(repo, contract_id)
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
            activated = await load_contract(repo, contract.id)
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
        effective = validation.required_date(effective, "effective_date")
        reason = validation.reason(reason)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await lock_contract(repo, contract_id)
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
            suspended = await load_contract(repo, contract.id)
            await repo.add_event(
                "contrat.contract.suspended",
                contract.id,
                contract_event(suspended, effective_date=effective.isoformat(), reason=reason),
            )
        return suspended

    async def resume_contract(self, contract_id: str, effective: date | None) -> Contract:
        require_roles(*MANAGERS)
        effective = validation.required_date(effective, "effective_date")
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await lock_contract(repo, contract_id)
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
            resumed = await load_contract(repo, contract.id)
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
        effective = validation.required_date(effective, "effective_date")
        reason = validation.reason(reason)
        async with self.database.unit_of_work() as session:
            repo = ContratRepository(session)
            contract = await lock_contract(repo, contract_id)
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
        terminated = await load_contract(repo, contract.id)
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
            contract = await lock_contract(repo, contract_id)
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
        renewed = await load_contract(repo, contract.id)
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
        day = on_date or self.clock.today()
        async with self.database.unit_of_work() as session:
            ids = await ContratRepository(session).term_ended_contract_ids(day)
        renewed, terminated = [], []
        for contract_id in ids:
            async with self.database.unit_of_work() as session:
                repo = ContratRepository(session)
                contract = await lock_contract(repo, str(contract_id))
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
