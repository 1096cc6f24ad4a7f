"""SQL of the GDPR rights in contrat: a customer's rows for an export, their anonymisation, and
the customers past their retention period."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from aquaerp_runtime.personal_data import Scrubber, changed_rows, scrub_table
from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import (
    contract_lines,
    contracts,
    customers,
    installations,
    maintenance_plans,
    outbox,
    sites,
    suspensions,
)

LIVE_STATUSES = ("active", "suspended")
ERASED_SITE_NAME = "Site effacé"


class PrivacyRecords:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def customer(self, customer_id: uuid.UUID, *, for_update: bool = False) -> Any:
        query = select(customers).where(customers.c.id == customer_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).mappings().first()

    async def export(self, customer_id: uuid.UUID) -> dict[str, list[Any]]:
        """The customer's rows, its sites, installations and contracts (with their lines)."""
        site_ids = select(sites.c.id).where(sites.c.customer_id == customer_id)
        contract_ids = select(contracts.c.id).where(contracts.c.customer_id == customer_id)

        async def rows(query: Any) -> list[Any]:
            return [dict(r) for r in (await self.session.execute(query)).mappings()]

        return {
            "customer": await rows(select(customers).where(customers.c.id == customer_id)),
            "sites": await rows(select(sites).where(sites.c.customer_id == customer_id)),
            "installations": await rows(
                select(installations).where(installations.c.site_id.in_(site_ids))
            ),
            "contracts": await rows(
                select(contracts).where(contracts.c.customer_id == customer_id)
            ),
            "contract_lines": await rows(
                select(contract_lines).where(contract_lines.c.contract_id.in_(contract_ids))
            ),
        }

    async def sites_of(self, customer_id: uuid.UUID) -> list[Any]:
        query = select(sites).where(sites.c.customer_id == customer_id)
        return list((await self.session.execute(query)).mappings())

    async def live_contract_count(self, customer_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            contracts.c.customer_id == customer_id, contracts.c.status.in_(LIVE_STATUSES)
        )
        return int(await self.session.scalar(query) or 0)

    async def anonymise(
        self, customer_id: uuid.UUID, pseudonym: str, scrubber: Scrubber, now: datetime
    ) -> int:
        """Rewrites the customer and everything hanging from it; returns the rows changed."""
        changed = 0
        result = await self.session.execute(
            update(customers)
            .where(customers.c.id == customer_id)
            .values(
                name=pseudonym,
                legal_form="",
                billing_address_lines=[],
                billing_postal_code="",
                billing_city="",
                billing_contact_name="",
                billing_email="",
                phone="",
                notes="",
                marketing_consent=False,
                marketing_consent_at=None,
                marketing_consent_source="",
                archived_at=func.coalesce(customers.c.archived_at, now),
                erased_at=now,
                updated_at=now,
            )
        )
        changed += changed_rows(result)
        site_ids = select(sites.c.id).where(sites.c.customer_id == customer_id)
        result = await self.session.execute(
            update(sites)
            .where(sites.c.customer_id == customer_id)
            .values(
                name=ERASED_SITE_NAME,
                address_lines=[],
                postal_code="",
                city="",
                latitude=None,
                longitude=None,
                access_notes="",
                gate_code="",
                archived_at=func.coalesce(sites.c.archived_at, now),
            )
        )
        changed += changed_rows(result)
        result = await self.session.execute(
            update(installations).where(installations.c.site_id.in_(site_ids)).values(notes="")
        )
        changed += changed_rows(result)
        contract_ids = select(contracts.c.id).where(contracts.c.customer_id == customer_id)
        result = await self.session.execute(
            update(contracts)
            .where(contracts.c.customer_id == customer_id)
            .values(notes="", termination_reason="")
        )
        changed += changed_rows(result)
        for table, columns in (
            (suspensions, ("reason",)),
            (maintenance_plans, ("label", "description")),
            (contract_lines, ("label",)),
        ):
            changed += await scrub_table(
                self.session, table, columns, scrubber, table.c.contract_id.in_(contract_ids)
            )
        # Events already written keep their types and ids; their texts lose the person.
        changed += await scrub_table(self.session, outbox, ("payload",), scrubber)
        return changed

    async def retention_candidates(
        self, prospect_before: datetime, customer_before: datetime
    ) -> list[uuid.UUID]:
        """Customers not erased and without a live contract whose last contact (their record's
        or a contract's last change) is before `prospect_before` when they never had a
        contract, before `customer_before` when they had one."""
        last_contract_change = (
            select(func.max(contracts.c.updated_at))
            .where(contracts.c.customer_id == customers.c.id)
            .scalar_subquery()
        )
        live = (
            select(contracts.c.id)
            .where(
                contracts.c.customer_id == customers.c.id,
                contracts.c.status.in_(LIVE_STATUSES),
            )
            .exists()
        )
        last_contact = func.greatest(
            customers.c.updated_at, func.coalesce(last_contract_change, customers.c.updated_at)
        )
        query = select(customers.c.id).where(
            customers.c.erased_at.is_(None),
            ~live,
            case(
                (last_contract_change.is_(None), last_contact < prospect_before),
                else_=last_contact < customer_before,
            ),
        )
        return list((await self.session.scalars(query)).all())

    async def consents(self, customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
        """Marketing consent and erasure time of each customer."""
        query = select(
            customers.c.id,
            customers.c.marketing_consent,
            customers.c.marketing_consent_at,
            customers.c.marketing_consent_source,
            customers.c.service_report_opt_out,
            customers.c.erased_at,
        ).where(customers.c.id.in_(customer_ids))
        return {row["id"]: row for row in (await self.session.execute(query)).mappings()}

    async def set_consent(
        self, customer_id: uuid.UUID, consent: bool, source: str, now: datetime
    ) -> None:
        """Records a change of the marketing consent (its time and source); the same answer
        again changes nothing."""
        await self.session.execute(
            update(customers)
            .where(
                customers.c.id == customer_id,
                customers.c.erased_at.is_(None),
                (customers.c.marketing_consent != consent)
                | (customers.c.marketing_consent_source != source),
            )
            .values(
                marketing_consent=consent, marketing_consent_source=source, marketing_consent_at=now
            )
        )

    async def set_service_report_opt_out(self, customer_id: uuid.UUID, opt_out: bool) -> None:
        await self.session.execute(
            update(customers)
            .where(customers.c.id == customer_id, customers.c.erased_at.is_(None))
            .values(service_report_opt_out=opt_out)
        )
