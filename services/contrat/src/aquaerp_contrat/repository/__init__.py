"""All SQL of the contrat service: one repository per unit of work, its queries grouped by
what they touch (parties, contracts), plus the counters and the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from aquaerp_runtime.outbox import record_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..models import counters, outbox
from .contracts import ContractRecords
from .imports import ImportRecords
from .parties import PartyRecords
from .rows import customer_columns, site_columns
from .settings import SettingRecords

__all__ = ["ContratRepository", "customer_columns", "site_columns"]


class ContratRepository(PartyRecords, ContractRecords, SettingRecords, ImportRecords):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- counters --------------------------------------------------------------------------
    async def next_counter_value(self, name: str) -> int:
        """Increments a named counter; the row stays locked until the transaction ends, and a
        rollback gives the value back (gapless)."""
        value = await self.session.scalar(
            pg_insert(counters)
            .values(name=name, value=1)
            .on_conflict_do_update(index_elements=["name"], set_={"value": counters.c.value + 1})
            .returning(counters.c.value)
        )
        return int(value or 0)

    # -- events ----------------------------------------------------------------------------
    async def add_event(
        self, event_type: str, contract_id: uuid.UUID, payload: dict[str, Any]
    ) -> None:
        await record_event(self.session, outbox, event_type, "contract", str(contract_id), payload)

    async def add_customer_event(
        self, event_type: str, customer_id: uuid.UUID, payload: dict[str, Any]
    ) -> None:
        await record_event(self.session, outbox, event_type, "customer", str(customer_id), payload)
